"""Notebook 01's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np

from exercises import ch01
from helpers import toy


def _game(d_of, v_of, jsd_of):
    """A student's game_on_densities assembled from three parts, each (p, q, x[, d]) -> value."""
    def answer(p_data, p_g, x):
        d = d_of(p_data, p_g)
        return v_of(p_data, p_g, x, d), d, jsd_of(p_data, p_g, x)
    return answer


def _share(p, q):
    return p / (p + q)


def _v(p, q, x, d):
    return np.trapezoid(p * np.log(d) + q * np.log(1 - d), x)


def _jsd(p, q, x):
    m = (p + q) / 2
    return 0.5 * np.trapezoid(p * np.log(p / m), x) + 0.5 * np.trapezoid(q * np.log(q / m), x)


def _game_from_the_identity(p_data, p_g, x):
    """V with the two logs swapped, and the JSD read off the identity from that V (so the two agree)."""
    d = p_data / (p_data + p_g)
    v = np.trapezoid(p_data * np.log(1 - d) + p_g * np.log(d), x)
    return v, d, (v + np.log(4)) / 2


REFERENCES = {
    "01.value": toy.value,
    "01.optimal_discriminator": toy.optimal_discriminator,
    "01.game_on_densities": _game(_share, _v, _jsd),
    "01.non_saturating_loss": toy.non_saturating_loss,
}

MISTAKES = {
    "01.value": [
        lambda d_real, d_fake: np.mean(np.log(d_real)) + np.mean(np.log(d_fake)),      # log D(G(z))
        lambda d_real, d_fake: -(np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake))),  # the BCE, sign flipped
        lambda d_real, d_fake: np.mean(np.log(d_real) + np.log(1 - d_fake)) / 2,       # halved
        lambda d_real, d_fake: np.mean(np.log(d_real) + np.log(1 - d_fake)),            # one mean over pairs
        lambda d_real, d_fake: 2 * np.mean(np.log(np.concatenate([d_real, 1 - d_fake]))),  # one mean over both
    ],
    "01.optimal_discriminator": [
        lambda p_data, p_g: p_g / (p_data + p_g),                    # the fakes' share instead of the data's
        lambda p_data, p_g: p_data / p_g,                            # a ratio, not a probability
        lambda p_data, p_g: np.round(p_data / (p_data + p_g)),       # a hard decision
    ],
    "01.game_on_densities": [
        # D* as the fakes' share (and V computed with it)
        _game(lambda p, q: q / (p + q), _v, _jsd),
        # the JSD without its two halves: KL(p || m) + KL(q || m)
        _game(_share, _v, lambda p, q, x: 2 * _jsd(p, q, x)),
        # the JSD in bits (log base 2)
        _game(_share, _v, lambda p, q, x: _jsd(p, q, x) / np.log(2)),
        # V(D*, G) without the densities as weights: the integral of log D* + log(1 - D*)
        _game(_share, lambda p, q, x, d: np.trapezoid(np.log(d) + np.log(1 - d), x), _jsd),
        # the symmetric KL, ½ KL(p || q) + ½ KL(q || p), taken for the JSD
        _game(_share, _v, lambda p, q, x: 0.5 * np.trapezoid(p * np.log(p / q) + q * np.log(q / p), x)),
        # integrals as plain sums, without the grid step dx
        _game(_share, lambda p, q, x, d: np.sum(p * np.log(d) + q * np.log(1 - d)),
              lambda p, q, x: 0.5 * np.sum(p * np.log(2 * p / (p + q)) + q * np.log(2 * q / (p + q)))),
        # V with log D* and log(1 - D*) swapped, the JSD read off the identity: they agree, both are wrong
        _game_from_the_identity,
        # the three results in another order
        lambda p_data, p_g, x: tuple(reversed(ch01.game_on_densities(p_data, p_g, x))),
    ],
    "01.non_saturating_loss": [
        lambda d_fake: np.mean(np.log(1 - d_fake)),                  # the saturating loss
        lambda d_fake: np.mean(np.log(d_fake)),                      # the sign forgotten
        lambda d_fake: -np.sum(np.log(d_fake)),                      # a sum, not a mean
    ],
}
