"""A student's training runs live in a folder of their own; the shipped networks in helpers/weights/ are only read.

A notebook's full-mode run keeps its checkpoints and the networks it saves in ``run_dir("03_dcgan")``, i.e.
``~/gan-runs/03_dcgan/`` (or under ``$GAN_RUNS_DIR``); a fast-mode run uses a fresh temporary folder. Next to
the networks, ``run.json`` records where they came from: the notebook, the date, the steps and the scores.
Shipping a finished run into helpers/weights/ is a maintainer's explicit command: ``python scripts/ship.py``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import tempfile
from pathlib import Path

from helpers.config import WEIGHTS_DIR, fast_mode

__all__ = ["run_dir", "shown", "sha256_of", "record_run", "read_run"]

RUNS_ENV = "GAN_RUNS_DIR"
"""Environment variable naming the folder of a student's runs (default: ``~/gan-runs``) (notebook 02)."""

RUN_RECORD = "run.json"
"""The file in a run folder that says what the run saved and where it came from (notebook 02)."""

SHIPPED_RECORD = WEIGHTS_DIR / "SHIPPED.json"
"""Where each shipped network came from: notebook, date, steps, scores, sha256 (written by scripts/ship.py)."""

_REPOSITORY = Path(__file__).resolve().parent.parent


def runs_root() -> Path:
    """The folder of this student's runs: ``$GAN_RUNS_DIR``, else ``~/gan-runs`` (notebook 02)."""
    return Path(os.environ.get(RUNS_ENV) or "~/gan-runs").expanduser()


def run_dir(name: str) -> Path:
    """The folder of one notebook's run, created if needed: ``runs_root() / name``; in fast mode a fresh
    temporary folder, so that a quick try never resumes nor mixes with a real run (notebook 02)."""
    if fast_mode():
        return Path(tempfile.mkdtemp(prefix=f"{name}-fast-"))
    folder = runs_root() / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shown(path: str | Path | None) -> str:
    """A path as a reader should see it: relative to the repository, to ``~`` or to the temporary folder (``<tmp>``),
    never this machine's absolute path (notebook 02)."""
    if path is None:
        return "(no folder)"
    path = Path(path).expanduser().absolute()
    for base, prefix in ((_REPOSITORY, ""), (Path.home().absolute(), "~/"),
                         (Path(tempfile.gettempdir()).absolute(), "<tmp>/")):
        try:
            return prefix + str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


def sha256_of(path: str | Path) -> str:
    """The sha256 of a file's bytes (notebook 02)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_run(folder: str | Path, notebook: str, files: list[Path], *, steps: int, seconds: float,
               scores: dict | None = None) -> Path:
    """Write ``run.json`` in a run folder: the networks it saved (with their sha256), the notebook, the date, the
    steps, the training time and the scores (notebook 02)."""
    folder = Path(folder)
    record = {"notebook": notebook, "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
              "steps": int(steps), "seconds": round(float(seconds), 1), "fast_mode": fast_mode(),
              "scores": {k: float(v) for k, v in (scores or {}).items() if isinstance(v, (int, float))
                         or getattr(v, "ndim", None) == 0},
              "files": {Path(p).name: sha256_of(p) for p in files}}
    for p in files:
        if Path(p).parent.resolve() != folder.resolve():
            raise ValueError(f"{Path(p).name} is not in the run folder {shown(folder)}: save it there first")
    path = folder / RUN_RECORD
    tmp = path.with_name(f".{RUN_RECORD}.tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, path)
    return path


def read_run(folder: str | Path) -> dict:
    """The ``run.json`` of a run folder, with a message that says what is missing if it is not there (notebook 02)."""
    path = Path(folder).expanduser() / RUN_RECORD
    if not path.exists():
        raise FileNotFoundError(f"{shown(path)} does not exist: this folder holds no finished run. Run the "
                                "notebook in full mode to its end; its last cells save the networks and run.json.")
    return json.loads(path.read_text())
