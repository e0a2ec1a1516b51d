"""The exercises of appendix A2 (which tricks help, measured): an interval for paired runs, and the seeds a
difference needs. Their references use ``helpers.tricks``' table of Student's t."""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, register
from helpers import tricks

SECTION_INTERVAL = "'A fair comparison' in appendix A2"
SECTION_SEEDS = "'How many seeds?' in appendix A2"


def paired_interval(a, b) -> tuple[float, float, float]:
    """Reference of appendix A2's exercise: the mean of the differences a[i] - b[i] of runs from the same seeds,
    and its 95% interval, mean ± t(0.975, n - 1) * sd / sqrt(n)."""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    half = tricks.t_975(len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def seeds_needed(spread, difference) -> int:
    """Reference of appendix A2's exercise: seeds per method for a 95% interval that excludes 0 in four runs out
    of five, when the true difference is ``difference`` and one run's spread is ``spread``: ceil(2 (2.8 s / d)^2)."""
    return int(np.ceil(2 * (2.8 * spread / abs(difference)) ** 2))


def _paired_cases() -> list[tuple]:
    """Three seeds (as on digits), five (as on the ring), and a pair whose differences all have one sign."""
    rng = np.random.default_rng(22)
    base = rng.uniform(10, 20, 5)
    return [(np.array([16.6, 14.9, 17.1]), np.array([16.2, 15.3, 16.0])),
            (base + rng.normal(1.0, 0.5, 5), base),
            (np.array([3.0, 4.0, 5.0, 6.0]), np.array([1.0, 1.5, 3.5, 3.0]))]


def _seeds_cases() -> list[tuple]:
    return [(2.0, 1.0), (1.0, 2.0), (0.56, 1.62), (3.0, -1.5), (0.1, 5.0)]


register(Exercise(
    "A2.paired_interval", paired_interval, _paired_cases,
    hints=("Runs from the same seeds come in pairs: compare them pair by pair. The differences a[i] − b[i] are "
           "one sample; its mean has an interval like any mean's.",
           "d = a − b; mean ± t · sd(d) / √n, with n − 1 degrees of freedom and the sample standard deviation "
           "(ddof=1); t for n − 1 degrees of freedom is tricks.t_975(n - 1).",
           "d = np.asarray(a, float) - np.asarray(b, float)\n"
           "half = tricks.t_975(len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))\n"
           "return d.mean(), d.mean() - half, d.mean() + half"),
    describe=lambda args: f" for {len(args[0])} pairs of runs",
    section=SECTION_INTERVAL))

register(Exercise(
    "A2.seeds_needed", seeds_needed, _seeds_cases,
    hints=("Solve 2 (2.8 s / d)² for a whole number of seeds, rounding up (2.5 seeds are 3). A difference's "
           "sign does not change how many seeds it needs.",
           "n = ceil(2 · (2.8 · spread / |difference|)²)",
           "return int(np.ceil(2 * (2.8 * spread / abs(difference)) ** 2))"),
    describe=lambda args: f" for spread {args[0]} and difference {args[1]}",
    section=SECTION_SEEDS))
