"""A student's progress: which exercises of the series passed their check on this machine (``progress()``, notebook 00).

``check`` records every correct verdict in a small JSON file outside the repository, so a fresh clone, a
``git pull`` or a re-run notebook keeps it: ``$GAN_PROGRESS_FILE`` if set, else ``progress.json`` in the
user's state folder (``$XDG_STATE_HOME/gan-notebooks``, by default ``~/.local/state/gan-notebooks``; on
Windows ``%LOCALAPPDATA%\\gan-notebooks``). The file is replaced atomically, and a file that cannot be read
or written never stops a check: progress is a convenience, the verdict is what counts. While a course is being
graded (``NBGRADER_EXECUTION`` set), nothing is recorded: the grader's machine is not a student's.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROGRESS_ENV = "GAN_PROGRESS_FILE"
"""Environment variable naming the progress file (tests point it at a temporary folder)."""


def progress_file() -> Path:
    """Where this machine's progress is kept (notebook 00)."""
    if os.environ.get(PROGRESS_ENV, "").strip():
        return Path(os.environ[PROGRESS_ENV]).expanduser()
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "gan-notebooks" / "progress.json"
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base).expanduser() / "gan-notebooks" / "progress.json"


def passed_exercises(path: Path | None = None) -> dict[str, str]:
    """The exercises recorded as passed, each with when it first passed (UTC); {} when there is no readable file."""
    path = path or progress_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        passed = data.get("passed", {}) if isinstance(data, dict) else {}
        return {str(k): str(v) for k, v in passed.items()} if isinstance(passed, dict) else {}
    except (OSError, ValueError):
        return {}


def record_pass(name: str, path: Path | None = None) -> bool:
    """Record that exercise ``name`` passed; True when the file was written. Never raises."""
    if os.environ.get("NBGRADER_EXECUTION", "").strip():
        return False
    path = path or progress_file()
    try:
        passed = passed_exercises(path)
        if name in passed:
            return True
        passed[name] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"version": 1, "passed": dict(sorted(passed.items()))}, f, indent=1)
                f.write("\n")
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return True
    except Exception:  # noqa: BLE001  (a read-only home, a full disk: the check's verdict still stands)
        return False


def noted(verdict):
    """Record ``verdict``'s exercise when it passed, and return the verdict unchanged (``check`` calls it)."""
    if getattr(verdict, "passed", False):
        record_pass(verdict.exercise)
    return verdict


@dataclass(frozen=True)
class Progress:
    """Which exercises of each chapter passed on this machine; prints as a table, one line per chapter."""

    chapters: dict[str, list[tuple[str, bool]]]
    path: Path

    @property
    def passed(self) -> int:
        """How many exercises of the series passed."""
        return sum(ok for rows in self.chapters.values() for _, ok in rows)

    @property
    def total(self) -> int:
        """How many exercises the series has."""
        return sum(len(rows) for rows in self.chapters.values())

    def __str__(self) -> str:
        home, where = str(Path.home()), str(self.path)
        where = "~" + where[len(home):] if home not in ("", "/") and where.startswith(home + os.sep) else where
        lines = [f"Exercises passed on this machine: {self.passed} of {self.total}  (kept in {where})",
                 "", "chapter  passed   exercises (+ passed, - not yet)"]
        for chapter, rows in self.chapters.items():
            done = sum(ok for _, ok in rows)
            names = ", ".join(f"{'+' if ok else '-'} {short}" for short, ok in rows)
            lines.append(f"{chapter:<8} {done} of {len(rows):<4} {names}")
        return "\n".join(lines)

    __repr__ = __str__


def progress() -> Progress:
    """The exercises of the series this student has passed on this machine, chapter by chapter (notebook 00)."""
    from exercises.checker import EXERCISES  # here, not at the top: the checker imports this module

    passed = passed_exercises()
    chapters: dict[str, list[tuple[str, bool]]] = {}
    for name in EXERCISES:
        chapter, _, short = name.partition(".")
        chapters.setdefault(chapter, []).append((short, name in passed))
    return Progress(dict(sorted(chapters.items())), progress_file())
