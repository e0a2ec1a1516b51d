"""The toy densities, closed-form GAN quantities and small GANs behind notebook 01."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import toy

X = np.linspace(-15, 15, 30001)


def test_mixture_density_integrates_to_one_and_samples_match_it():
    assert toy.integrate(toy.DATA_1D.pdf(X), X) == pytest.approx(1.0, abs=1e-6)
    s = toy.DATA_1D.sample(20000, np.random.default_rng(0))
    assert s.shape == (20000, 1) and s.dtype == np.float32
    assert toy.histogram_jsd(s, toy.DATA_1D) < 0.01
    assert toy.histogram_jsd(s + 3, toy.DATA_1D) > 0.3


def test_jsd_is_zero_for_equal_densities_and_log2_for_disjoint_ones():
    p = toy.gaussian(0, 1).pdf(X)
    assert toy.jsd(p, p, X) == pytest.approx(0.0, abs=1e-9)
    assert toy.jsd(p, toy.gaussian(12, 0.5).pdf(X), X) == pytest.approx(np.log(2), abs=1e-6)


def test_value_at_optimum_is_minus_log4_plus_twice_jsd():
    p, q = toy.DATA_1D.pdf(X), toy.gaussian(0.5, 2.0).pdf(X)
    assert toy.value_at_optimum(p, q, X) == pytest.approx(-toy.LOG4 + 2 * toy.jsd(p, q, X), abs=1e-8)


def test_optimal_discriminator_is_half_where_densities_agree():
    np.testing.assert_allclose(toy.optimal_discriminator([1.0, 2.0, 0.0], [1.0, 0.0, 3.0]), [0.5, 1.0, 0.0])


def test_mass_interval_holds_the_requested_mass():
    lo, hi = toy.mass_interval(toy.gaussian(0, 1), 0.99)
    assert lo == pytest.approx(-2.576, abs=0.01) and hi == pytest.approx(2.576, abs=0.01)


def test_mode_coverage_counts_modes_and_quality():
    rng = np.random.default_rng(0)
    assert toy.mode_coverage(toy.sample_ring(4000, rng)) [0] == 8
    collapsed = toy.sample_ring(4000, rng, modes=toy.ring_modes()[:3])
    cov, quality = toy.mode_coverage(collapsed)
    assert cov == 3 and quality > 0.98
    cov, quality = toy.mode_coverage(rng.normal(size=(4000, 2)) * 0.1)  # all at the centre
    assert cov == 0 and quality == 0.0


def test_gan_step_rejects_an_unknown_loss():
    with pytest.raises(ValueError, match="non-saturating"):
        toy.make_gan_step(None, None, None, None, loss="wasserstein")


def test_a_short_1d_gan_run_moves_towards_the_data():
    import keras
    keras.utils.set_random_seed(0)
    gen, disc = toy.mlp(1, 1, 32, 2), toy.mlp(1, 1, 32, 2)
    before = toy.histogram_jsd(toy.generate(gen, 4000), toy.DATA_1D)
    history = toy.train_toy_gan(lambda n, r: toy.DATA_1D.sample(n, r), gen, disc, 600, lr=2e-4)
    after = toy.histogram_jsd(toy.generate(gen, 4000), toy.DATA_1D)
    assert after < 0.5 * before
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake"} and len(history["d_loss"]) == 600


def test_packed_discriminator_sees_pack_samples_at_once():
    import keras
    keras.utils.set_random_seed(0)
    gen, disc = toy.mlp(4, 2, 16, 1), toy.mlp(2 * 4, 1, 16, 1)
    history = toy.train_toy_gan(lambda n, r: toy.sample_ring(n, r), gen, disc, 3, batch=32, pack=4)
    assert len(history["g_loss"]) == 3


def test_wasserstein_distance_of_a_shift_is_the_shift_while_jsd_saturates():
    x = np.linspace(-10, 10, 20001)
    p = toy.gaussian(0, 0.1).pdf(x)
    for shift in (0.5, 2.0, 5.0):
        q = toy.gaussian(shift, 0.1).pdf(x)
        assert toy.wasserstein_1d(p, q, x) == pytest.approx(shift, rel=1e-4)
    assert toy.jsd(p, toy.gaussian(2.0, 0.1).pdf(x), x) == pytest.approx(np.log(2), abs=1e-6)
