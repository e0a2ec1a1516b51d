"""Notebook 05 (WGAN-GP): the earth mover's diagram draws the cheapest plan and its true cost, and the chapter keeps
its code on the page, its terms defined before use, and no helper's source printed."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

import notebook_text  # noqa: E402
from helpers import diagrams  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_wgan_gp.ipynb"


# ---------------------------------------------------------------- the diagram

def moves(fig) -> list[tuple[float, float, float]]:
    """The (from, to, mass) of every arrow the diagram drew."""
    out = []
    for ax in fig.axes:
        for patch in ax.patches:
            gid = patch.get_gid() or ""
            if isinstance(patch, FancyArrowPatch) and gid.startswith("move "):
                out.append(tuple(float(v) for v in gid.split()[1:]))
    return out


def w1(source, target) -> float:
    """W1 between two weighted point sets on a line: the integral of |F_source - F_target|."""
    xs = np.array(sorted({x for x, _ in source} | {x for x, _ in target}), float)
    cdf = lambda pts: np.array([sum(m for x, m in pts if x <= t) for t in xs])  # noqa: E731
    return float(np.sum(np.abs(cdf(source) - cdf(target))[:-1] * np.diff(xs)))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


CASES = [
    (((1, 0.6), (2, 0.4)), ((4, 0.3), (5, 0.5), (7, 0.2))),          # the default
    (((0, 0.25), (1, 0.25), (2, 0.5)), ((3, 0.5), (6, 0.5))),
    (((0, 0.5), (3, 0.5)), ((1, 0.5), (2, 0.5))),                    # mass that must not cross
    (((2.5, 1.0),), ((0, 1.0),)),                                    # one bump moved by θ = -2.5: W = |θ|
]


@pytest.mark.parametrize("source, target", CASES)
def test_the_earth_mover_draws_a_plan_that_moves_all_the_mass_at_the_cost_of_w1(source, target):
    fig = diagrams.earth_mover(source, target)
    plan = moves(fig)
    assert plan
    for x, m in source:   # every pile is emptied, every hole filled
        assert sum(mass for a, _, mass in plan if a == x) == pytest.approx(m)
    for x, m in target:
        assert sum(mass for _, b, mass in plan if b == x) == pytest.approx(m)
    cost = sum(mass * abs(b - a) for a, b, mass in plan)
    assert cost == pytest.approx(w1(source, target))                 # the cheapest plan
    ordered = sorted(plan)
    assert all(p[1] <= q[1] for p, q in zip(ordered, ordered[1:]))   # no two moves cross
    title = fig.axes[0].get_title()
    assert title.startswith("W = Σ mass × distance") and float(title.rsplit("=", 1)[1]) == pytest.approx(cost)
    labels = [t.get_text() for t in fig.axes[0].texts if "×" in t.get_text()]
    assert len(labels) == len(plan)                                  # each move says mass × distance


def test_the_default_diagram_is_small_and_its_cost_is_printed():
    fig = diagrams.earth_mover()
    width, height = fig.get_size_inches()
    assert width <= 8 and height <= 4
    assert fig.axes[0].get_title().endswith("= 3.7")


def test_equal_samples_cost_the_mean_distance_of_their_sorted_values():
    from exercises import ch05
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=7).round(2), rng.normal(2, 1, size=7).round(2)
    fig = diagrams.earth_mover([(x, 1 / 7) for x in a], [(x, 1 / 7) for x in b])
    assert sum(m * abs(y - x) for x, y, m in moves(fig)) == pytest.approx(ch05.wasserstein_samples(a, b))


def test_unequal_masses_are_refused():
    with pytest.raises(ValueError, match="same total mass"):
        diagrams.earth_mover(((0, 1.0),), ((1, 0.5),))


# ---------------------------------------------------------------- the chapter

NB = notebook_text.Notebook(NOTEBOOK)
first = NB.first


def test_no_cell_prints_a_helpers_source_or_the_kernels_memory():
    for source in NB.cells():
        assert "inspect" not in source and "getsource" not in source
        assert "peak_memory" not in source


def test_lipschitz_is_stated_as_a_bound_and_spearman_is_defined_before_the_code_computes_it():
    assert "|C(x) − C(y)| ≤ ‖x − y‖" in NB.cells()[first("1-Lipschitz")]
    assert first(r"\*\*Spearman's rank correlation\*\*", "markdown") < first(r"metrics\.spearman", "code")


def test_the_gradient_penalty_and_the_step_are_written_out_and_checked_against_the_package():
    sources = NB.cells()
    penalty = first(r"def gradient_penalty\(critic, real, fake, alpha\)", "code")
    assert "train.gradient_penalty" in sources[penalty] and "assert" in sources[penalty]
    written = first(r"def make_wgan_step\(", "code")
    assert "n_critic" in sources[written] and "stateless_uniform" in sources[written]
    compared = first(r"train\.make_wgan_step\b", "code")
    assert compared > written and "assert np.allclose(written_out, packaged" in sources[compared]


def test_the_diagram_is_shown_where_the_distance_is_introduced():
    assert first(r"diagrams\.earth_mover\(\)", "code") < first(r"toy\.wasserstein_1d", "code")


def test_each_experiment_says_which_adam_settings_it_uses():
    text = "\n".join(NB.cells("markdown"))
    assert "as in the paper" not in text
    assert "β = (0.5, 0.9)" in text and "β = (0, 0.9)" in text
