"""WGAN-GP: the interpolation weights, the gradient penalty, the n_critic schedule, and training through train_gan."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers import checkpoints, layers, train

TINY_WGAN = layers.WGAN_GP.replace(generator=layers.DenseG(z_dim=8, hidden=(16,)),
                                   discriminator=layers.DenseD(hidden=(16,)), n_critic=3, jit_compile=False)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(-1, 1, (256, 28, 28, 1)).astype("float32")


def wgan_step(seed: int, design: layers.Design = TINY_WGAN) -> train.GanStep:
    import keras
    keras.utils.set_random_seed(seed)
    return train.make_step(design, design.build())


def test_interpolation_weights_are_uniform_on_0_1_one_per_sample():
    alpha = train.interpolation_weights(20000, 4, seed=[1, 2]).numpy()
    assert alpha.shape == (20000, 1, 1, 1)
    a = np.sort(alpha.ravel())
    assert a.min() >= 0 and a.max() <= 1                      # a normal distribution would leave [0, 1]
    assert abs(a.mean() - 0.5) < 0.01 and abs(a.var() - 1 / 12) < 0.005
    ks = np.max(np.abs(a - (np.arange(1, len(a) + 1) / len(a))))  # Kolmogorov-Smirnov distance to U(0, 1)
    assert ks < 0.015
    assert len(np.unique(a)) > 19000                          # one weight per sample, not one per batch
    assert train.interpolation_weights(8, 2).shape == (8, 1)  # unseeded, shaped for a batch of vectors


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
    assert isinstance(step, train.GanStep) and step.discriminator is critic and step.d_opt is c_opt
    rng = np.random.default_rng(0)
    moved = []
    for _ in range(6):
        before = gen.get_weights()[0].copy()
        out = step(rng.normal(size=(32, 2)).astype("float32"), rng.normal(size=(32, 2)).astype("float32"))
        moved.append(not np.allclose(before, gen.get_weights()[0]))
    assert moved == [False, False, True, False, False, True]
    assert int(c_opt.iterations) == 6 and int(g_opt.iterations) == 2
    assert set(out) == {"d_loss", "g_loss", "w_estimate", "gp"}


def test_a_wgan_design_trains_through_train_gan_with_an_xla_compiled_step(images):
    step = wgan_step(0, TINY_WGAN.replace(jit_compile=True))
    assert step.settings["kind"] == "wgan-gp" and step.settings["n_critic"] == 3
    history = train.train_gan(step, images, epochs=1, verbose=False)
    assert set(history) == {"d_loss", "g_loss", "w_estimate", "gp", "epoch_time_s"} and history.steps == 4
    assert all(np.all(np.isfinite(history[k])) for k in ("d_loss", "g_loss", "w_estimate", "gp"))
    assert int(step.d_opt.iterations) == 4 and int(step.g_opt.iterations) == 1


def test_an_interrupted_wgan_run_resumes_to_the_same_losses(images, tmp_path):
    straight = train.train_gan(wgan_step(7), images, epochs=3, verbose=False)
    step = wgan_step(7)
    calls = []

    def interrupt_on_call_6(*args):
        calls.append(1)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return step.fn(*args)
    with pytest.raises(KeyboardInterrupt):
        train.train_gan(dataclasses.replace(step, fn=interrupt_on_call_6), images, epochs=3,
                        checkpoint_dir=tmp_path, verbose=False)
    assert checkpoints.saved_steps(tmp_path)[0] == 5
    fresh = wgan_step(99)
    resumed = train.train_gan(fresh, images, epochs=3, checkpoint_dir=tmp_path, verbose=False)
    assert int(fresh.d_opt.iterations) == 12 and int(fresh.g_opt.iterations) == 4
    for key in ("d_loss", "g_loss", "w_estimate", "gp"):   # the interpolation weights too are fixed by the step
        np.testing.assert_allclose(resumed[key], straight[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_resuming_a_wgan_run_with_another_n_critic_is_refused(images, tmp_path):
    train.train_gan(wgan_step(0), images, epochs=1, checkpoint_dir=tmp_path, verbose=False)
    with pytest.raises(checkpoints.CheckpointError, match=r"(?s)n_critic: 3 in the checkpoint, 5 now"):
        train.train_gan(wgan_step(0, TINY_WGAN.replace(n_critic=5)), images, epochs=2,
                        checkpoint_dir=tmp_path, verbose=False)


def test_a_wgan_run_resumed_between_generator_updates_reports_the_last_generator_loss(images, tmp_path):
    import keras
    keras.utils.set_random_seed(0)
    design = TINY_WGAN.replace(batch_size=32)
    step = train.make_step(design, design.build())
    calls = []

    def stop_on_5(*args):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return step.fn(*args)
    with pytest.raises(KeyboardInterrupt):
        train.train_gan(dataclasses.replace(step, fn=stop_on_5), images[:128], epochs=2,
                        checkpoint_dir=tmp_path, verbose=False)
    keras.utils.set_random_seed(1)
    fresh = train.make_step(design, design.build())
    history = train.train_gan(fresh, images[:128], epochs=2, checkpoint_dir=tmp_path, verbose=False)
    assert history["g_loss"][4] != 0.0 and history["g_loss"][4] == history["g_loss"][3]
