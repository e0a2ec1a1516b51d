"""The exercises of notebook 05 (WGAN-GP): the 1-D Wasserstein distance, interpolation, the critic's loss."""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, register


def wasserstein_samples(a, b) -> float:
    """W1 between two equally large 1-D samples (notebook 05): the mean absolute difference of their sorted values."""
    return float(np.mean(np.abs(np.sort(np.asarray(a, float)) - np.sort(np.asarray(b, float)))))


def interpolate(real, fake, alpha) -> np.ndarray:
    """alpha * real + (1 - alpha) * fake, one weight per sample (alpha has shape (N,)); notebook 05's gradient penalty."""
    real, fake = np.asarray(real, float), np.asarray(fake, float)
    a = np.asarray(alpha, float).reshape((-1,) + (1,) * (real.ndim - 1))
    return a * real + (1 - a) * fake


def critic_loss(real_scores, fake_scores) -> float:
    """The WGAN critic's loss (notebook 05), to minimize: mean(fake scores) - mean(real scores)."""
    return float(np.mean(fake_scores) - np.mean(real_scores))


def _sample_pairs() -> list[tuple]:
    rng = np.random.default_rng(11)
    return [(rng.normal(size=200), rng.normal(2.0, 1.0, size=200)), (np.array([3.0, 1.0, 2.0]), np.array([0.0, 5.0, 1.0]))]


def _batches() -> list[tuple]:
    rng = np.random.default_rng(12)
    return [(rng.normal(size=(4, 5, 5, 1)), rng.normal(size=(4, 5, 5, 1)), rng.uniform(size=4)),
            (rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), np.array([0.0, 0.5, 1.0]))]


def _score_cases() -> list[tuple]:
    return [(np.random.default_rng(13).normal(1, 1, 64), np.random.default_rng(14).normal(-1, 1, 64))]


register(Exercise("05.wasserstein_samples", wasserstein_samples, _sample_pairs,
                  hint="in 1-D the best transport plan matches the sorted samples: "
                       "np.mean(np.abs(np.sort(a) - np.sort(b)))."))
register(Exercise("05.interpolate", interpolate, _batches,
                  hint="reshape alpha to (N, 1, ..., 1) so it broadcasts over each sample: "
                       "alpha.reshape((-1,) + (1,) * (real.ndim - 1))."))
register(Exercise("05.critic_loss", critic_loss, _score_cases,
                  hint="the critic wants real scores high and fake scores low; its loss is minimized: "
                       "mean(fake) - mean(real)."))
