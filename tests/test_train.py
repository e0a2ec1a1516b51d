"""The series' training step and loop, and the dense GAN designs."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import layers, train


def _bce(y, logit):
    return np.maximum(logit, 0) - logit * y + np.log1p(np.exp(-np.abs(logit)))


@pytest.fixture(scope="module")
def small_images():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (256, 28, 28, 1)).astype("float32")


def small_gan(seed=0):
    import keras
    keras.utils.set_random_seed(seed)
    design = {**layers.DENSE, "generator": {"z_dim": 8, "hidden": (16,), "slope": 0.2},
              "discriminator": {"hidden": (16,), "slope": 0.2, "dropout": 0.3}}
    return layers.dense_gan(design)


def test_losses_match_the_cross_entropy_formulas():
    r, f = np.array([2.0, -1.0, 0.3]), np.array([-2.0, 0.5, 1.0])
    expected_d = np.mean(_bce(0.9, r)) + np.mean(_bce(0.0, f))
    assert float(train.discriminator_loss(r, f, 0.9)) == pytest.approx(expected_d, rel=1e-6)
    assert float(train.generator_loss(f)) == pytest.approx(np.mean(_bce(1.0, f)), rel=1e-6)


def test_designs_build_generators_of_the_series_convention():
    for design in (layers.CLASSIC_DENSE, layers.DENSE):
        gen, disc, _, _ = layers.dense_gan(design)
        assert gen.input_shape == (None, 100) and gen.output_shape == (None, 28, 28, 1)
        assert disc.output_shape == (None, 1)
        out = gen(np.random.default_rng(0).normal(size=(4, 100)).astype("float32")).numpy()
        assert -1 <= out.min() and out.max() <= 1


def test_a_step_updates_both_players_and_reports_its_losses(small_images):
    gen, disc, g_opt, d_opt = small_gan()
    step = train.make_train_step(gen, disc, g_opt, d_opt, real_label=0.9)
    g_before, d_before = gen.get_weights()[0].copy(), disc.get_weights()[0].copy()
    out = step(small_images[:32], np.random.default_rng(0).normal(size=(32, 8)).astype("float32"))
    assert set(out) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(float(v)) for v in out.values())
    assert not np.allclose(gen.get_weights()[0], g_before) and not np.allclose(disc.get_weights()[0], d_before)


def test_seeded_steps_are_reproducible(small_images):
    def losses():
        gen, disc, g_opt, d_opt = small_gan(seed=5)
        step = train.make_train_step(gen, disc, g_opt, d_opt)
        z = np.random.default_rng(1).normal(size=(32, 8)).astype("float32")
        return [float(step(small_images[:32], z)["g_loss"]) for _ in range(3)]
    assert losses() == losses()


def test_train_gan_calls_back_every_epoch_and_records_every_step(small_images):
    gen, disc, g_opt, d_opt = small_gan()
    seen = []
    history = train.train_gan(gen, disc, small_images, epochs=2, batch_size=64, g_opt=g_opt, d_opt=d_opt,
                              on_epoch_end=lambda epoch, h: seen.append(epoch), verbose=False)
    assert seen == [1, 2] and len(history["d_loss"]) == 2 * (256 // 64)


def test_train_gan_stops_at_the_time_budget(small_images):
    gen, disc, g_opt, d_opt = small_gan()
    history = train.train_gan(gen, disc, small_images, epochs=1000, batch_size=64, g_opt=g_opt, d_opt=d_opt,
                              time_budget_s=0.0, verbose=False)
    assert len(history["epoch_time_s"]) == 1


def test_mismatched_models_get_a_clear_message(small_images):
    gen, disc, _, _ = small_gan()
    with pytest.raises(ValueError, match="one logit"):
        train.train_gan(gen, gen, small_images, epochs=1, verbose=False)
    with pytest.raises(ValueError, match="images of shape"):
        train.train_gan(gen, disc, small_images[:, :14, :14], epochs=1, verbose=False)


def test_train_for_reports_speed_and_calls_marks(small_images):
    gen, disc, g_opt, d_opt = small_gan()
    step = train.make_train_step(gen, disc, g_opt, d_opt)
    marks = []
    speed = train.train_for(step, small_images, 8, 0.5, 32, marks=(0.1, 0.3), on_mark=lambda t, s: marks.append(t))
    assert marks == [0.1, 0.3] and speed["steps"] > 0 and speed["images_per_s"] > 0
