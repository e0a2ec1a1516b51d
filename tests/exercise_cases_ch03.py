"""Notebook 03's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np

from exercises import ch03


def _conv_output_size(n, k, s, p):
    from helpers import layers
    return layers.conv_output_size(n, k, s, p)


def _conv_transpose_output_size(n, k, s, p):
    from helpers import layers
    return layers.conv_transpose_output_size(n, k, s, p)

REFERENCES = {
    "03.conv_output_size": _conv_output_size,
    "03.conv_transpose_output_size": _conv_transpose_output_size,
    "03.transpose_overlaps": ch03.transpose_overlaps,
    "03.ema_update": ch03.ema_update,
}

MISTAKES = {
    "03.conv_output_size": [
        lambda n, k, s, p: n // s,                                             # floor, padding ignored
        lambda n, k, s, p: -(-n // s) if p == "same" else (n - k) // s,        # the +1 forgotten
        lambda n, k, s, p: (n - k) // s + 1,                                   # 'valid' for both
    ],
    "03.conv_transpose_output_size": [
        lambda n, k, s, p: n * s,                                              # 'same' for both
        lambda n, k, s, p: n * s if p == "same" else n * s + k,                # off by stride
        lambda n, k, s, p: n * s if p == "same" else (n - 1) * s + k - 1,      # off by one
    ],
    "03.transpose_overlaps": [
        lambda n, k, s: np.convolve(np.ones(n), np.ones(k)).astype(int),        # stride forgotten
        lambda n, k, s: np.full((n - 1) * s + k, k // s),                      # the average, not the pattern
        lambda n, k, s: np.add.reduceat(np.ones(n * s), np.arange(0, n * s, s)),  # the wrong length
    ],
    "03.ema_update": [
        lambda a, w, d: (1 - d) * a + d * w,                                   # the weights dominate
        lambda a, w, d: d * a + w,                                             # no (1 - decay)
        lambda a, w, d: (a + w) / 2,                                           # a plain mean
    ],
}
