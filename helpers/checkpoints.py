"""Checkpoints that resume exactly, refuse changed settings, and survive damaged files (notebook 03).

A checkpoint folder holds, for step N, ``ckpt-N.index`` and ``ckpt-N.data-*`` (both networks, both optimizers,
the weight average if any, the step counter and the training time) and ``ckpt-N.history.json`` (the values
recorded up to step N), plus one ``settings.json``: what the run was started with. ``restore`` reads the newest
checkpoint that is whole; a damaged one is moved aside (renamed ``damaged-...``), never deleted, and the one
before it is used. Only checkpoints this process has just written replace older ones.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from helpers.runs import shown

__all__ = ["CheckpointError"]

KEEP = 2
"""How many of the newest checkpoints a folder keeps."""

SETTINGS = "settings.json"


class CheckpointError(RuntimeError):
    """A checkpoint folder that cannot be resumed; the message says why and what to do (appendix A1)."""


def make_checkpoint(step):
    """A ``tf.train.Checkpoint`` of everything a ``GanStep`` changes, plus the step count and training time
    (appendix A1)."""
    import tensorflow as tf

    models = {"generator": step.generator, "discriminator": step.discriminator}
    if step.ema is not None:
        models["ema"] = step.ema
    # Keras 3 models are not tracked by tf.train.Checkpoint: list their variables (weights, batch-norm
    # statistics, dropout seeds) explicitly; the optimizers carry their own slots.
    tracked = {name: [v.value for v in model.variables] for name, model in models.items()}
    tracked.update(step.state)   # the step's own variables, e.g. WGAN-GP's last generator loss
    return tf.train.Checkpoint(**tracked, g_opt=step.g_opt, d_opt=step.d_opt,
                               step=tf.Variable(0, dtype=tf.int64), seconds=tf.Variable(0.0, dtype=tf.float64))


def _atomic_write(path: Path, text: str) -> None:
    """Write a text file so that a reader sees the old content or the new, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


_GLOB_CHARACTERS = set("[]*?{}")


@contextlib.contextmanager
def _tf_path(folder: Path) -> Iterator[Path]:
    """The folder under a name TensorFlow reads literally: TensorFlow takes ``[``, ``*``, ``?`` in a checkpoint's
    path as a pattern, so such a folder is reached through a link (or a copy) with a plain name."""
    folder = Path(folder).absolute()
    if not _GLOB_CHARACTERS & set(str(folder)):
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="gan-ckpt-") as tmp:
        link = Path(tmp) / "run"
        try:
            os.symlink(folder, link, target_is_directory=True)
        except OSError:            # no symbolic links (e.g. Windows without the right): read from a copy
            shutil.copytree(folder, link, ignore=shutil.ignore_patterns("damaged-*", ".writing-*"))
        yield link


def check_writable(folder: Path, checkpoint_bytes: int = 0) -> None:
    """Raise CheckpointError now, before training, if checkpoints cannot be written to ``folder``: a file in its
    place, no permission, or too little disk space for the checkpoints kept (appendix A1)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise CheckpointError(f"The checkpoint folder {shown(folder)} is a file, not a folder: pass another "
                              "checkpoint_dir, or move the file away.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise CheckpointError(f"Checkpoints cannot be written to {shown(folder)} ({e.strerror or e}): pass a "
                              "checkpoint_dir in a folder you can write to, e.g. one under your home folder.") from None
    if checkpoint_bytes:
        need = (KEEP + 1) * checkpoint_bytes
        free = shutil.disk_usage(folder).free
        if free < need:
            raise CheckpointError(f"The disk of {shown(folder)} has {free / 1e6:.0f} MB free; checkpoints of this "
                                  f"run need about {need / 1e6:.0f} MB. Free some space or pass another checkpoint_dir.")


def saved_steps(folder: Path) -> list[int]:
    """The step numbers of the checkpoints in ``folder`` that have an index file, newest first (appendix A1)."""
    found = (re.fullmatch(r"ckpt-(\d+)\.index", p.name) for p in Path(folder).glob("ckpt-*.index"))
    return sorted((int(m.group(1)) for m in found if m), reverse=True)


def _files_of(folder: Path, n: int) -> list[Path]:
    """Every file that belongs to checkpoint ``n``."""
    return [p for p in Path(folder).glob(f"ckpt-{n}.*")]


def save(folder: Path, ckpt, history: dict, settings: dict) -> Path:
    """Write checkpoint N (N = steps done) and its history, then drop all but the newest ``KEEP`` (appendix A1)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / SETTINGS).exists() or not saved_steps(folder):   # a settings file without checkpoints pins nothing
        _atomic_write(folder / SETTINGS, json.dumps(settings, indent=1))
    n = int(ckpt.step)
    prefix = folder / f"ckpt-{n}"
    _atomic_write(folder / f"ckpt-{n}.history.json", json.dumps(history))
    with tempfile.TemporaryDirectory(dir=folder, prefix=".writing-") as tmp, _tf_path(Path(tmp)) as plain:
        written = Path(ckpt.write(os.path.join(plain, f"ckpt-{n}")))
        for part in sorted(plain.glob(f"ckpt-{n}.data-*")):   # the data first, the index last: an index means whole
            shutil.move(part, folder / part.name)
        shutil.move(plain / (written.name + ".index"), prefix.with_name(prefix.name + ".index"))
    for old in saved_steps(folder)[KEEP:]:
        for path in _files_of(folder, old):
            path.unlink(missing_ok=True)
    return prefix


def _differences(saved: dict, now: dict, path: str = "") -> list[str]:
    """Readable lines for every setting that differs between a saved settings dict and the current one."""
    lines = []
    for key in sorted(set(saved) | set(now)):
        a, b, name = saved.get(key), now.get(key), f"{path}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            lines += _differences(a, b, name + ".")
        elif a != b:
            if isinstance(a, list) and isinstance(b, list):
                lines += _list_differences(name, a, b)
            else:
                lines.append(f"{name}: {a!r} in the checkpoint, {b!r} now")
    return lines


def _list_differences(name: str, saved: list, now: list, most: int = 3) -> list[str]:
    """Name what a list setting (layers, variables) has only in the checkpoint, only now, or in another order."""
    def text(x) -> str:
        return x if isinstance(x, str) else json.dumps(x)
    old, new = [text(x) for x in saved], [text(x) for x in now]
    gone, added = [x for x in old if x not in new], [x for x in new if x not in old]
    lines = [f"{name}: in the checkpoint, not now: {x}" for x in gone[:most]]
    lines += [f"{name}: new in this run: {x}" for x in added[:most]]
    if len(gone) + len(added) > 2 * most:
        lines.append(f"{name}: ... {len(gone) + len(added) - len(lines)} more differences")
    return lines or [f"{name}: the same entries in another order"]


def _start_afresh(folder: Path) -> str:
    """The sentence that says how to start afresh."""
    return (f"To start afresh, delete the folder {shown(folder)} (e.g. shutil.rmtree(checkpoint_dir)) or pass another "
            "checkpoint_dir.")


def check_settings(folder: Path, settings: dict) -> None:
    """Raise CheckpointError if the folder's run was started with settings other than ``settings`` (appendix A1)."""
    path = Path(folder) / SETTINGS
    if not path.exists():
        return
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise CheckpointError(f"The checkpoint folder {shown(folder)} has an unreadable {SETTINGS} ({e}). "
                              + _start_afresh(folder)) from None
    now = json.loads(json.dumps(settings))   # tuples as lists, as they were saved
    changed = _differences(saved, now)
    if changed:
        raise CheckpointError(
            f"The checkpoint in {shown(folder)} was made with other settings than this run's:\n  - "
            + "\n  - ".join(changed)
            + "\nTo resume it, run with the settings it was made with. " + _start_afresh(folder))


def _read(folder: Path, n: int, ckpt) -> dict:
    """Restore checkpoint ``n`` into ``ckpt`` and return its history; raise on anything damaged."""
    history = json.loads((Path(folder) / f"ckpt-{n}.history.json").read_text())
    if not isinstance(history, dict):
        raise ValueError("its history is not a dictionary")
    with _tf_path(folder) as plain:
        ckpt.read(str(plain / f"ckpt-{n}")).assert_existing_objects_matched()
    if int(ckpt.step) != n:
        raise ValueError(f"it holds step {int(ckpt.step)}, its name says {n}")
    return history


def _set_aside(folder: Path, n: int) -> None:
    """Rename a damaged checkpoint's files to damaged-ckpt-N.*, so that nothing reads or deletes them."""
    for path in _files_of(folder, n):
        os.replace(path, path.with_name("damaged-" + path.name))


def restore(folder: Path, ckpt, settings: dict, verbose: bool = True) -> dict | None:
    """Restore the newest whole checkpoint of ``folder`` into ``ckpt`` and return its history (None: none there)
    (appendix A1)."""
    folder = Path(folder)
    steps = saved_steps(folder)
    if not steps:
        if any(folder.glob("damaged-ckpt-*.index")):
            raise CheckpointError(f"Every checkpoint in {shown(folder)} is damaged (renamed damaged-ckpt-*). "
                                  + _start_afresh(folder))
        return None
    check_settings(folder, settings)
    problems = []
    for n in steps:
        try:
            history = _read(folder, n, ckpt)
        except Exception as e:  # any damage: a truncated file, flipped bits, an empty index, bad JSON
            reason = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
            problems.append(f"ckpt-{n}: {reason}")
            _set_aside(folder, n)
            if verbose:
                print(f"checkpoint ckpt-{n} in {shown(folder)} is damaged ({reason}); set aside as damaged-ckpt-{n}.*, "
                      "trying the one before it")
            continue
        if verbose:
            print(f"resuming from {shown(folder / f'ckpt-{n}')}: {n} steps done, {float(ckpt.seconds):.0f} s of training")
        return history
    raise CheckpointError(f"No checkpoint in {shown(folder)} could be read:\n  - " + "\n  - ".join(problems)
                          + "\nThe damaged files were renamed damaged-ckpt-*. " + _start_afresh(folder))
