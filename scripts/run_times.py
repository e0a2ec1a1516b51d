"""One table of how long each notebook takes, quoted everywhere: README.md, notebooks/00_index.ipynb and
docs/teachers_guide.md.

    python scripts/run_times.py              # rewrite the time columns of the three tables
    python scripts/run_times.py --check      # exit 1, naming each table cell that differs
    python scripts/run_times.py --measure-fast [NN ...]   # time fast-mode runs, store them in docs/run_times.json
    python scripts/run_times.py --measure-one-cpu [NN ...]  # time full-mode runs pinned to one core (Linux)

Full mode on 2 cores comes from the stored notebooks themselves: each code cell records when it started and
ended, so a notebook's full-mode time is the span from its first cell to its last (kernel start-up not counted).
Fast mode and one CPU are measured by commands and kept in docs/run_times.json with the command that made them
(the same span, measured on a copy of the notebook).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MEASURED = ROOT / "docs" / "run_times.json"
GUIDE = ROOT / "docs" / "teachers_guide.md"
README = ROOT / "README.md"
INDEX = NOTEBOOKS / "00_index.ipynb"


def chapters() -> list[Path]:
    """Every notebook of the series, in order (00, 01 ... 09, A1, A2 ...)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted(NOTEBOOKS.glob("A[0-9]_*.ipynb"))


def _when(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def full_mode_seconds(path: Path) -> float | None:
    """The stored run's span, from the first code cell's start to the last one's end; None if it has no record."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    runs = [c["metadata"].get("execution", {}) for c in nb["cells"] if c["cell_type"] == "code"]
    runs = [r for r in runs if "iopub.execute_input" in r and "shell.execute_reply" in r]
    if not runs:
        return None
    return (_when(runs[-1]["shell.execute_reply"]) - _when(runs[0]["iopub.execute_input"])).total_seconds()


def duration(seconds: float | None) -> str:
    """A time as the tables show it: seconds up to 90, then minutes to the half."""
    if seconds is None:
        return "not measured"
    if seconds < 90:
        return f"{max(5, 5 * round(seconds / 5)):.0f} s"
    half_minutes = round(seconds / 30) / 2
    return f"{half_minutes:g} min"


def spoken(seconds: float | None) -> str | None:
    """A time as a chapter's opening says it: "about 25 seconds", "about 7.5 minutes" (the tables' rounding)."""
    if seconds is None:
        return None
    shown = duration(seconds)
    number, unit = shown.split()
    if shown == "60 s":
        return "about a minute"
    return f"about {number} {'seconds' if unit == 's' else 'minutes'}"


OPENING = (("full", re.compile(r"(Full mode:\s+)((?:about|under)\s[^;(]*?)(\s+on a 2-core CPU)")),
           ("fast", re.compile(r"(fast mode:\s+)((?:about|under)\s[^.;]*?)([.;])")))
"""Where a chapter's opening states its times: the full-mode time on 2 cores, and the fast-mode time."""


def measured() -> dict:
    """docs/run_times.json: fast-mode and one-CPU seconds per notebook, with the commands that measured them."""
    return json.loads(MEASURED.read_text(encoding="utf-8"))


def seconds_of(number: str, path: Path) -> dict[str, float | None]:
    """A notebook's full-mode (stored run), fast-mode and one-CPU seconds."""
    stored = measured()
    return {"full": full_mode_seconds(path), "fast": stored["fast_s"].get(number),
            "one_cpu": stored["one_cpu_s"].get(number)}


def times() -> dict[str, dict[str, str]]:
    """For each notebook number (00, 01, ..., A2): its full-mode, fast-mode and one-CPU times as table text."""
    stored = measured()
    out = {}
    for path in chapters():
        number = path.name[:2]
        out[number] = {"full": duration(full_mode_seconds(path)),
                       "fast": duration(stored["fast_s"].get(number)),
                       "one_cpu": duration(stored["one_cpu_s"].get(number))}
    return out


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def rewrite_table(text: str, number_of, columns: dict[str, int], label: str) -> tuple[str, list[str]]:
    """Set the time columns of every row that ``number_of(first cell)`` names; return the text and what changed."""
    table, changes, lines = times(), [], text.split("\n")
    for i, line in enumerate(lines):
        if not line.startswith("| "):
            continue
        cells = _cells(line)
        number = number_of(cells[0])
        if number not in table:
            continue
        for key, col in columns.items():
            if cells[col] != table[number][key]:
                changes.append(f"{label}, {number}, {key}: {cells[col]!r} should be {table[number][key]!r}")
                cells[col] = table[number][key]
        lines[i] = _row(cells)
    return "\n".join(lines), changes


def update(check: bool) -> list[str]:
    """Bring the three tables up to date (or only report, with ``check``); return what differed."""
    changes = update_openings(check)
    for path, number_of, columns in (
        (README, lambda c: c if len(c) == 2 else None, {"full": -3, "fast": -2, "one_cpu": -1}),
        (GUIDE, lambda c: c.split(" · ")[0] if " · " in c else None, {"full": 1, "fast": 2, "one_cpu": 3}),
    ):
        text = path.read_text(encoding="utf-8")
        new, changed = rewrite_table(text, number_of, columns, path.name)
        changes += changed
        if changed and not check:
            path.write_text(new, encoding="utf-8")
    nb = json.loads(INDEX.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        new, changed = rewrite_table(text, lambda c: c if len(c) == 2 else None,
                                     {"full": -3, "fast": -2, "one_cpu": -1}, INDEX.name)
        changes += changed
        if changed:
            lines = new.split("\n")
            cell["source"] = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    if changes and not check:
        INDEX.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changes


def update_openings(check: bool) -> list[str]:
    """Make each chapter's opening state its full-mode and fast-mode times as the table has them."""
    changes = []
    for path in chapters()[1:]:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = nb["cells"][0]
        text = "".join(cell["source"])
        new, said = text, seconds_of(path.name[:2], path)
        for key, pattern in OPENING:
            found = pattern.search(new)
            if found is None:
                changes.append(f"{path.name}: the opening states no {key}-mode time ({pattern.pattern})")
                continue
            want = spoken(said[key])
            if want is not None and found.group(2) != want:
                changes.append(f"{path.name}, opening, {key}: {found.group(2)!r} should be {want!r}")
                new = new[:found.start(2)] + want + new[found.end(2):]
        if new != text and not check:
            lines = new.split("\n")
            cell["source"] = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changes


def measure_fast(numbers: list[str]) -> None:
    """Run notebooks top to bottom in fast mode (a copy, outputs thrown away) and store each one's cell span."""
    stored = measured()
    env = {**os.environ, "GAN_FAST": "1"}
    for path in chapters():
        if numbers and path.name[:2] not in numbers:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                            "--output-dir", tmp, str(path)], check=True, env=env, cwd=NOTEBOOKS,
                           capture_output=True)
            seconds = full_mode_seconds(Path(tmp) / path.name)     # the same span as full mode's
        stored["fast_s"][path.name[:2]] = round(seconds)
        print(f"{path.name}: {seconds:.0f} s in fast mode", flush=True)
    MEASURED.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")


def measure_one_cpu(numbers: list[str], out_dir: str | None = None) -> None:
    """Run notebooks in full mode pinned to CPU 0 (a copy, fresh run folders) and store each one's cell span;
    keep the executed copies in ``out_dir`` if given (to read what a one-CPU run printed)."""
    for path in chapters():
        if numbers and path.name[:2] not in numbers:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(out_dir or tmp)
            out.mkdir(parents=True, exist_ok=True)
            env = {**os.environ, "GAN_RUNS_DIR": str(Path(tmp) / "runs")}
            env.pop("GAN_FAST", None)
            subprocess.run(["taskset", "-c", "0", sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                            "--execute", "--ExecutePreprocessor.timeout=7200", "--output-dir", str(out), str(path)],
                           check=True, env=env, cwd=NOTEBOOKS, capture_output=True)
            seconds = full_mode_seconds(out / path.name)
        stored = measured()
        stored["one_cpu_s"][path.name[:2]] = round(seconds)
        MEASURED.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")
        print(f"{path.name}: {seconds:.0f} s in full mode on one CPU", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="report what differs, change nothing")
    parser.add_argument("--measure-fast", nargs="*", metavar="NN", help="time fast-mode runs (all, or these)")
    parser.add_argument("--measure-one-cpu", nargs="*", metavar="NN",
                        help="time full-mode runs on one core (all, or these)")
    parser.add_argument("--out-dir", help="with --measure-one-cpu: keep the executed notebooks here")
    args = parser.parse_args()
    if args.measure_one_cpu is not None:
        measure_one_cpu(args.measure_one_cpu, args.out_dir)
    if args.measure_fast is not None:
        measure_fast(args.measure_fast)
    changes = update(args.check)
    for change in changes:
        print(change)
    return 1 if changes and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
