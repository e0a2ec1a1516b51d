"""WGAN-GP: the interpolation weights, the gradient penalty, and the n_critic schedule."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import train


def test_interpolation_weights_are_uniform_on_0_1_one_per_sample():
    alpha = train.interpolation_weights(20000, 4, seed=[1, 2]).numpy()
    assert alpha.shape == (20000, 1, 1, 1)
    a = np.sort(alpha.ravel())
    assert a.min() >= 0 and a.max() <= 1                      # a normal distribution would leave [0, 1]
    assert abs(a.mean() - 0.5) < 0.01 and abs(a.var() - 1 / 12) < 0.005
    ks = np.max(np.abs(a - (np.arange(1, len(a) + 1) / len(a))))  # Kolmogorov-Smirnov distance to U(0, 1)
    assert ks < 0.015
    assert len(np.unique(a)) > 19000                          # one weight per sample, not one per batch


def _linear_critic(slope: float, dim: int = 3):
    import keras
    critic = keras.Sequential([keras.Input((dim,)), keras.layers.Dense(1, use_bias=False)])
    w = np.zeros((dim, 1), "float32")
    w[0, 0] = slope
    critic.set_weights([w])
    return critic


@pytest.mark.parametrize("slope, expected", [(1.0, 0.0), (2.0, 1.0), (0.5, 0.25)])
def test_gradient_penalty_measures_how_far_the_slope_is_from_one(slope, expected):
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 3)).astype("float32")
    alpha = train.interpolation_weights(16, 2, seed=[0, 0])
    assert float(train.gradient_penalty(_linear_critic(slope), real, fake, alpha)) == pytest.approx(expected, abs=1e-5)


def test_the_generator_moves_once_every_n_critic_steps():
    import keras
    from helpers import toy
    keras.utils.set_random_seed(0)
    gen, critic = toy.mlp(2, 2, width=8, name="g"), toy.mlp(2, 1, width=8, name="c")
    g_opt, c_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
    step = train.make_wgan_step(gen, critic, g_opt, c_opt, n_critic=3)
    rng = np.random.default_rng(0)
    moved = []
    for _ in range(6):
        before = gen.get_weights()[0].copy()
        out = step(rng.normal(size=(32, 2)).astype("float32"), rng.normal(size=(32, 2)).astype("float32"))
        moved.append(not np.allclose(before, gen.get_weights()[0]))
    assert moved == [False, False, True, False, False, True]
    assert int(c_opt.iterations) == 6 and int(g_opt.iterations) == 2
    assert set(out) == {"d_loss", "g_loss", "w_estimate", "gp"}
