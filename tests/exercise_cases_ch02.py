"""Notebook 02's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np

from helpers.data import to_tanh_range


def _discriminator_loss(r, f, y):
    from helpers import train
    return float(train.discriminator_loss(r, f, y))


def _generator_loss(f):
    from helpers import train
    return float(train.generator_loss(f))


def _bce(y, logit):
    """Binary cross-entropy of a logit against target y, in numpy."""
    return np.maximum(logit, 0) - logit * y + np.log1p(np.exp(-np.abs(logit)))


def _sigmoid(logit):
    return 1 / (1 + np.exp(-logit))

REFERENCES = {
    "02.discriminator_loss": _discriminator_loss,
    "02.generator_loss": _generator_loss,
    "02.to_tanh_range": to_tanh_range,
}

MISTAKES = {
    "02.discriminator_loss": [
        lambda r, f, y: np.mean(_bce(1.0, r)) + np.mean(_bce(0.0, f)),        # smoothing ignored
        lambda r, f, y: np.mean(_bce(y, r)) + np.mean(_bce(1 - y, f)),        # two-sided smoothing
        lambda r, f, y: np.mean(_bce(y, _sigmoid(r))) + np.mean(_bce(0.0, _sigmoid(f))),  # sigmoid applied twice
    ],
    "02.generator_loss": [
        lambda f: np.mean(_bce(0.0, f)),                                      # the label 'fake'
        lambda f: -np.mean(_bce(0.0, f)),                                     # the saturating loss
        lambda f: np.mean(_bce(1.0, _sigmoid(f))),                            # probabilities passed as logits
    ],
    "02.to_tanh_range": [
        lambda x: (x / 255.0)[..., None],                                     # [0, 1] instead of [-1, 1]
        lambda x: x / 127.5 - 1,                                              # no channel axis
        lambda x: ((x - 127) // 128)[..., None],                              # integer division
    ],
}
