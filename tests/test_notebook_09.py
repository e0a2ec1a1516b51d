"""Notebook 09 (a trained restorer): its words, its parameters, its own code (the U-Net, the PatchGAN, the written
step against the packaged one), and its shipped restorers (its exercises' verdicts: tests/test_exercises.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import notebook_text

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "09_trained_restorer.ipynb"


def _namespace() -> dict:
    import keras
    import tensorflow as tf
    from keras import layers

    from helpers import repair, train

    return {"np": np, "tf": tf, "keras": keras, "layers": layers, "repair": repair, "train": train,
            "WIDTH": 8, "L1_WEIGHT": 100.0, "LR": 1e-3}


def _function(name: str, namespace: dict):
    return notebook_text.function(NOTEBOOK, notebook_text.code_cell(NOTEBOOK, f"def {name}("), name, namespace)


def _parameters(fast: bool) -> dict:
    return notebook_text.Notebook(NOTEBOOK).parameters(fast, runs=type("R", (), {"run_dir": staticmethod(str)}))


def test_fast_mode_trains_seconds_and_full_mode_fits_ten_minutes():
    fast, full = _parameters(True), _parameters(False)
    assert fast["TRAIN_S"] * 6 <= 30 and full["TRAIN_S"] * 6 <= 6 * 60
    assert fast["N_DIGITS"] >= 100 and full["N_DIGITS"] == 256        # FCD needs 100; 08's held-out digits
    assert (full["STARTS"], full["STEPS"]) == (8, 200)                  # 08's inversion, as 08 runs it
    assert full["LOAD_PRETRAINED"] is False and full["RUN"] == "09_trained_restorer"


def test_the_unet_maps_28x28_to_28x28_and_its_skips_carry_the_input():
    import keras

    ns = _namespace()
    unet = _function("unet", ns)
    with_skips, without = unet(8), unet(8, skips=False)
    assert with_skips.output_shape[1:] == without.output_shape[1:] == (28, 28, 1)
    concats = [layer for layer in with_skips.layers if isinstance(layer, keras.layers.Concatenate)]
    assert len(concats) == 2 and not [layer for layer in without.layers if isinstance(layer, keras.layers.Concatenate)]
    assert with_skips.inputs[0] in [t for c in concats for t in c.input]      # the input itself reaches the end


def test_the_patch_discriminator_is_conditional_with_18_pixel_patches():
    import tensorflow as tf

    ns = _namespace()
    d = _function("patch_discriminator", ns)(8)
    assert len(d.inputs) == 2 and d.output_shape[1:] == (7, 7, 1)
    candidate = tf.Variable(tf.zeros((1, 28, 28, 1)))
    with tf.GradientTape() as tape:
        verdict = d([tf.zeros((1, 28, 28, 1)), candidate])[0, 3, 3, 0]
    seen = np.argwhere(tape.gradient(verdict, candidate).numpy()[0, :, :, 0] != 0)
    assert np.ptp(seen[:, 0]) + 1 == np.ptp(seen[:, 1]) + 1 == 18


def test_the_written_step_changes_the_networks_as_the_packaged_step_does():
    import keras

    from helpers import repair

    ns = _namespace()
    ns["unet"], ns["patch_discriminator"] = _function("unet", ns), _function("patch_discriminator", ns)
    make_step = _function("make_step", ns)
    rng = np.random.default_rng(95)
    real = rng.uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    damaged = repair.hide(real)
    nets = []
    for _ in range(2):
        keras.utils.set_random_seed(3)
        nets.append((ns["unet"](8), ns["patch_discriminator"](8), keras.optimizers.Adam(1e-3, 0.5),
                     keras.optimizers.Adam(1e-3, 0.5)))
    written, packaged = make_step(*nets[0]), repair.make_restorer_step(*nets[1], l1_weight=100.0)
    for _ in range(3):
        a, b = written(damaged, real), packaged(damaged, real)
        assert all(np.isclose(float(a[k]), float(b[k]), rtol=1e-4) for k in a)
    for w1, w2 in zip(nets[0][0].get_weights(), nets[1][0].get_weights()):
        assert np.allclose(w1, w2, atol=1e-5)


def test_the_notebook_repairs_the_same_digits_as_notebook_08_and_measures_every_method():
    code = "\n".join(notebook_text.cells(NOTEBOOK, "code"))
    assert "x_test[:N_DIGITS]" in code and "repair.add_noise(truth, SEED + 2)" in code   # 08's digits and noise
    for name in ('"mean fill"', '"blur"', '"bicubic"', '"nearest neighbour"', '"inversion"', "fcd=True", "ms=ms",
                 "load_fashion_mnist", "train.save_trained", "runs.record_run", "peak_memory_gb"):
        assert name in code, name


# ---------------------------------------------------------------- the shipped restorers

RESTORERS = [f"restorer_{name}{kind}.keras" for name in ("hole", "noise", "7x7") for kind in ("", "_l1")]


@pytest.mark.parametrize("name", RESTORERS)
def test_a_shipped_restorer_repairs_held_out_digits_better_than_doing_nothing(name):
    import keras

    from helpers import metrics, repair
    from helpers.config import WEIGHTS_DIR
    from helpers.data import load_mnist

    path = WEIGHTS_DIR / name
    if not path.exists():
        pytest.skip(f"{name} is not shipped yet (python scripts/ship.py ~/gan-runs/09_trained_restorer)")
    assert path.stat().st_size < 1_000_000
    (_, _), (x_test, _) = load_mnist(verbose=False)
    truth = metrics.as_tanh_images(x_test[-200:])
    damaged = {"hole": repair.hide(truth), "noise": repair.add_noise(truth, 5),
               "7x7": repair.blocks(np.asarray(repair.downsample(truth)))}[name.split("_")[1].split(".")[0]]
    fixed = np.clip(keras.models.load_model(path)(damaged, training=False).numpy(), -1, 1)
    assert np.mean((fixed - truth) ** 2) < 0.7 * np.mean((damaged - truth) ** 2)
