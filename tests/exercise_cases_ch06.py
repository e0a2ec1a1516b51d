"""Notebook 06's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np

from helpers import metrics

REFERENCES = {
    "06.spearman": metrics.spearman,
    "06.top_k": metrics.top_k,
    "06.normalize_maps": metrics.normalize_maps,
}

MISTAKES = {
    "06.spearman": [
        lambda a, b: float(np.corrcoef(a, b)[0, 1]),                           # Pearson on the values
        lambda a, b: float(np.corrcoef(np.argsort(a), np.argsort(b))[0, 1]),   # argsort once: not ranks
        lambda a, b: float(np.mean(np.sign(a - np.mean(a)) == np.sign(b - np.mean(b)))),  # sign agreement
    ],
    "06.top_k": [
        lambda s, k: np.argsort(s)[:k],                                        # the k smallest
        lambda s, k: np.argsort(s)[-k:],                                       # largest, but last first
        lambda s, k: np.sort(s)[::-1][:k],                                     # the scores, not their indices
    ],
    "06.normalize_maps": [
        lambda m: np.abs(m) / np.abs(m).max(),                                 # one maximum for all maps
        lambda m: m / np.maximum(np.abs(m).max(axis=(1, 2), keepdims=True), 1e-12),  # the sign kept
        lambda m: (np.abs(m) - np.abs(m).mean()) / np.abs(m).std(),            # standardized, not scaled
    ],
}
