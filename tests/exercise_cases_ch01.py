"""Notebook 01's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np

from helpers import toy

REFERENCES = {
    "01.optimal_discriminator": toy.optimal_discriminator,
    "01.value": toy.value,
    "01.non_saturating_loss": toy.non_saturating_loss,
    "01.jsd": toy.jsd,
}

MISTAKES = {
    "01.optimal_discriminator": [
        lambda p_data, p_g: p_g / (p_data + p_g),                    # the fakes' share instead of the data's
        lambda p_data, p_g: p_data / p_g,                            # a ratio, not a probability
        lambda p_data, p_g: np.round(p_data / (p_data + p_g)),       # a hard decision
    ],
    "01.value": [
        lambda d_real, d_fake: np.mean(np.log(d_real)) + np.mean(np.log(d_fake)),      # log D(G(z))
        lambda d_real, d_fake: -(np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake))),  # the BCE, sign flipped
        lambda d_real, d_fake: np.mean(np.log(d_real) + np.log(1 - d_fake)) / 2,       # halved
    ],
    "01.non_saturating_loss": [
        lambda d_fake: np.mean(np.log(1 - d_fake)),                  # the saturating loss
        lambda d_fake: np.mean(np.log(d_fake)),                      # the sign forgotten
        lambda d_fake: -np.sum(np.log(d_fake)),                      # a sum, not a mean
    ],
    "01.jsd": [
        lambda p, q, x: np.trapezoid(p * np.log(p / ((p + q) / 2)), x),                 # one KL term only
        lambda p, q, x: np.trapezoid(p * np.log(p / q), x),                             # KL(p || q)
        lambda p, q, x: np.trapezoid(p * np.log2(2 * p / (p + q)) + q * np.log2(2 * q / (p + q)), x) / 2,  # bits
    ],
}
