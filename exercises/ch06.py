"""The exercises of notebook 06 (the critic's eye); their references are the rank statistics in ``helpers.metrics``."""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, register
from helpers import metrics


def _pairs() -> list[tuple]:
    rng = np.random.default_rng(6)
    a = rng.normal(size=50)
    return [(a, a ** 3 + rng.normal(scale=0.5, size=50)), (a, -a), (np.arange(10.0), rng.permutation(10).astype(float))]


register(Exercise("06.spearman", metrics.spearman, _pairs,
                  hint="rank each sequence (the smallest gets 0), then take the Pearson correlation of the "
                       "ranks: np.corrcoef(rank_a, rank_b)[0, 1]. np.argsort(np.argsort(x)) gives ranks."))
register(Exercise("06.top_k", metrics.top_k,
                  lambda: [(np.array([0.2, 3.0, -1.0, 2.5, 0.0]), 3), (np.random.default_rng(7).normal(size=40), 5)],
                  hint="np.argsort sorts ascending: sort the negated scores, or reverse, then keep k."))
register(Exercise("06.normalize_maps", metrics.normalize_maps,
                  lambda: [(np.random.default_rng(8).normal(size=(3, 28, 28)),),
                           (np.array([[[0.0, -2.0], [1.0, 0.5]], [[0.0, 0.0], [0.0, 0.0]]]),)],
                  hint="take absolute values, divide each map by its own maximum (axis=(1, 2), "
                       "keepdims=True), and leave a map of zeros at zero."))
