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


def _value_cases() -> list[tuple]:
    """Equal batches, and batches of different sizes (each side is its own average)."""
    rng = np.random.default_rng(3)
    return _prob_cases() + [(rng.uniform(0.05, 0.95, 48), rng.uniform(0.05, 0.95, 16)),
                            (np.array([0.9, 0.6, 0.95]), np.array([0.2]))]


register(Exercise(
    "01.value", toy.value, _value_cases,
    hints=("V(D, G) is two averages: one over the real samples, one over the fakes (the two batches need not be "
           "the same size).",
           "V = mean of log D(x) over the real samples + mean of log(1 − D(G(z))) over the fakes.",
           "return float(np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake)))"),
    section="'1 · The game, in code' above"))

register(Exercise(
    "01.optimal_discriminator", toy.optimal_discriminator, _density_cases,
    hints=("At each x, D* is the share of all the density there that belongs to the data.",
           "D*(x) = p_data(x) / (p_data(x) + p_g(x)), point by point.",
           "return p_data / (p_data + p_g)"),
    section="'2 · The optimal discriminator' above"))


# ---------------------------------------------------------------- the game on two densities

GRID = np.linspace(-12, 12, 4801)
"""The grid on which 01.game_on_densities is checked (notebook 01)."""


def game_on_densities(p_data, p_g, x):
    """(V(D*, G), D*, JSD(p_data || p_g)) for two densities given on the grid x: the reference of notebook 01's exercise."""
    p_data, p_g = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    return toy.value_at_optimum(p_data, p_g, x), toy.optimal_discriminator(p_data, p_g), toy.jsd(p_data, p_g, x)


def _random_density(rng: np.random.Generator) -> np.ndarray:
    """Two or three random bumps over a wide background shared by every density, so no ratio gets extreme."""
    k = rng.integers(2, 4)
    bumps = toy.Mixture1D(tuple(rng.uniform(-3, 3, k)), tuple(rng.uniform(0.3, 1.0, k)),
                          tuple(rng.dirichlet(np.ones(k))))
    return 0.9 * bumps.pdf(GRID) + 0.1 * toy.gaussian(0.0, 2.0).pdf(GRID)


def _game_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Densities the notebook never shows: two random pairs, one of them swapped, and a pair of equal densities."""
    rng = np.random.default_rng(2014)
    p1, q1, p2, q2 = (_random_density(rng) for _ in range(4))
    return [("on a first pair of densities", p1, q1),
            ("on a second pair", p2, q2),
            ("on the second pair with p_data and p_g swapped", q2, p2),
            ("when p_g equals p_data", p1, p1.copy())]


def _number(value, what: str) -> tuple[float | None, str | None]:
    """The float in ``value``, or a message saying why it is not one."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{what} should be a number; your function returned a {type(value).__name__}."
    if arr.size != 1:
        return None, f"{what} should be one number (an integral over x); yours has shape {arr.shape}."
    number = float(arr.reshape(()))
    if not np.isfinite(number):
        return None, f"{what} is {number} (a log of 0, or a division by 0?)."
    return number, None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-5 + 1e-4 * abs(b)


def _judge_game(call) -> str | None:
    """What is wrong with a student's game_on_densities, checked on densities it has not seen (notebook 01)."""
    x = GRID
    for where, p, q in _game_cases():
        out = call(p, q, x)
        if hasattr(out, "numpy") or not isinstance(out, (tuple, list)) or len(out) != 3:
            return ("return three things, in this order: V(D*, G) (a number), D* (an array, one value per x) "
                    "and the JSD (a number), e.g. `return v, d_star, jsd`.")
        v_star, j_expected = toy.value_at_optimum(p, q, x), toy.jsd(p, q, x)
        d_expected = toy.optimal_discriminator(p, q)

        d = out[1].numpy() if hasattr(out[1], "numpy") else out[1]
        try:
            d = np.asarray(d, dtype=np.float64)
        except (TypeError, ValueError):
            return f"D* should be an array of numbers; your function returned a {type(out[1]).__name__}."
        if d.shape != d_expected.shape:
            return f"your D* has shape {d.shape}; it should have one value per point of x, shape {d_expected.shape}."
        if not np.all(np.isfinite(d)):
            return f"your D* contains NaN or infinity {where} (a division by 0?)."
        if not np.allclose(d, d_expected, rtol=1e-4, atol=1e-6):
            if np.allclose(d, 1 - d_expected, rtol=1e-4, atol=1e-6):
                return (f"your D* is the fakes' share of the density, p_g / (p_data + p_g), {where}: "
                        "D* is the probability that x is real.")
            i = int(np.argmax(np.abs(d - d_expected)))
            return (f"your D* is wrong {where}: at x = {x[i]:.2f} (p_data = {p[i]:.4g}, p_g = {q[i]:.4g}) "
                    f"it is {d[i]:.4g}, where {d_expected[i]:.4g} was expected.")

        v, problem = _number(out[0], "V(D*, G), the first thing you return,")
        if problem:
            return f"{problem} (checked {where})"
        j, problem = _number(out[2], "the JSD, the third thing you return,")
        if problem:
            return f"{problem} (checked {where})"

        if _close(v, j_expected) and _close(j, v_star) and not _close(v, v_star):
            return "your V(D*, G) and JSD are swapped: return them in the order (V(D*, G), D*, JSD)."
        identity = -np.log(4) + 2 * j
        if not _close(v, identity):
            right = ("your V(D*, G) is right, so the JSD is the one to fix" if _close(v, v_star)
                     else "your JSD is right, so V(D*, G) is the one to fix" if _close(j, j_expected)
                     else "neither is right yet")
            return (f"your numbers break V(D*, G) = −log 4 + 2·JSD {where}: V(D*, G) = {v:.6f}, but "
                    f"−log 4 + 2·JSD = {identity:.6f} (JSD = {j:.6f}); {right}.")
        if not _close(j, j_expected):
            return (f"your V(D*, G) and JSD agree with each other (V = −log 4 + 2·JSD) but both are off {where}: "
                    f"JSD = {j:.6f}, where {j_expected:.6f} was expected. Compute each from its own formula.")
        if not _close(v, v_star):
            return f"your V(D*, G) is {v:.6f} {where}, where {v_star:.6f} was expected."
    return None


register(Exercise(
    "01.game_on_densities", game_on_densities, judge=_judge_game,
    hints=("Three results from the two density arrays: D* point by point (section 2), then two integrals over "
           "x, V(D*, G) and the JSD (section 3). np.trapezoid(y, x) integrates y over the grid x.",
           "D* = p_data / (p_data + p_g); V(D*, G) = ∫ p_data log D* + p_g log(1 − D*) dx; with m = (p_data + "
           "p_g) / 2, JSD = ½ ∫ p_data log(p_data / m) dx + ½ ∫ p_g log(p_g / m) dx (natural log).",
           "d = p_data / (p_data + p_g); m = (p_data + p_g) / 2; "
           "v = np.trapezoid(p_data * np.log(d) + p_g * np.log(1 - d), x); "
           "jsd = 0.5 * np.trapezoid(p_data * np.log(p_data / m), x) + 0.5 * np.trapezoid(p_g * np.log(p_g / m), x); "
           "return v, d, jsd"),
    section="'3 · What the generator minimizes: the Jensen–Shannon divergence' above"))

register(Exercise(
    "01.non_saturating_loss", toy.non_saturating_loss, lambda: [(a,) for a, _ in _prob_cases()],
    hints=("The generator wants D(G(z)) near 1: it maximizes log D(G(z)). A loss is something to minimize.",
           "loss = −mean of log D(G(z)) over the fakes.",
           "return float(-np.mean(np.log(d_fake)))"),
    section="'4 · Saturating vs non-saturating' above"))
