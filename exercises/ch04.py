"""The exercises of notebook 04 (a conditional GAN): one-hot labels, embeddings, per-class agreement."""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, register


def one_hot(labels, n_classes: int = 10) -> np.ndarray:
    """Integer labels (N,) as float32 one-hot rows (N, n_classes); notebook 04."""
    labels = np.asarray(labels)
    out = np.zeros((len(labels), n_classes), np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out


def embed(labels, table) -> np.ndarray:
    """An embedding lookup written as a product (notebook 04): one row of ``table`` per label."""
    return one_hot(labels, len(table)) @ np.asarray(table)


def per_class_agreement(asked, read, n_classes: int = 10) -> np.ndarray:
    """For each class c, the share of samples asked as c that were read as c (notebook 04)."""
    asked, read = np.asarray(asked), np.asarray(read)
    return np.array([np.mean(read[asked == c] == c) if np.any(asked == c) else 0.0 for c in range(n_classes)])


def _embed_cases() -> list[tuple]:
    rng = np.random.default_rng(9)
    return [(np.array([1, 0, 1, 2]), rng.normal(size=(3, 5))), (np.array([4]), rng.normal(size=(10, 2)))]


def _agreement_cases() -> list[tuple]:
    i = np.arange(100)
    return [(i % 10, np.where(i % 7 == 0, 1, i % 10)), (np.repeat(np.arange(10), 3), np.repeat(np.arange(10), 3))]


register(Exercise("04.one_hot", one_hot, lambda: [(np.array([0, 3, 9, 3]), 10), (np.array([2, 0, 1]), 3)],
                  hint="start from np.zeros((len(labels), n_classes)) and set one entry per row to 1: "
                       "out[np.arange(len(labels)), labels] = 1."))
register(Exercise("04.embed", embed, _embed_cases,
                  hint="one_hot(labels, len(table)) @ table picks one row of the table per label."))
register(Exercise("04.per_class_agreement", per_class_agreement, _agreement_cases,
                  hint="for each class c: np.mean(read[asked == c] == c)."))
