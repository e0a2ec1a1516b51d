"""The exercises of notebook 01 (the minimax game); their references are the formulas in ``helpers.toy``."""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, register
from helpers import toy


def _density_cases() -> list[tuple]:
    rng = np.random.default_rng(1)
    return [(rng.uniform(0.01, 2, 50), rng.uniform(0.01, 2, 50)), (np.array([1.0, 0.5]), np.array([1.0, 1.5]))]


def _prob_cases() -> list[tuple]:
    rng = np.random.default_rng(2)
    return [(rng.uniform(0.05, 0.95, 64), rng.uniform(0.05, 0.95, 64)), (np.array([0.9, 0.8]), np.array([0.1, 0.3]))]


def _jsd_cases() -> list[tuple]:
    x = np.linspace(-8, 8, 3201)
    return [(toy.DATA_1D.pdf(x), toy.gaussian(0.0, 1.0).pdf(x), x),
            (toy.DATA_1D.pdf(x), toy.DATA_1D.shifted(1.0).pdf(x), x)]


register(Exercise("01.optimal_discriminator", toy.optimal_discriminator, _density_cases,
                  hint="D*(x) is the share of the density at x that belongs to the data: p_data / (p_data + p_g)."))
register(Exercise("01.value", toy.value, _prob_cases,
                  hint="V = mean of log D(x) over real samples + mean of log(1 - D(G(z))) over fakes."))
register(Exercise("01.non_saturating_loss", toy.non_saturating_loss, lambda: [(a,) for a, _ in _prob_cases()],
                  hint="the generator maximizes log D(G(z)); as a loss to minimize that is -mean(log D(G(z)))."))
register(Exercise("01.jsd", toy.jsd, _jsd_cases,
                  hint="with m = (p + q) / 2, JSD = 0.5 * KL(p || m) + 0.5 * KL(q || m); integrate with np.trapezoid(y, x)."))
