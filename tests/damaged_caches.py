"""Small datasets, and a verified data cache damaged the ways a disk or an interrupted write can, for the MNIST and
Fashion-MNIST loaders' tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from helpers import data

SMALL_TRAIN = (3, 2, 2, 2, 2, 2, 2, 2, 2, 2)
SMALL_TEST = (1, 1, 1, 1, 1, 1, 1, 1, 1, 2)
"""Images per class of the small datasets: 21 train and 11 test images."""


def make_arrays(seed: int = 0):
    """uint8 images and labels with the small label counts, in Keras's layout: ((x, y), (x_test, y_test))."""
    rng = np.random.default_rng(seed)

    def split(counts):
        y = np.repeat(np.arange(10), counts).astype(np.uint8)
        rng.shuffle(y)
        return rng.integers(0, 256, (len(y), 28, 28), dtype=np.uint8), y
    return split(SMALL_TRAIN), split(SMALL_TEST)


DAMAGES = ("truncate", "flip", "no-checksum", "not-a-zip", "wrong-labels")
"""Half a file, one flipped byte, a missing checksum, a file that is no archive (with a matching checksum), and
an archive whose labels are all 0 (its checksum matching too)."""


def write_damaged_cache(path: Path, good, damage: str) -> None:
    """Write ``good`` ((x, y), test) as a cache at ``path``, then damage it as ``damage`` says."""
    if damage == "wrong-labels":
        (x, y), test = good
        data.write_cache(path, ((x, np.zeros_like(y)), test))
        return
    data.write_cache(path, good)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        path.write_bytes(raw[:100] + bytes([raw[100] ^ 0xFF]) + raw[101:])
    elif damage == "no-checksum":
        path.with_name(path.name + ".sha256").unlink()
    elif damage == "not-a-zip":
        path.write_bytes(b"not a zip file")
        path.with_name(path.name + ".sha256").write_text(hashlib.sha256(b"not a zip file").hexdigest())
    else:
        raise ValueError(f"unknown damage {damage!r}: one of {DAMAGES}")
