"""Verify the series as Binder runs it: a fresh environment from binder/ alone, postBuild, every notebook on 1 CPU.

    python scripts/binder_check.py                 # all notebooks, full mode (over an hour)
    python scripts/binder_check.py --fast          # the same in fast mode: a quick smoke test of the build
    python scripts/binder_check.py 03_dcgan 02     # only the notebooks whose names contain these words
    python scripts/binder_check.py --worktree      # the working tree as it is, uncommitted changes included

What it does, as mybinder.org does: exports the committed tree (``git archive HEAD``) to build/binder/repo,
creates a virtual environment with the Python of binder/runtime.txt, installs binder/requirements.txt,
runs binder/postBuild, then executes each notebook top to bottom in a fresh kernel of that environment and
records the time and the kernel's peak memory (its peak resident set size, read inside the kernel at the end).
mybinder.org gives a session 1 CPU and 2 GB in all, so every kernel runs pinned to one CPU (its affinity: the
kernel's ``helpers.config.cpu_limit()`` must report 1, and TensorFlow then sizes its threads for 1 CPU), and
a second pass runs the two notebooks that peaked highest side by side, as two open kernels of one session,
sharing that CPU; the sum of their peaks must stay under 2 GB too.
Writes build/binder/report.json and prints a Markdown table. Exits non-zero if a notebook fails, a kernel
sees more than one CPU, a kernel peaks above 2 GB, or the two kernels together do. The repository's own
notebooks and weights are never touched.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "binder"
BINDER_CAP_GB = 2.0
"""mybinder.org's memory limit for a whole session (every kernel and the server), in GB."""
BINDER_CPUS = 1
"""mybinder.org's CPU limit for a session (a cgroup quota there, an affinity mask here)."""

RUNNER = r'''
"""Run inside the Binder environment: execute notebooks, report time and the kernel's peak memory as JSON lines."""
import json, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

PEAK = ("import os, resource, sys\n"
        "kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    from helpers.config import cpu_limit\n"
        "except ImportError:\n"
        "    cpu_limit = lambda: len(os.sched_getaffinity(0))\n"
        "tf = sys.modules.get('tensorflow')\n"
        "threads = tf.config.threading.get_intra_op_parallelism_threads() if tf else None\n"
        "print('PEAK_BYTES', kb * (1 if sys.platform == 'darwin' else 1024), 'CPUS', cpu_limit(), 'TF_THREADS', threads)")

for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK))
    start, error = time.perf_counter(), None
    try:
        NotebookClient(nb, timeout=3600, kernel_name="python3",
                       resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    except Exception as exc:   # a failing cell: report it and go on with the next notebook
        error = f"{type(exc).__name__}: {str(exc)[-1500:]}"
    peak = cpus = threads = None
    for out in nb.cells[-1].get("outputs", []):
        if out.get("name") == "stdout" and "PEAK_BYTES" in out.get("text", ""):
            words = out["text"].split()
            peak, cpus, threads = int(words[1]), int(words[3]), None if words[5] == "None" else int(words[5])
    print(json.dumps({"notebook": path, "seconds": round(time.perf_counter() - start, 1),
                      "peak_gb": None if peak is None else round(peak / 1e9, 3), "cpus": cpus,
                      "tf_intra_threads": threads, "error": error}), flush=True)
'''


def binder_python(version: str) -> str:
    """Find an interpreter for binder/runtime.txt's version: python3.X on the PATH, or one under pyenv."""
    candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}")))
    candidates.append(shutil.which(f"python{version}"))
    for candidate in candidates:   # a pyenv shim may exist and still refuse to run: ask each one
        if candidate and subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    sys.exit(f"binder/runtime.txt asks for Python {version}, and no python{version} was found: install it "
             f"(e.g. `pyenv install {version}`) or pass --python /path/to/python{version}.")


def run(cmd: list[str], **kwargs) -> None:
    """Run a command, echoing it; stop with its exit code if it fails."""
    print("+", " ".join(cmd), flush=True)
    result = subprocess.run(cmd, **kwargs)
    if result.returncode:
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}")


def export_worktree(repo: Path) -> None:
    """Copy the working tree's files as they are (tracked, and untracked but not ignored) to ``repo``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():   # a tracked file deleted in the working tree is left out, as a commit would
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)


def build(python: str, worktree: bool = False) -> tuple[Path, dict]:
    """Export HEAD (or the working tree), create the environment, install binder/requirements.txt, run postBuild."""
    shutil.rmtree(BUILD, ignore_errors=True)
    repo, venv = BUILD / "repo", BUILD / "env"
    repo.mkdir(parents=True)
    if worktree:
        export_worktree(repo)
    else:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(repo)], input=archive, check=True)
    run([python, "-m", "venv", str(venv)])
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}
    env.pop("GAN_FAST", None)
    run(["pip", "install", "-q", "-r", "binder/requirements.txt"], cwd=repo, env=env)
    run(["bash", "binder/postBuild"], cwd=repo, env=env)
    return repo, env


def pin_to_cpus(n: int):
    """A ``preexec_fn`` that pins the child (and the kernels it starts, which inherit it) to ``n`` of our CPUs."""
    def pin() -> None:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:n])
    return pin


def start_runner(nb: Path, repo: Path, env: dict, cpus: int) -> subprocess.Popen:
    """Start the runner on one notebook, in its own process pinned to ``cpus`` CPUs."""
    return subprocess.Popen(["python", str(BUILD / "runner.py"), str(nb)], cwd=repo, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=pin_to_cpus(cpus))


def finish_runner(process: subprocess.Popen, nb: Path, repo: Path) -> dict:
    """Wait for a runner and return its row: notebook, seconds, peak_gb, cpus, tf_intra_threads, error."""
    stdout, stderr = process.communicate()
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    row = json.loads(lines[-1]) if lines else {"notebook": str(nb), "seconds": None, "peak_gb": None, "cpus": None,
                                               "error": f"runner exited {process.returncode}: {stderr[-1500:]}"}
    row["notebook"] = str(Path(row["notebook"]).relative_to(repo))
    return row


def row_problem(row: dict, cpus: int) -> str | None:
    """Why a notebook's row fails the check (an error, no peak, over 2 GB, more CPUs than Binder's), or None."""
    if row["error"]:
        return "error: " + row["error"].splitlines()[0][:80]
    if row["peak_gb"] is None:
        return "no peak memory reported"
    if row["peak_gb"] > BINDER_CAP_GB:
        return f"over {BINDER_CAP_GB:g} GB"
    if row.get("cpus") != cpus:
        return f"the kernel saw {row.get('cpus')} CPUs, not {cpus}"
    return None


def heaviest_pair(rows: list[dict]) -> list[str]:
    """The two notebooks that ran cleanly with the highest peak memory (fewer if fewer ran)."""
    ok = [row for row in rows if not row["error"] and row["peak_gb"] is not None]
    return [row["notebook"] for row in sorted(ok, key=lambda row: row["peak_gb"], reverse=True)[:2]]


def pair_verdict(rows: list[dict]) -> tuple[float | None, str]:
    """Two kernels open at once: the sum of their peaks, and ``ok`` or why it fails (an error, over 2 GB)."""
    if any(row["error"] or row["peak_gb"] is None for row in rows):
        return None, "error: " + "; ".join(str(row["error"]).splitlines()[0][:80] for row in rows if row["error"])
    total = round(sum(row["peak_gb"] for row in rows), 3)
    return total, (f"over {BINDER_CAP_GB:g} GB together" if total > BINDER_CAP_GB else "ok")


def run_pair(names: list[str], repo: Path, env: dict, cpus: int) -> list[dict]:
    """Run two notebooks at the same time, each in its own kernel, sharing the same ``cpus`` CPUs."""
    processes = [(repo / name, start_runner(repo / name, repo, env, cpus)) for name in names]
    return [finish_runner(process, nb, repo) for nb, process in processes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="run only notebooks whose file names contain one of these")
    parser.add_argument("--fast", action="store_true", help="fast mode (GAN_FAST=1): a smoke test of the build")
    parser.add_argument("--python", help="interpreter to build with (default: the version in binder/runtime.txt)")
    parser.add_argument("--worktree", action="store_true",
                        help="build from the working tree (uncommitted changes included) instead of HEAD")
    args = parser.parse_args()
    if not hasattr(os, "sched_setaffinity"):
        sys.exit("This check pins kernels to one CPU with os.sched_setaffinity, which only Linux has: run it on Linux.")

    version = (ROOT / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")
    python = args.python or binder_python(version)
    repo, env = build(python, args.worktree)
    if args.fast:
        env["GAN_FAST"] = "1"
    notebooks = sorted(repo.glob("notebooks/*.ipynb")) + sorted(repo.glob("notebooks/solutions/*.ipynb"))
    notebooks = [nb for nb in notebooks if not args.only or any(word in nb.name for word in args.only)]
    (BUILD / "runner.py").write_text(RUNNER)
    rows = []
    for nb in notebooks:   # one process each, so a crash or a kernel killed for memory stops only its notebook
        rows.append(finish_runner(start_runner(nb, repo, env, BINDER_CPUS), nb, repo))
        print(json.dumps(rows[-1]), flush=True)
    pair = heaviest_pair(rows)
    pair_rows = run_pair(pair, repo, env, BINDER_CPUS) if len(pair) == 2 else []
    pair_total, pair_result = pair_verdict(pair_rows) if pair_rows else (None, "not run: fewer than two notebooks")
    for row in pair_rows:
        print(json.dumps({"side by side": True, **row}), flush=True)

    versions = subprocess.run(["python", "-c", "import platform, tensorflow as tf, keras; print(platform.python_version(), "
                               "tf.__version__, keras.__version__)"], env=env, capture_output=True, text=True).stdout.split()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    report = {"mode": "fast" if args.fast else "full", "python": versions[0] if versions else None,
              "tensorflow": versions[1] if len(versions) > 1 else None, "kernel_cpus": BINDER_CPUS,
              "machine_cpus": os.cpu_count(), "commit": commit.stdout.strip() + ("+worktree" if args.worktree else ""),
              "notebooks": rows, "side_by_side": {"notebooks": pair_rows, "total_peak_gb": pair_total,
                                                  "result": pair_result}}
    (BUILD / "report.json").write_text(json.dumps(report, indent=2))
    print(f"\nBinder environment: Python {report['python']}, TensorFlow {report['tensorflow']}, kernels pinned "
          f"to {BINDER_CPUS} of {os.cpu_count()} CPUs, commit {report['commit']}, {report['mode']} mode\n")
    print("| notebook | time | kernel peak memory | result |\n|---|---|---|---|")
    problems = [row_problem(row, BINDER_CPUS) for row in rows]
    for row, problem in zip(rows, problems):
        time_s = "?" if row["seconds"] is None else f"{row['seconds'] / 60:.1f} min"
        peak = "?" if row["peak_gb"] is None else f"{row['peak_gb']:.2f} GB"
        print(f"| {row['notebook']} | {time_s} | {peak} | {problem or 'ok'} |")
    if pair_rows:
        names = " + ".join(Path(row["notebook"]).stem for row in pair_rows)
        total = "?" if pair_total is None else f"{pair_total:.2f} GB"
        print(f"| two kernels at once: {names} | {max(row['seconds'] or 0 for row in pair_rows) / 60:.1f} min "
              f"| {total} (sum of peaks) | {pair_result} |")
    failed = any(problems) or (bool(pair_rows) and pair_result != "ok")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
