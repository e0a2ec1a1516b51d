"""Appendix A2's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import math

import numpy as np

from exercises import chA2
from helpers import tricks


def _unpaired(a, b):
    # Welch's interval of the page, although the runs come in pairs
    r = tricks.compare(a, b)
    return r["diff"], r["diff_low"], r["diff_high"]


def _population_sd(a, b):
    # the standard deviation with ddof=0
    d = np.asarray(a, float) - np.asarray(b, float)
    half = tricks.t_975(len(d) - 1) * d.std() / np.sqrt(len(d))
    return d.mean(), d.mean() - half, d.mean() + half


def _normal_quantile(a, b):
    # 1.96 in place of Student's t: too narrow for a few seeds
    d = np.asarray(a, float) - np.asarray(b, float)
    half = 1.96 * d.std(ddof=1) / np.sqrt(len(d))
    return d.mean(), d.mean() - half, d.mean() + half


def _t_of_n(a, b):
    # t with n degrees of freedom instead of n - 1
    d = np.asarray(a, float) - np.asarray(b, float)
    half = tricks.t_975(len(d)) * d.std(ddof=1) / np.sqrt(len(d))
    return d.mean(), d.mean() - half, d.mean() + half


def _no_sqrt_n(a, b):
    # the spread of one difference, not of their mean
    d = np.asarray(a, float) - np.asarray(b, float)
    half = tricks.t_975(len(d) - 1) * d.std(ddof=1)
    return d.mean(), d.mean() - half, d.mean() + half


REFERENCES = {
    "A2.paired_interval": chA2.paired_interval,
    "A2.seeds_needed": chA2.seeds_needed,
}

MISTAKES = {
    "A2.paired_interval": [_unpaired, _population_sd, _normal_quantile, _t_of_n, _no_sqrt_n],
    "A2.seeds_needed": [
        lambda s, d: round(2 * (2.8 * s / abs(d)) ** 2),                   # rounded to the nearest, not up
        lambda s, d: math.ceil((2.8 * s / abs(d)) ** 2),                   # one method's share only
        lambda s, d: math.ceil(2 * (1.96 * s / abs(d)) ** 2),              # 95% alone, without the 80% chance
        lambda s, d: math.ceil(2 * (2.8 * s / d) ** 2) if d > 0 else 0,    # a negative difference needs none
        lambda s, d: math.ceil(2 * 2.8 * s / abs(d)),                      # not squared
    ],
}

ACCEPTED = {
    "A2.paired_interval": [lambda a, b: list(chA2.paired_interval(list(a), list(b)))],
    "A2.seeds_needed": [lambda s, d: float(math.ceil(2 * (2.8 * s / abs(d)) ** 2))],
}
