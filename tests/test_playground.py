"""The GAN playground (helpers.playground): its API, what it trains, the arrows it draws, and its controls."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from helpers import playground as pgm
from helpers.playground import LOSSES, Playground


@pytest.fixture(scope="module")
def small():
    """A small playground shared by the tests below (small networks and batches: quick to trace and train)."""
    return Playground("ring", "non-saturating", width_d=16, width_g=16, batch=64, seed=0)


def test_the_api_run_figure_widget():
    import ipywidgets
    from matplotlib.figure import Figure

    playground = Playground(data="ring", loss="non-saturating", seed=0)
    before = playground.modes_covered()
    history = playground.run(400)
    assert {"d_loss", "g_loss", "modes", "near_modes"} <= set(history)
    assert len(history["d_loss"]) == len(history["modes"]) == 400 == playground.step
    assert all(np.isfinite(history["d_loss"])) and all(np.isfinite(history["g_loss"]))
    # the non-saturating GAN spreads over the ring: more of its 8 modes covered than at step 0
    assert before == 0, f"at step 0 the generated points already cover {before} modes"
    assert max(history["modes"][-20:]) >= 2, f"modes covered over the last steps: {history['modes'][-20:]}"
    fig = playground.figure()
    assert isinstance(fig, Figure)
    assert "step 400" in fig.texts[0].get_text()
    import matplotlib.pyplot as plt
    plt.close(fig)
    assert isinstance(playground.widget, ipywidgets.Widget)
    assert playground.controls["step_label"].value == "step 400"


def test_the_model_trains_as_the_playground_does_and_draws_nothing():
    """PlaygroundModel is the playground without its view: the same steps from the same seed, no figure, no widget."""
    model = pgm.PlaygroundModel("ring", "non-saturating", width_d=16, width_g=16, batch=64, seed=3)
    view = Playground("ring", "non-saturating", width_d=16, width_g=16, batch=64, seed=3)
    assert isinstance(view, pgm.PlaygroundModel)
    assert not any(hasattr(model, name) for name in ("figure", "widget", "play", "frame", "controls"))
    assert model.run(30) == view.run(30)
    assert model.state()["title"] == view.state()["title"]


@pytest.mark.parametrize("loss", LOSSES)
def test_each_data_source_and_loss_trains_with_finite_losses(small, loss):
    points = np.random.default_rng(0).normal([3.0, -1.0], [2.0, 0.5], size=(500, 2))
    small.set(loss=loss)
    for data in ("ring", "grid", "moons", points):
        small.set(data=data)
        assert small.step == 0
        history = small.run(3)
        assert small.step == 3
        assert np.all(np.isfinite(history["d_loss"])) and np.all(np.isfinite(history["g_loss"])), (loss, data)
        state = small.state()
        assert state["fake"].shape == state["arrows"].shape == (pgm.SHOW, 2)
        assert np.all(np.isfinite(state["surface"]))
        if isinstance(data, str) and data in ("ring", "grid"):
            assert history["modes"][-1] is not None and small.n_modes == {"ring": 8, "grid": 25}[data]
        else:
            assert history["modes"] == [None] * 3 and small.modes_covered() is None
    # the array's points are drawn where they are, not in the model's coordinates
    assert abs(np.mean(small.state()["real"], axis=0) - [3.0, -1.0]).max() < 0.5


@pytest.mark.parametrize("loss", LOSSES)
def test_arrows_point_where_the_generator_loss_falls(small, loss):
    small.set(loss=loss, data="ring")
    small.run(30)
    state = small.state()
    x, arrows = state["fake"], state["arrows"]
    assert np.allclose(arrows / np.linalg.norm(arrows, axis=1, keepdims=True),
                       state["push"] / np.linalg.norm(state["push"], axis=1, keepdims=True), atol=1e-5)
    before = small.generator_loss_at(x)
    after = small.generator_loss_at(x + 0.02 * arrows)
    against = small.generator_loss_at(x - 0.02 * arrows)
    moved = np.linalg.norm(arrows, axis=1) > 1e-4
    assert moved.mean() > 0.5
    assert np.mean(after[moved] < before[moved]) > 0.95, f"{loss}: the loss rose along the arrows"
    assert np.mean(against[moved] > before[moved]) > 0.95
    assert after.mean() < before.mean() < against.mean()


def test_the_generator_losses_are_the_series_losses():
    import tensorflow as tf

    from helpers import train

    logits = tf.constant([[-3.0], [0.0], [0.5], [4.0]])
    d = tf.sigmoid(logits)[:, 0].numpy()
    assert np.mean(pgm.generator_losses(logits, "non-saturating")) == pytest.approx(
        float(train.generator_loss(logits)), rel=1e-6)                                       # -log D
    assert np.allclose(pgm.generator_losses(logits, "minimax"), np.log(1 - d), atol=1e-6)  # log(1 - D)
    assert np.allclose(pgm.generator_losses(logits, "wgan-gp"), -logits[:, 0])             # -C


def test_controls_change_the_state(small):
    c = small.controls
    c["loss"].value = "non-saturating"
    c["data"].value = "ring"
    start = small.step
    c["step"].click()
    assert small.step == start + 1 and c["step_label"].value == f"step {start + 1}"
    c["loss"].value = "minimax"                                  # a new loss starts again
    assert small.loss == "minimax" and small.step == 0 and small.history["d_loss"] == []
    c["step"].click()
    c["lr_d"].value = 0.01                                        # learning rates apply at once, no reset
    assert small.step == 1
    assert float(small.d_opt.learning_rate.numpy()) == pytest.approx(0.01, rel=1e-5)
    c["lr_g"].value = 2e-4
    assert float(small.g_opt.learning_rate.numpy()) == pytest.approx(2e-4, rel=1e-5)
    c["d_steps"].value = 3
    assert small.d_steps == 3 and small.step == 1
    c["reset"].click()
    assert small.step == 0
    c["loss"].value = "wgan-gp"
    assert c["d_steps"].value == 3, "a D-steps setting chosen by hand survives a change of loss"
    c["d_steps"].value, c["lr_d"].value, c["lr_g"].value = 1, 1e-3, 1e-3
    assert c["image"].value[:2] == b"\xff\xd8"                   # a JPEG frame


def test_wgan_gp_trains_its_critic_five_times_per_step_unless_told():
    assert Playground("ring", "wgan-gp").d_steps == 5
    assert Playground("ring", "wgan-gp", d_steps=2).d_steps == 2
    playground = Playground("ring", "minimax")
    assert playground.d_steps == 1
    playground.set(loss="wgan-gp")
    assert playground.d_steps == 5


def test_a_new_learning_rate_reaches_the_compiled_step(small):
    small.set(loss="non-saturating", lr_g=1e-3)
    small.run(2)                                                  # traced with the old rate
    small.set(lr_g=1e-12)
    weights = [w.copy() for w in small.generator.get_weights()]
    small.run(2)
    change = max(np.abs(a - b).max() for a, b in zip(weights, small.generator.get_weights()))
    assert change < 1e-9, f"with a learning rate of 1e-12 the generator's weights moved by {change}"
    small.set(lr_g=1e-3)
    small.run(2)
    change = max(np.abs(a - b).max() for a, b in zip(weights, small.generator.get_weights()))
    assert change > 1e-5


def test_play_trains_in_the_background_and_the_controls_answer_while_it_plays(small):
    small.set(loss="non-saturating", data="ring")
    c = small.controls
    frames = small.frames

    async def scenario():
        c["play"].click()
        assert small.playing and c["play"].disabled and not c["pause"].disabled
        deadline = time.monotonic() + 60
        while small.step < 3 * small.steps_per_frame and time.monotonic() < deadline:
            await asyncio.sleep(0.01)                             # this coroutine runs between frames
        assert small.step >= 3 * small.steps_per_frame, "the play loop did not train"
        c["lr_g"].value = 5e-4                                    # a slider moved while playing
        assert small.playing and float(small.g_opt.learning_rate.numpy()) == pytest.approx(5e-4, rel=1e-5)
        step = small.step
        while small.step == step and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert small.step > step, "training stopped after the slider moved"
        c["pause"].click()
        await asyncio.wait_for(small._task, 30)
        assert not small.playing and not c["play"].disabled
        stopped = small.step
        await asyncio.sleep(0.2)
        assert small.step == stopped, "training went on after pause"

    asyncio.run(scenario())
    assert small.frames > frames + 3
    assert c["step_label"].value == f"step {small.step:,}"
    c["lr_g"].value = 1e-3


def test_play_outside_an_event_loop_says_what_to_do(small):
    with pytest.raises(RuntimeError, match="run\\(steps\\)"):
        small.play()


def test_frame_trains_and_returns_a_jpeg(small):
    step = small.step
    frame = small.frame()
    assert frame[:2] == b"\xff\xd8" and small.step == step + small.steps_per_frame


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="'ring', 'grid', 'moons'"):
        Playground("spiral")
    with pytest.raises(ValueError, match=r"shape \(N, 2\).*\(3, 5\)"):
        Playground(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"data\.T"):
        Playground(np.zeros((2, 50)))
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        Playground(np.zeros(10))
    with pytest.raises(ValueError, match="NaN"):
        Playground(np.array([[0.0, 1.0], [np.nan, 2.0]]))
    with pytest.raises(ValueError, match="'minimax', 'non-saturating', 'wgan-gp'"):
        Playground("ring", loss="hinge")
    with pytest.raises(ValueError, match="lr_d .*positive"):
        Playground("ring", lr_d=-1e-3)
    with pytest.raises(ValueError, match="lr_g"):
        Playground("ring", lr_g="fast")
    for name in ("d_steps", "width_d", "width_g", "batch"):
        with pytest.raises(ValueError, match=f"{name} must be a whole number >= 1"):
            Playground("ring", **{name: 0})
    with pytest.raises(ValueError, match="width_g must be a whole number"):
        Playground("ring", width_g=32.5)


def test_bad_settings_later_are_explained():
    playground = Playground("ring")
    with pytest.raises(ValueError, match="settable are"):
        playground.set(speed=3)
    with pytest.raises(ValueError, match="no array was given"):
        playground.set(data="array")
    with pytest.raises(ValueError, match="whole number >= 0"):
        playground.run(-1)
    with pytest.raises(ValueError, match="d_steps must be"):
        playground.set(d_steps=0)


def test_a_new_width_builds_new_networks(small):   # last: the networks it leaves are new (traced again)
    c = small.controls
    c["step"].click()
    c["width_d"].value = 8
    assert small.discriminator.layers[0].units == 8 and small.step == 0
    c["width_g"].value = 32
    assert small.generator.layers[0].units == 32 and small.discriminator.layers[0].units == 8
    c["step"].click()
    assert small.step == 1 and np.isfinite(small.history["d_loss"][-1])
