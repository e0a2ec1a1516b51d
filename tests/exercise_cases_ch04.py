"""Notebook 04's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np

from exercises import ch04

REFERENCES = {
    "04.one_hot": ch04.one_hot,
    "04.embed": lambda labels, table: np.take(table, labels, axis=0),
    "04.per_class_agreement": ch04.per_class_agreement,
}

MISTAKES = {
    "04.one_hot": [
        lambda y, n: np.eye(n)[y][:, ::-1],                                    # columns reversed
        lambda y, n: np.eye(n + 1)[y],                                         # one column too many
        lambda y, n: np.asarray(y)[:, None] / (n - 1) * np.ones((1, n)),       # a scaled label, not one-hot
    ],
    "04.embed": [
        lambda y, t: t[:len(y)],                                               # the first rows, not the labels'
        lambda y, t: t[np.asarray(y) - 1],                                     # off by one row
        lambda y, t: t[y].sum(axis=0, keepdims=True),                          # the rows summed
    ],
    "04.per_class_agreement": [
        lambda a, r: np.full(10, np.mean(np.asarray(a) == np.asarray(r))),    # overall, not per class
        lambda a, r: np.bincount(np.asarray(r), minlength=10) / len(r),         # shares read, not agreement
        lambda a, r: np.array([np.mean(np.asarray(a)[np.asarray(r) == c] == c) for c in range(10)]) * 0.5,  # halved
    ],
}
