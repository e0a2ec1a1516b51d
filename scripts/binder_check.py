"""Verify the series as Binder runs it: a fresh environment from binder/ alone, postBuild, every notebook in full mode.

    python scripts/binder_check.py                 # all notebooks, full mode (about an hour on 2 cores)
    python scripts/binder_check.py --fast          # the same in fast mode: a quick smoke test of the build
    python scripts/binder_check.py 03_dcgan        # only the notebooks whose names contain these words

What it does, as mybinder.org does: exports the committed tree (``git archive HEAD``) to build/binder/repo,
creates a virtual environment with the Python of binder/runtime.txt, installs binder/requirements.txt,
runs binder/postBuild, then executes each notebook top to bottom in a fresh kernel of that environment and
records the time and the kernel's peak memory (its peak resident set size, read inside the kernel at the end).
Writes build/binder/report.json and prints a Markdown table. Exits non-zero if a notebook fails or a kernel
peaks above mybinder's 2 GB. The repository's own notebooks and weights are never touched.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "binder"
BINDER_CAP_GB = 2.0

RUNNER = r'''
"""Run inside the Binder environment: execute notebooks, report time and the kernel's peak memory as JSON lines."""
import json, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

PEAK = ("import resource, sys\n"
        "kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print('PEAK_BYTES', kb * (1 if sys.platform == 'darwin' else 1024))")

for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK))
    start, error = time.perf_counter(), None
    try:
        NotebookClient(nb, timeout=3600, kernel_name="python3",
                       resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    except Exception as exc:   # a failing cell: report it and go on with the next notebook
        error = f"{type(exc).__name__}: {str(exc)[-1500:]}"
    peak = None
    for out in nb.cells[-1].get("outputs", []):
        if out.get("name") == "stdout" and "PEAK_BYTES" in out.get("text", ""):
            peak = int(out["text"].split("PEAK_BYTES")[1].split()[0])
    print(json.dumps({"notebook": path, "seconds": round(time.perf_counter() - start, 1),
                      "peak_gb": None if peak is None else round(peak / 1e9, 3), "error": error}), flush=True)
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


def build(python: str) -> tuple[Path, dict]:
    """Export HEAD, create the environment, install binder/requirements.txt, run postBuild; return (repo, env vars)."""
    shutil.rmtree(BUILD, ignore_errors=True)
    repo, venv = BUILD / "repo", BUILD / "env"
    repo.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(repo)], input=archive, check=True)
    run([python, "-m", "venv", str(venv)])
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}
    env.pop("GAN_FAST", None)
    run(["pip", "install", "-q", "-r", "binder/requirements.txt"], cwd=repo, env=env)
    run(["bash", "binder/postBuild"], cwd=repo, env=env)
    return repo, env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="run only notebooks whose file names contain one of these")
    parser.add_argument("--fast", action="store_true", help="fast mode (GAN_FAST=1): a smoke test of the build")
    parser.add_argument("--python", help="interpreter to build with (default: the version in binder/runtime.txt)")
    args = parser.parse_args()

    version = (ROOT / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")
    python = args.python or binder_python(version)
    repo, env = build(python)
    if args.fast:
        env["GAN_FAST"] = "1"
    notebooks = sorted(repo.glob("notebooks/*.ipynb")) + sorted(repo.glob("notebooks/solutions/*.ipynb"))
    notebooks = [nb for nb in notebooks if not args.only or any(word in nb.name for word in args.only)]
    (BUILD / "runner.py").write_text(RUNNER)
    rows = []
    for nb in notebooks:   # one process each, so a crash or a kernel killed for memory stops only its notebook
        out = subprocess.run(["python", str(BUILD / "runner.py"), str(nb)], cwd=repo, env=env,
                             capture_output=True, text=True)
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        row = json.loads(lines[-1]) if lines else {"notebook": str(nb), "seconds": None, "peak_gb": None,
                                                   "error": f"runner exited {out.returncode}: {out.stderr[-1500:]}"}
        row["notebook"] = str(Path(row["notebook"]).relative_to(repo))
        rows.append(row)
        print(json.dumps(row), flush=True)

    versions = subprocess.run(["python", "-c", "import platform, tensorflow as tf, keras; print(platform.python_version(), "
                               "tf.__version__, keras.__version__)"], env=env, capture_output=True, text=True).stdout.split()
    report = {"mode": "fast" if args.fast else "full", "python": versions[0] if versions else None,
              "tensorflow": versions[1] if len(versions) > 1 else None, "cpu_cores": os.cpu_count(),
              "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                       text=True).stdout.strip(), "notebooks": rows}
    (BUILD / "report.json").write_text(json.dumps(report, indent=2))
    print(f"\nBinder environment: Python {report['python']}, TensorFlow {report['tensorflow']}, "
          f"{report['cpu_cores']} CPU cores, commit {report['commit']}, {report['mode']} mode\n")
    print("| notebook | time | kernel peak memory | result |\n|---|---|---|---|")
    failed = False
    for row in rows:
        over = row["peak_gb"] is not None and row["peak_gb"] > BINDER_CAP_GB
        failed |= bool(row["error"]) or over or row["peak_gb"] is None
        result = "error: " + row["error"].splitlines()[0][:80] if row["error"] else ("over 2 GB" if over else "ok")
        time_s = "?" if row["seconds"] is None else f"{row['seconds'] / 60:.1f} min"
        peak = "?" if row["peak_gb"] is None else f"{row['peak_gb']:.2f} GB"
        print(f"| {row['notebook']} | {time_s} | {peak} | {result} |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
