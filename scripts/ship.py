"""Ship a finished full-mode run: copy its networks into helpers/weights/ and record where they came from.

    python scripts/ship.py ~/gan-runs/03_dcgan            # every network the run saved
    python scripts/ship.py ~/gan-runs/07_your_own_images fashion_generator.keras

This is the only way a network enters helpers/weights/: notebooks read the shipped networks and save their own
runs under ~/gan-runs/ (see helpers/runs.py). The run's run.json must say it was a full-mode run, and each file
must still have the sha256 it had when the notebook saved it. helpers/weights/SHIPPED.json then records, for each
shipped file: the notebook, the date, the steps, the training time, the scores and the sha256.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.config import WEIGHTS_DIR  # noqa: E402
from helpers.runs import read_run, sha256_of, shown  # noqa: E402


def ship(run: Path, names: list[str] | None = None, weights: Path = WEIGHTS_DIR) -> list[Path]:
    """Copy the run's networks (all, or ``names``) into ``weights`` and update its SHIPPED.json; return the paths."""
    run = Path(run).expanduser()
    record = read_run(run)
    if record.get("fast_mode"):
        raise SystemExit(f"{shown(run)} is a fast-mode run (tiny data, a few steps): ship only full-mode runs.")
    names = names or sorted(record["files"])
    unknown = [n for n in names if n not in record["files"]]
    if unknown:
        raise SystemExit(f"{shown(run)} saved {sorted(record['files'])}, not {unknown}")
    for name in names:
        if sha256_of(run / name) != record["files"][name]:
            raise SystemExit(f"{shown(run / name)} changed after the notebook saved it: re-run the notebook")
    shipped_path = weights / "SHIPPED.json"
    shipped = json.loads(shipped_path.read_text()) if shipped_path.exists() else {}
    done = []
    for name in names:
        tmp = weights / f".{name}.shipping"
        shutil.copyfile(run / name, tmp)
        os.replace(tmp, weights / name)
        shipped[name] = {k: record[k] for k in ("notebook", "date", "steps", "seconds", "scores")}
        shipped[name]["sha256"] = record["files"][name]
        done.append(weights / name)
    tmp = shipped_path.with_name(".SHIPPED.json.tmp")
    tmp.write_text(json.dumps(dict(sorted(shipped.items())), indent=1) + "\n")
    os.replace(tmp, shipped_path)
    return done


def main(argv: list[str] | None = None) -> None:
    """The command line: ship.py RUN_FOLDER [FILE ...]."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a run folder, e.g. ~/gan-runs/03_dcgan")
    parser.add_argument("files", nargs="*", help="which of its .keras files (default: all it saved)")
    args = parser.parse_args(argv)
    for path in ship(args.run, args.files or None):
        print(f"shipped {shown(path)}")


if __name__ == "__main__":
    main()
