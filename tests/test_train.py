"""The series' training step and loop, its refusals of bad input, and the designs of notebooks 02 to 05.

Checkpoints, interrupts and resuming are in test_checkpoints.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers import layers, train

SMALL = layers.DENSE.replace(generator=layers.DenseG(z_dim=8, hidden=(16,), slope=0.2),
                             discriminator=layers.DenseD(hidden=(16,), slope=0.2, dropout=0.3), batch_size=64,
                             ema_decay=None)
"""Notebook 02's dense design (real_label 0.9), with tiny networks, batches of 64 and no weight average."""

TINY_DCGAN = layers.DCGAN.replace(generator=layers.ConvG(z_dim=8, width=4), discriminator=layers.ConvD(width=4),
                                  jit_compile=False)


def _bce(y, logit):
    return np.maximum(logit, 0) - logit * y + np.log1p(np.exp(-np.abs(logit)))


@pytest.fixture(scope="module")
def small_images():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (256, 28, 28, 1)).astype("float32")


def small_step(seed=0, design=SMALL) -> train.GanStep:
    """A fresh step of ``design`` whose networks were initialised with ``seed``."""
    import keras
    keras.utils.set_random_seed(seed)
    return train.make_step(design, design.build())


def _z(n=32, dim=8, seed=0):
    return np.random.default_rng(seed).normal(size=(n, dim)).astype("float32")


# ---------------------------------------------------------------- losses, designs, steps

def test_losses_match_the_cross_entropy_formulas():
    r, f = np.array([2.0, -1.0, 0.3]), np.array([-2.0, 0.5, 1.0])
    expected_d = np.mean(_bce(0.9, r)) + np.mean(_bce(0.0, f))
    assert float(train.discriminator_loss(r, f, 0.9)) == pytest.approx(expected_d, rel=1e-6)
    assert float(train.discriminator_loss(r, f)) == pytest.approx(np.mean(_bce(1.0, r)) + np.mean(_bce(0.0, f)),
                                                                  rel=1e-6)
    assert float(train.generator_loss(f)) == pytest.approx(np.mean(_bce(1.0, f)), rel=1e-6)


@pytest.mark.parametrize("name", ["CLASSIC_DENSE", "DENSE", "TUTORIAL_DCGAN", "DCGAN", "WGAN_GP"])
def test_designs_build_generators_of_the_series_convention(name):
    design = getattr(layers, name)
    players = design.build()
    assert isinstance(players, layers.Players) and design.z_dim == 100
    gen, disc, g_opt, d_opt = players
    assert g_opt is not d_opt and float(g_opt.learning_rate) == pytest.approx(design.adam.lr)
    assert gen.input_shape == (None, 100) and gen.output_shape == (None, 28, 28, 1)
    assert disc.input_shape == (None, 28, 28, 1) and disc.output_shape == (None, 1)
    out = gen(_z(4, 100), training=False).numpy()
    assert -1 <= out.min() and out.max() <= 1


def test_designs_are_frozen_and_replace_gives_a_changed_copy():
    changed = layers.DENSE.replace(real_label=1.0)
    assert changed.real_label == 1.0 and layers.DENSE.real_label == 0.9 and changed.generator == layers.DENSE.generator
    with pytest.raises(dataclasses.FrozenInstanceError):
        layers.DENSE.batch_size = 1
    assert layers.WGAN_GP.loss == "wgan-gp" and layers.WGAN_GP.n_critic == 5 and layers.WGAN_GP.gp_weight == 10.0
    assert layers.WGAN_GP.discriminator.batch_norm is False   # the penalty is per sample


def test_make_step_picks_the_step_of_the_design():
    step = small_step()
    assert isinstance(step, train.GanStep) and step.settings["kind"] == "gan" and step.settings["real_label"] == 0.9
    wgan = small_step(design=SMALL.replace(loss="wgan-gp", n_critic=3, gp_weight=5.0))
    assert wgan.settings["kind"] == "wgan-gp" and wgan.settings["n_critic"] == 3 and wgan.settings["gp_weight"] == 5.0
    with pytest.raises(ValueError, match="'gan' or 'wgan-gp'"):
        small_step(design=SMALL.replace(loss="hinge"))


def test_a_step_updates_both_players_and_reports_its_losses(small_images):
    step = small_step()
    gen, disc = step.generator, step.discriminator
    g_before, d_before = gen.get_weights()[0].copy(), disc.get_weights()[0].copy()
    out = step(small_images[:32], _z())
    assert set(out) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(float(v)) for v in out.values())
    assert not np.allclose(gen.get_weights()[0], g_before) and not np.allclose(disc.get_weights()[0], d_before)
    assert int(step.g_opt.iterations) == int(step.d_opt.iterations) == 1


def test_seeded_steps_are_reproducible(small_images):
    def losses():
        step = small_step(seed=5)
        return [float(step(small_images[:32], _z(seed=1))["g_loss"]) for _ in range(3)]
    assert losses() == losses()


# ---------------------------------------------------------------- the loop

def test_train_gan_calls_back_every_epoch_and_records_every_step(small_images):
    seen = []
    history = train.train_gan(small_step(), small_images, epochs=2,
                              on_epoch_end=lambda epoch, h: seen.append((epoch, h.steps)), verbose=False)
    assert isinstance(history, train.History)
    assert seen == [(1, 4), (2, 8)] and history.steps == 8 and len(history["d_loss"]) == 2 * (256 // 64)
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake", "epoch_time_s"}
    assert len(history["epoch_time_s"]) == 2 and history.seconds == history["epoch_time_s"][-1] > 0


def test_train_gan_stops_at_the_time_budget(small_images):
    history = train.train_gan(small_step(), small_images, epochs=1000, time_budget_s=1e-9,
                              verbose=False)
    assert len(history["d_loss"]) == 1 and len(history["epoch_time_s"]) == 1


def test_uint8_images_train_exactly_like_their_float_version(small_images):
    pixels = np.round((small_images + 1) * 127.5).astype(np.uint8)
    floats = (pixels.astype(np.float32) - 127.5) / 127.5
    runs = [train.train_gan(small_step(seed=2), images, epochs=1, verbose=False)["g_loss"]
            for images in (pixels, floats)]
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-6)


def test_epoch_order_is_a_fixed_permutation_per_epoch():
    a, b = train.epoch_order(100, 1), train.epoch_order(100, 2)
    assert sorted(a) == list(range(100)) and not np.array_equal(a, b)
    assert np.array_equal(a, train.epoch_order(100, 1))
    assert not np.array_equal(a, train.epoch_order(100, 1, seed=1))


def test_train_for_reports_speed_and_calls_marks(small_images):
    marks = []
    speed = train.train_for(small_step(), small_images, 0.5, marks=(0.1, 0.3), on_mark=lambda t, s: marks.append(t))
    assert marks == [0.1, 0.3] and speed["steps"] > 0 and speed["images_per_s"] > 0


def test_train_for_draws_the_batches_and_latents_of_train_gan_and_continues_where_the_step_left_off(small_images):
    by_epochs, by_steps = small_step(seed=3), small_step(seed=3)
    train.train_gan(by_epochs, small_images, epochs=2, seed=5, verbose=False)        # 2 epochs of 4 batches
    for n in (3, 5):                                                                  # 8 steps in two calls
        assert train.train_for(by_steps, small_images, float("inf"), max_steps=n, seed=5)["steps"] == n
    for a, b in zip(by_epochs.generator.get_weights(), by_steps.generator.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- bad input, refused with a message that helps

def test_float_images_in_0_255_are_refused_with_the_scaling_to_use(small_images):
    pixels = (small_images + 1) * 127.5
    with pytest.raises(ValueError, match=r"\(x - 127\.5\) / 127\.5"):
        train.train_gan(small_step(), pixels, epochs=1, verbose=False)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        train.train_gan(small_step(), small_images * 1.5, epochs=1, verbose=False)


def test_a_discriminator_ending_in_a_sigmoid_gets_a_warning_that_names_the_fix():
    import keras
    gen = layers.DenseG(z_dim=8, hidden=(16,)).build()
    disc = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(1, activation="sigmoid")])
    for make in (train.make_train_step, train.make_wgan_step):
        with pytest.warns(UserWarning, match=r"remove the sigmoid.*Dense\(1\)"):
            make(gen, disc, keras.optimizers.Adam(), keras.optimizers.Adam())


@pytest.mark.parametrize("kwargs, message", [({"epochs": 0}, "at least one epoch"),
                                             ({"epochs": -1}, "at least one epoch"),
                                             ({"time_budget_s": 0}, "positive number of seconds"),
                                             ({"time_budget_s": -5.0}, "positive number of seconds")])
def test_no_epochs_or_no_time_is_refused(small_images, kwargs, message):
    step = small_step()
    with pytest.raises(ValueError, match=message):
        train.train_gan(step, small_images, **{"epochs": 1, **kwargs}, verbose=False)
    assert int(step.d_opt.iterations) == 0


def test_mismatched_models_get_a_clear_message(small_images):
    step = small_step()
    with pytest.raises(ValueError, match="one logit"):
        train.train_gan(dataclasses.replace(step, discriminator=step.generator), small_images, epochs=1,
                        verbose=False)
    with pytest.raises(ValueError, match="images of shape"):
        train.train_gan(step, small_images[:, :14, :14], epochs=1, verbose=False)
    with pytest.raises(ValueError, match=r"add a channel axis"):
        train.train_gan(step, small_images[..., 0], epochs=1, verbose=False)
    with pytest.raises(ValueError, match="takes only z"):
        train.train_gan(step, small_images, labels=np.zeros(256, int), epochs=1, verbose=False)


def test_too_few_images_for_a_batch_get_a_clear_message(small_images):
    with pytest.raises(ValueError, match="fewer than one batch"):
        train.train_gan(small_step(), small_images[:10], epochs=1, verbose=False)


# ---------------------------------------------------------------- convolutional and conditional GANs

@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv_output_size_formulas_match_keras(padding):
    import keras
    for size, kernel, stride in ((28, 4, 2), (28, 5, 2), (14, 3, 1), (7, 4, 2), (9, 3, 3)):
        x = np.zeros((1, size, size, 1), "float32")
        conv = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding)(x)
        up = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding)(x)
        assert conv.shape[1] == layers.conv_output_size(size, kernel, stride, padding)
        assert up.shape[1] == layers.conv_transpose_output_size(size, kernel, stride, padding)


def test_dcgan_hidden_layers_sit_between_z_and_the_projection_and_before_the_logit():
    first = [layer.__class__.__name__ for layer in layers.ConvD(hidden=0).build().layers]
    d = layers.ConvD(width=8, hidden=16).build()
    g = layers.ConvG(z_dim=10, width=8, hidden=16).build()
    assert "Dense" not in first[:-1] and [layer.units for layer in d.layers if hasattr(layer, "units")] == [16, 1]
    assert [layer.units for layer in g.layers if hasattr(layer, "units")] == [16, 7 * 7 * 16]
    assert g.output_shape == (None, 28, 28, 1) and d.output_shape == (None, 1)
    for design in (layers.DCGAN, layers.WGAN_GP):  # notebook 03's networks, each under half a million weights
        gen, disc, _, _ = design.build()
        assert gen.count_params() < 500_000 and disc.count_params() < 500_000
        assert [layer.units for layer in gen.layers if hasattr(layer, "units")][0] == 128
        assert [layer.units for layer in disc.layers if hasattr(layer, "units")] == [128, 1]


def test_a_conditional_gan_trains_on_labels_and_says_when_they_are_missing():
    import keras
    keras.utils.set_random_seed(0)
    design = TINY_DCGAN.replace(generator=layers.CondConvG(z_dim=8, width=4, embed=5),
                                discriminator=layers.CondConvD(width=4), batch_size=32)
    step = train.make_step(design, design.build())
    assert step.conditional and step.z_dim == 8
    assert [tuple(i.shape) for i in step.generator.inputs] == [(None, 8), (None,)]
    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1), dtype=np.uint8)
    labels = np.arange(64) % 10
    with pytest.raises(ValueError, match="needs labels"):
        train.train_gan(step, images, epochs=1, verbose=False)
    for wrong in (labels[:10], np.arange(65) % 10):
        with pytest.raises(ValueError, match="one label per image"):
            train.train_gan(step, images, epochs=1, labels=wrong, verbose=False)
        with pytest.raises(ValueError, match="one label per image"):   # float images too
            train.train_gan(step, (images - 127.5) / 127.5, epochs=1, labels=wrong, verbose=False)
    assert int(step.d_opt.iterations) == 0
    history = train.train_gan(step, images, epochs=1, labels=labels, verbose=False)
    assert len(history["g_loss"]) == 2 and np.all(np.isfinite(history["g_loss"]))
    out = step.generator([np.zeros((3, 8), "float32"), np.array([0, 5, 9])], training=False)
    assert tuple(out.shape) == (3, 28, 28, 1)


def test_the_design_sets_the_weight_average_and_the_batch_size_and_the_average_lags(small_images):
    import keras
    keras.utils.set_random_seed(0)
    design = TINY_DCGAN.replace(batch_size=32)
    players = design.build()
    step = train.make_step(design, players)
    ema = step.ema
    for a, b in zip(ema.get_weights(), players.generator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert step.settings["ema_decay"] == layers.DCGAN.ema_decay and step.batch_size == 32
    assert train.make_step(TINY_DCGAN.replace(ema_decay=None), TINY_DCGAN.build()).ema is None
    history = train.train_gan(step, small_images[:64], epochs=1, verbose=False)
    assert history.steps == 2
    assert not np.allclose(ema.get_weights()[0], players.generator.get_weights()[0])


# ---------------------------------------------------------------- saving a trained model

def test_save_trained_writes_a_keras_file_that_reloads_the_same(small_images, tmp_path):
    import keras
    step = small_step()
    train.train_gan(step, small_images, epochs=1, verbose=False)
    path = train.save_trained(step.generator, tmp_path / "g.keras")
    assert path == tmp_path / "g.keras" and [p.name for p in tmp_path.iterdir()] == ["g.keras"]
    z = _z()
    np.testing.assert_allclose(keras.models.load_model(path)(z, training=False),
                               step.generator(z, training=False), atol=1e-6)


@pytest.mark.parametrize("build", ["dcgan", "cgan"])
def test_save_trained_saves_generators_and_discriminators_of_every_kind(build, tmp_path):
    import keras
    design = {"dcgan": layers.DCGAN, "cgan": layers.CGAN}[build]
    for model in design.build()[:2]:          # the generator, then the discriminator (one or two inputs)
        path = train.save_trained(model, tmp_path / f"{model.name}.keras")
        assert path.exists() and keras.models.load_model(path).count_params() == model.count_params()


# ---------------------------------------------------------------- bad input a student passes

@pytest.mark.parametrize("images, message", [
    (np.zeros((0, 28, 28, 1), "float32"), "N > 0"),
    ([np.zeros((28, 28, 1), "float32")] * 64, "np.stack"),
    (np.zeros((64, 28, 28), "float32"), "channel axis"),
    (np.full((64, 28, 28, 1), 0.5, "float32"), "x \\* 2 - 1"),
])
def test_images_the_loop_cannot_use_are_refused_with_what_to_do(images, message):
    with pytest.raises((ValueError, TypeError), match=message):
        train.train_gan(small_step(), images, epochs=1, verbose=False)


def test_images_in_0_1_are_refused_and_one_nan_pixel_is_found(small_images):
    x = (small_images + 1) / 2
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        train.check_images(x)
    x = small_images.copy()
    x[17, 3, 4, 0] = np.nan
    with pytest.raises(ValueError, match="image 17"):
        train.check_images(x)


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size=0"), ({"batch_size": -1}, "batch_size=-1"), ({"batch_size": 64.0}, "whole number"),
    ({"epochs": 2.5}, "whole number"), ({"time_budget_s": float("nan")}, "positive number of seconds"),
])
def test_arguments_that_are_not_whole_or_not_positive_are_refused(small_images, kwargs, message):
    step = small_step()
    calls = []
    batch = {"batch_size": kwargs.pop("batch_size", step.batch_size)}    # a step's batch size, e.g. one set by hand
    counted = dataclasses.replace(step, fn=lambda *a: calls.append(1) or step.fn(*a), **batch)
    with pytest.raises(ValueError, match=message):
        train.train_gan(counted, small_images, **{"epochs": 1, "verbose": False, **kwargs})
    assert calls == []


@pytest.mark.parametrize("labels, message", [
    (np.arange(256) % 10 - 1, "range from -1 to 8"),
    (np.arange(256) % 10 + 1, "subtract 1"),
    (np.eye(10, dtype="float32")[np.arange(256) % 10], "one-hot"),
    ((np.arange(256) % 10).astype(str), "integer classes"),
])
def test_class_labels_outside_0_to_9_or_one_hot_are_refused(labels, message):
    import keras
    keras.utils.set_random_seed(0)
    design = layers.CGAN.replace(generator=layers.CondConvG(z_dim=8, width=4), discriminator=layers.CondConvD(width=4),
                                 jit_compile=False)
    step = train.make_step(design, design.build())
    images = np.zeros((256, 28, 28, 1), "uint8")
    with pytest.raises(ValueError, match=message):
        train.train_gan(step, images, labels=labels, epochs=1, verbose=False)


def test_a_training_cell_that_failed_before_training_leaves_networks_that_cannot_be_saved(small_images, tmp_path):
    step = small_step()
    with pytest.raises(ValueError):
        train.train_gan(step, small_images * 300, epochs=1, verbose=False)    # bad images
    with pytest.raises(RuntimeError, match="did not finish"):
        train.save_trained(step.generator, tmp_path / "g.keras")
    assert not (tmp_path / "g.keras").exists()
    train.train_gan(step, small_images, epochs=1, verbose=False)
    assert train.save_trained(step.generator, tmp_path / "g.keras").exists()


def test_save_trained_never_writes_into_the_shipped_networks(small_images):
    from helpers.config import WEIGHTS_DIR
    step = small_step()
    train.train_gan(step, small_images, epochs=1, verbose=False)
    before = {p.name: p.stat().st_mtime_ns for p in WEIGHTS_DIR.iterdir()}
    for path in (WEIGHTS_DIR / "dcgan_generator.keras", WEIGHTS_DIR / "new.keras", WEIGHTS_DIR / ".." / "weights" / "x.keras"):
        with pytest.raises(PermissionError, match="shipped"):
            train.save_trained(step.generator, path)
    assert {p.name: p.stat().st_mtime_ns for p in WEIGHTS_DIR.iterdir()} == before


def test_save_trained_refuses_nan_weights(small_images, tmp_path):
    step = small_step()
    train.train_gan(step, small_images, epochs=1, verbose=False)
    weights = step.generator.get_weights()
    weights[0][0, 0] = np.nan
    step.generator.set_weights(weights)
    with pytest.raises(ValueError, match="NaN"):
        train.save_trained(step.generator, tmp_path / "g.keras")
    assert not (tmp_path / "g.keras").exists()


@pytest.mark.parametrize("changes, message", [
    ({"loss": "hinge"}, "'gan' or 'wgan-gp'"), ({"n_critic": 5}, "belong to loss='wgan-gp'"), ({"gp_weight": 10.0}, "belong to"),
    ({"ema_decay": 1.5}, "between 0 and 1"), ({"batch_size": 64.0}, "whole number"),
])
def test_a_design_that_cannot_train_as_written_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        layers.DCGAN.replace(**changes)
    with pytest.raises(ValueError, match="gp_weight > 0"):
        layers.WGAN_GP.replace(gp_weight=0.0)
