"""The tricks of appendix A2: each switch does what its name says, no switch is notebook 02's step, and the
comparison of seeds decides as its interval says."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import layers, toy, train, tricks

SMALL = layers.Design(toy.MLP(4, 2, width=8, depth=1), toy.MLP(2, 1, width=8, depth=1), layers.Adam(1e-2),
                      batch_size=16, ema_decay=0.9)


def _losses(step, n: int = 3) -> list[tuple[float, float]]:
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        result = step(toy.sample_ring(16, rng), rng.normal(size=(16, 4)).astype("float32"))
        out.append((float(result["d_loss"]), float(result["g_loss"])))
    return out


def _players(seed: int = 0):
    import keras

    keras.utils.set_random_seed(seed)
    return SMALL.build()


def test_no_switch_is_notebook_02s_step():
    g, d, g_opt, d_opt = _players()
    packaged = _losses(train.make_train_step(g, d, g_opt, d_opt))
    g, d, g_opt, d_opt = _players()
    assert np.allclose(_losses(tricks.make_tricks_step(g, d, g_opt, d_opt, tricks.Trick())), packaged, atol=1e-6)


def test_label_smoothing_is_the_packaged_real_label():
    g, d, g_opt, d_opt = _players()
    packaged = _losses(train.make_train_step(g, d, g_opt, d_opt, real_label=0.9))
    g, d, g_opt, d_opt = _players()
    written = _losses(tricks.make_tricks_step(g, d, g_opt, d_opt, tricks.trick("label smoothing 0.9")))
    assert np.allclose(written, packaged, atol=1e-6)


@pytest.mark.parametrize("name", ["noisy labels 5%", "R1 penalty 0.1", "hinge loss"])
def test_a_switch_changes_the_losses(name):
    g, d, g_opt, d_opt = _players()
    base = _losses(tricks.make_tricks_step(g, d, g_opt, d_opt, tricks.Trick()))
    g, d, g_opt, d_opt = _players()
    changed = _losses(tricks.make_tricks_step(g, d, g_opt, d_opt, tricks.trick(name)))
    assert not np.allclose(changed, base)


def test_two_d_steps_update_g_every_second_call():
    g, d, g_opt, d_opt = _players()
    step = tricks.make_tricks_step(g, d, g_opt, d_opt, tricks.trick("2 D steps per G step"))
    _losses(step, 5)
    assert (int(d_opt.iterations), int(g_opt.iterations)) == (5, 2)


def test_a_step_repeats_exactly_from_the_same_seed():
    runs = []
    for _ in range(2):
        g, d, g_opt, d_opt = _players()
        runs.append(_losses(tricks.make_tricks_step(g, d, g_opt, d_opt, tricks.trick("noisy labels 5%"))))
    assert runs[0] == runs[1]


def test_more_averages_leave_the_run_alone_and_one_with_the_designs_decay_is_its_average():
    def run(decays):
        return tricks.train_arm(SMALL, tricks.Trick(), toy.sample_ring, 40, seed=3, marks=(20,), decays=decays,
                                score=lambda g: float(np.mean(toy.generate(g, 200, seed=1))))["scores"]

    alone, beside = run(()), run((0.9, 0.5))
    for mark in (20, 40):
        assert {k: beside[mark][k] for k in ("average", "raw")} == alone[mark]
        assert beside[mark]["average 0.9"] == pytest.approx(alone[mark]["average"], abs=1e-6)   # SMALL's decay
        assert beside[mark]["average 0.5"] != pytest.approx(alone[mark]["average"], abs=1e-4)


def test_augmentation_shifts_and_blanks_with_the_background_and_passes_gradients():
    import tensorflow as tf

    x = tf.Variable(np.ones((4, 28, 28, 1), "float32"))       # all ink: what is shifted in or blanked is background
    with tf.GradientTape() as tape:
        y = tricks.augment(x, tf.constant([3, 5], tf.int64))
        total = tf.reduce_sum(y)
    y = y.numpy()
    assert y.shape == (4, 28, 28, 1) and set(np.unique(y)) <= {-1.0, 1.0}
    blank = (y == -1).mean(axis=(1, 2, 3))
    assert np.all(blank >= 14 * 14 / 28 ** 2 * 0.25) and np.all(blank < 0.5)   # the square (maybe at an edge)
    assert np.abs(tape.gradient(total, x).numpy()).sum() > 0


def test_minibatch_std_adds_one_channel_holding_the_batch_spread():
    import keras

    layer = tricks.minibatch_std_layer()
    x = np.random.default_rng(0).normal(size=(8, 3, 3, 2)).astype("float32")
    y = keras.ops.convert_to_numpy(layer(x))
    assert y.shape == (8, 3, 3, 3)
    assert np.allclose(y[..., 2], x.std(axis=0).mean(), atol=1e-5)


def test_minibatch_std_passes_a_finite_gradient_when_the_batch_does_not_vary():
    import tensorflow as tf

    layer = tricks.minibatch_std_layer()
    x = tf.Variable(np.ones((4, 3, 3, 2), "float32"))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(layer(x))
    assert np.all(np.isfinite(tape.gradient(total, x).numpy()))


def test_spectral_norm_and_minibatch_std_rebuild_the_discriminator():
    from keras import layers as kl

    d = layers.DCGAN.discriminator.build()
    both = tricks.discriminator_with(d, spectral_norm=True, minibatch_std=True)
    wrapped = [x for x in both.layers if isinstance(x, kl.SpectralNormalization)]
    assert len(wrapped) == sum(isinstance(x, (kl.Dense, kl.Conv2D)) for x in d.layers)
    assert both.output_shape == (None, 1)
    flatten = next(i for i, x in enumerate(both.layers) if isinstance(x, kl.Flatten))
    assert type(both.layers[flatten - 1]).__name__ == "MinibatchStd"


def test_each_trick_changes_the_design_only_where_it_says():
    assert tricks.trick("batch 32").design(layers.DCGAN).batch_size == 32
    assert tricks.trick("no batch norm in D").design(layers.DCGAN).discriminator.batch_norm is False
    assert tricks.trick("Adam beta_1 0.9, not 0.5").design(layers.DCGAN).adam.beta_1 == 0.9
    assert tricks.Trick().design(layers.DCGAN) == layers.DCGAN


@pytest.mark.parametrize("changes", [dict(loss="wasserstein"), dict(flip=0.6), dict(real_label=0.4),
                                     dict(d_steps=0), dict(r1=-1.0), dict(g_lr_scale=0.0)])
def test_a_trick_that_cannot_train_is_refused(changes):
    with pytest.raises(ValueError):
        tricks.Trick("bad", **changes)


def test_an_unknown_trick_is_named_with_the_known_ones():
    with pytest.raises(KeyError, match="label smoothing 0.9"):
        tricks.trick("magic")


def test_the_interval_is_welchs():
    result = tricks.compare([3.1, 2.4, 2.9], [3.6, 3.9, 3.3])
    a, b = np.array([3.1, 2.4, 2.9]), np.array([3.6, 3.9, 3.3])
    se = np.sqrt(a.var(ddof=1) / 3 + b.var(ddof=1) / 3)
    assert result["diff"] == pytest.approx(a.mean() - b.mean())
    assert result["diff_high"] - result["diff"] == pytest.approx(tricks.t_975(3.6) * se)   # Welch's df: 3.6
    assert tricks.t_975(3.6) == 3.18 and tricks.t_975(40) == 1.96


def _runs(trick: str, values: list[float]) -> list[dict]:
    return [{"trick": trick, "seed": s, "steps": 100, "average": {"fcd": v}, "raw": {"fcd": v + 5}}
            for s, v in enumerate(values)]


def test_the_verdict_follows_the_interval():
    runs = (_runs("baseline", [10, 11, 12]) + _runs("label smoothing 0.9", [5, 5.5, 6])
            + _runs("noisy labels 5%", [20, 21, 22]) + _runs("hinge loss", [9, 11, 13]))
    verdicts = {r["trick"]: r["verdict"] for r in tricks.summarise(runs, "mnist")}
    assert verdicts == {"baseline": "", "label smoothing 0.9": "helps", "noisy labels 5%": "hurts",
                        "hinge loss": "no clear difference", "no weight average": "hurts"}


def test_the_benchmarks_stored_runs_cover_every_trick_and_seed():
    from pathlib import Path

    import json

    results = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
    for kind, names, seeds in (("mnist", tricks.TRICKS, 3), ("ring", tricks.RING_TRICKS, 5)):
        runs = [json.loads(line) for line in (results / f"tricks_{kind}.jsonl").read_text().splitlines()]
        trained = {t.name for t in names if not t.raw}
        assert {(r["trick"], r["seed"]) for r in runs} >= {(n, s) for n in trained for s in range(seeds)}


def test_the_10_minute_runs_train_the_steps_their_calibration_fits_in_10_minutes():
    from pathlib import Path

    import json

    results = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
    read = lambda name: [json.loads(line) for line in (results / name).read_text().splitlines()]  # noqa: E731
    speed = {r["trick"]: r["seconds_per_step"] for r in read("tricks_mnist-10min_speed.jsonl")}
    runs = read("tricks_mnist-10min.jsonl")
    assert {(r["trick"], r["seed"]) for r in runs} == {(n, s) for n in ("baseline", "batch 32") for s in range(3)}
    for r in runs:
        assert r["budget"] == 600.0 and r["steps"] == round(600.0 / speed[r["trick"]])
        assert sorted(int(m) for m in r["marks"]) == [r["steps"] * k // 4 for k in (1, 2, 3)]
