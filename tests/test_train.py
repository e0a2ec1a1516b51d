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
                              time_budget_s=1e-9, verbose=False)
    assert len(history["d_loss"]) == 1 and len(history["epoch_time_s"]) == 1


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


def test_uint8_images_train_exactly_like_their_float_version(small_images):
    pixels = np.round((small_images + 1) * 127.5).astype(np.uint8)
    floats = (pixels.astype(np.float32) - 127.5) / 127.5
    runs = []
    for images in (pixels, floats):
        gen, disc, g_opt, d_opt = small_gan(seed=2)
        runs.append(train.train_gan(gen, disc, images, epochs=1, batch_size=64, g_opt=g_opt, d_opt=d_opt,
                                    verbose=False)["g_loss"])
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-6)


def test_epoch_order_is_a_fixed_permutation_per_epoch():
    a, b = train.epoch_order(100, 1), train.epoch_order(100, 2)
    assert sorted(a) == list(range(100)) and not np.array_equal(a, b)
    assert np.array_equal(a, train.epoch_order(100, 1))


def _interrupt_after(step, n):
    """A step that raises KeyboardInterrupt on its call number n + 1, as a kernel interrupt would."""
    calls = {"n": 0}

    def wrapped(real, z):
        calls["n"] += 1
        if calls["n"] > n:
            raise KeyboardInterrupt
        return step(real, z)
    return wrapped


def test_interrupted_training_resumes_into_fresh_objects_with_counters_and_optimizer_state(small_images, tmp_path):
    epochs, batch = 3, 64  # 4 steps an epoch, 12 in all
    gen, disc, g_opt, d_opt = small_gan(seed=7)
    straight = train.train_gan(gen, disc, small_images, epochs, batch, g_opt=g_opt, d_opt=d_opt, verbose=False)

    gen, disc, g_opt, d_opt = small_gan(seed=7)
    step = _interrupt_after(train.make_train_step(gen, disc, g_opt, d_opt), 6)  # stops mid-epoch 2
    first = train.train_gan(gen, disc, small_images, epochs, batch, g_opt=g_opt, d_opt=d_opt, step=step,
                            checkpoint_dir=tmp_path, verbose=False)
    assert first.get("interrupted") and len(first["g_loss"]) == 6
    saved = {"iterations": int(g_opt.iterations), "slots": [v.numpy().copy() for v in d_opt.variables],
             "g": [w.copy() for w in gen.get_weights()]}

    gen, disc, g_opt, d_opt = small_gan(seed=99)  # fresh objects, different initial weights
    ckpt, manager = train.make_checkpoint(gen, disc, g_opt, d_opt, tmp_path)
    ckpt.restore(manager.latest_checkpoint)
    assert int(ckpt.step) == 6 and int(g_opt.iterations) == saved["iterations"] == 6
    for got, want in zip(d_opt.variables, saved["slots"]):
        np.testing.assert_array_equal(got.numpy(), want)
    for got, want in zip(gen.get_weights(), saved["g"]):
        np.testing.assert_array_equal(got, want)

    gen, disc, g_opt, d_opt = small_gan(seed=99)
    resumed = train.train_gan(gen, disc, small_images, epochs, batch, g_opt=g_opt, d_opt=d_opt,
                              checkpoint_dir=tmp_path, verbose=False)
    assert len(resumed["g_loss"]) == 12 and int(g_opt.iterations) == 12
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        np.testing.assert_allclose(resumed[key], straight[key], rtol=1e-5, atol=1e-6)


def test_a_finished_run_resumes_as_finished_and_more_epochs_continue_it(small_images, tmp_path):
    gen, disc, g_opt, d_opt = small_gan()
    train.train_gan(gen, disc, small_images, 1, 64, g_opt=g_opt, d_opt=d_opt, checkpoint_dir=tmp_path, verbose=False)
    again = train.train_gan(gen, disc, small_images, 1, 64, g_opt=g_opt, d_opt=d_opt, checkpoint_dir=tmp_path,
                            verbose=False)
    assert len(again["g_loss"]) == 4
    more = train.train_gan(gen, disc, small_images, 2, 64, g_opt=g_opt, d_opt=d_opt, checkpoint_dir=tmp_path,
                           verbose=False)
    assert len(more["g_loss"]) == 8 and len(more["epoch_time_s"]) == 2


def test_too_few_images_for_a_batch_get_a_clear_message(small_images):
    gen, disc, g_opt, d_opt = small_gan()
    with pytest.raises(ValueError, match="fewer than one batch"):
        train.train_gan(gen, disc, small_images[:10], epochs=1, batch_size=64, verbose=False)


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv_output_size_formulas_match_keras(padding):
    import keras
    for size, kernel, stride in ((28, 4, 2), (28, 5, 2), (14, 3, 1), (7, 4, 2), (9, 3, 3)):
        x = np.zeros((1, size, size, 1), "float32")
        conv = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding)(x)
        up = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding)(x)
        assert conv.shape[1] == layers.conv_output_size(size, kernel, stride, padding)
        assert up.shape[1] == layers.conv_transpose_output_size(size, kernel, stride, padding)


def test_convolutional_designs_follow_the_series_convention():
    for design in (layers.DCGAN, layers.TUTORIAL_DCGAN):
        gen, disc, _, _ = layers.build_gan(design)
        assert gen.input_shape == (None, 100) and gen.output_shape == (None, 28, 28, 1)
        assert disc.input_shape == (None, 28, 28, 1) and disc.output_shape == (None, 1)
        out = gen(np.random.default_rng(0).normal(size=(2, 100)).astype("float32")).numpy()
        assert -1 <= out.min() and out.max() <= 1


def test_dcgan_hidden_layers_sit_between_z_and_the_projection_and_before_the_logit():
    first = [layer.__class__.__name__ for layer in layers.dcgan_discriminator(hidden=0).layers]
    d = layers.dcgan_discriminator(width=8, hidden=16)
    g = layers.dcgan_generator(z_dim=10, width=8, hidden=16)
    assert "Dense" not in first[:-1] and [layer.units for layer in d.layers if hasattr(layer, "units")] == [16, 1]
    assert [layer.units for layer in g.layers if hasattr(layer, "units")] == [16, 7 * 7 * 16]
    assert g.output_shape == (None, 28, 28, 1) and d.output_shape == (None, 1)
    for design in (layers.DCGAN, layers.WGAN_GP):  # notebook 03's networks, each under half a million weights
        gen, disc, _, _ = layers.build_gan(design)
        assert gen.count_params() < 500_000 and disc.count_params() < 500_000


def test_a_checkpoint_restores_batch_norm_statistics_and_the_ema_copy(tmp_path):
    import keras
    design = {**layers.DCGAN, "generator": {"z_dim": 8, "width": 4}, "discriminator": {"width": 4}}
    keras.utils.set_random_seed(0)
    gen, disc, g_opt, d_opt = layers.build_gan(design)
    ema = train.ema_copy(gen)
    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1), dtype=np.uint8)
    train.train_gan(gen, disc, images, 2, 32, g_opt=g_opt, d_opt=d_opt, ema=ema, checkpoint_dir=tmp_path,
                    verbose=False)
    keras.utils.set_random_seed(1)
    gen2, disc2, g_opt2, d_opt2 = layers.build_gan(design)
    ema2 = train.ema_copy(gen2)
    ckpt, manager = train.make_checkpoint(gen2, disc2, g_opt2, d_opt2, tmp_path, ema=ema2)
    ckpt.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    for a, b in ((gen, gen2), (disc, disc2), (ema, ema2)):
        assert any("moving_mean" in v.path for v in a.variables)
        for va, vb in zip(a.variables, b.variables):
            np.testing.assert_array_equal(va.numpy(), vb.numpy(), err_msg=va.path)
    assert not np.allclose(ema.get_weights()[0], gen.get_weights()[0])  # the average lags the generator


def test_a_conditional_gan_trains_on_labels_and_says_when_they_are_missing():
    import keras
    keras.utils.set_random_seed(0)
    gen, disc = layers.cgan_generator(z_dim=8, width=4), layers.cgan_discriminator(width=4)
    assert [tuple(i.shape) for i in gen.inputs] == [(None, 8), (None,)]
    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1), dtype=np.uint8)
    labels = np.arange(64) % 10
    with pytest.raises(ValueError, match="needs labels"):
        train.train_gan(gen, disc, images, epochs=1, batch_size=32, verbose=False)
    with pytest.raises(ValueError, match="one label per image"):
        train.train_gan(gen, disc, images, epochs=1, batch_size=32, labels=labels[:10], verbose=False)
    history = train.train_gan(gen, disc, images, epochs=1, batch_size=32, labels=labels, verbose=False)
    assert len(history["g_loss"]) == 2 and np.all(np.isfinite(history["g_loss"]))
    out = gen([np.zeros((3, 8), "float32"), np.array([0, 5, 9])], training=False)
    assert tuple(out.shape) == (3, 28, 28, 1)
