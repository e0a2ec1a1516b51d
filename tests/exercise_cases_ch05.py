"""Notebook 05's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np

from exercises import ch05

REFERENCES = {
    "05.wasserstein_samples": ch05.wasserstein_samples,
    "05.interpolate": ch05.interpolate,
    "05.critic_loss": lambda r, f: np.mean(f) - np.mean(r),
}

MISTAKES = {
    "05.wasserstein_samples": [
        lambda a, b: float(np.mean(np.abs(np.asarray(a) - np.asarray(b)))),    # unsorted: a worse plan
        lambda a, b: float(abs(np.mean(a) - np.mean(b))),                      # the difference of means
        lambda a, b: float(np.mean((np.sort(a) - np.sort(b)) ** 2)),           # squared (that is W2 squared)
    ],
    "05.interpolate": [
        lambda r, f, a: np.mean(a) * np.asarray(r) + (1 - np.mean(a)) * np.asarray(f),  # one weight per batch
        lambda r, f, a: np.asarray(a).reshape((-1,) + (1,) * (np.ndim(r) - 1)) * np.asarray(f)
        + (1 - np.asarray(a).reshape((-1,) + (1,) * (np.ndim(r) - 1))) * np.asarray(r),  # real and fake swapped
        lambda r, f, a: (np.asarray(r) + np.asarray(f)) / 2,                   # always the midpoint
    ],
    "05.critic_loss": [
        lambda r, f: np.mean(r) - np.mean(f),                                  # the sign flipped
        lambda r, f: -np.mean(np.log(1 / (1 + np.exp(-np.asarray(r))))),      # a GAN's cross-entropy
        lambda r, f: np.mean(f) + np.mean(r),                                  # a sum
    ],
}
