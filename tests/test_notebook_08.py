"""Notebook 08 (what a generator knows): its words, its parameters, its own code (the inversion run on
a small linear generator whose best latents have a formula), and a verdict of its exercises that needs its own
answer (the others: tests/test_exercises.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import notebook_text
from exercises import ch08, check
from exercises.checker import WRONG

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "08_what_a_generator_knows.ipynb"

NB = notebook_text.Notebook(NOTEBOOK)


# ---------------------------------------------------------------- the text

def test_the_opening_says_which_generator_and_that_nothing_trains():
    opening = NB.main_path()[0]
    assert "`helpers/weights/dcgan_generator.keras`" in opening and "`LOAD_PRETRAINED`" in opening
    assert "nothing here trains" in opening
    assert r"\arg\min_z" in opening and r"\lambda \|z\|^2" in opening


def test_each_repair_is_measured_against_a_baseline_with_the_reader():
    code = "\n".join(NB.cells("code"))
    for baseline in ('"mean fill"', "blur, width", "median, ", '"bicubic"', 'method="bicubic"',
                     '"nearest training digit"'):
        assert baseline in code
    assert code.count("report(") >= 4                    # defined once, used for the three repairs
    assert code.count("choose_lambda(") >= 4             # defined once; each repair's lambda chosen on held-out digits
    assert "features_and_probabilities" in code
    assert "x_test[:N_DIGITS]" in code and "x_test[-N_CHOOSE:]" in code    # scored digits; held-out ones for choices


# ---------------------------------------------------------------- parameters

def _parameters(fast: bool) -> dict:
    return NB.parameters(fast)


def test_fast_mode_inverts_few_digits_for_few_steps():
    fast, full = _parameters(True), _parameters(False)
    for name in ("N_DIGITS", "STARTS", "STEPS", "N_ODD"):
        assert fast[name] < full[name], name
    assert fast["N_DIGITS"] * fast["STARTS"] * fast["STEPS"] <= 10_000
    assert full["STARTS"] >= 8 and full["N_DIGITS"] >= 256 and full["N_ODD"] <= full["N_DIGITS"]
    assert full["GENERATOR"] == Path("weights") / "dcgan_generator.keras"
    assert 28 % full["FACTOR"] == 0 and full["HOLE"] < 28
    for mode in (fast, full):                            # the held-out digits are not among those scored
        assert mode["N_DIGITS"] + mode["N_CHOOSE"] <= 10_000 and 0.0 in mode["LAMBDAS"]


# ---------------------------------------------------------------- the notebook's own code

def _notebook_inversion(generator):
    import keras
    import tensorflow as tf

    namespace = {"np": np, "tf": tf, "keras": keras, "generator": generator, "Z_DIM": ch08.Z_DIM,
                 "LR": 0.05, "LAMBDA": ch08.LAM, "STARTS": 3, "STEPS": 300, "SEED": 0}
    source = NB.code_cell("def invert(")
    return NB.function(source, "invert", namespace), NB.function(source, "best_start", namespace)


def test_the_notebooks_inversion_finds_the_best_latents_of_a_linear_generator():
    """Through a mask, every start reaches z* = (W'MW + lam I)^-1 W'M (y - b), the minimum of the quadratic loss."""
    linear, w, b = ch08._linear_generator()
    invert, best_start = _notebook_inversion(linear)
    _, y, mask = ch08._problem(83, n=4)
    y = y * mask                                      # the notebook measures y = hide(truth)
    z, fit = invert(lambda x: x * mask, y, lam=ch08.LAM)
    assert z.shape == (3, 4, ch08.Z_DIM) and fit.shape == (3, 4)
    best = ch08._best_z(w, b, y, mask, ch08.LAM)
    assert np.abs(z - best[None]).max() < 0.02 * (1 + np.abs(best).max())
    z_free, _ = invert(lambda x: x * mask, y, lam=0.0)
    assert np.linalg.norm(z_free, axis=-1).mean() > np.linalg.norm(z, axis=-1).mean()


def test_best_start_keeps_each_images_smallest_data_fit():
    linear, w, b = ch08._linear_generator()
    _, best_start = _notebook_inversion(linear)
    z = np.random.default_rng(84).normal(size=(3, 5, ch08.Z_DIM)).astype("float32")
    fit = np.array([[3.0, 1, 2, 9, 0], [1, 2, 3, 4, 5], [2, 0.5, 1, 1, 7]])
    z_best, images = best_start(z, fit)
    assert np.array_equal(z_best, z[[1, 2, 2, 2, 0], np.arange(5)])
    assert images.shape == (5, 28, 28, 1)
    assert np.allclose(images.reshape(5, 784), z_best @ w + b, atol=1e-4)


def test_the_notebooks_measurements():
    import tensorflow as tf

    images = np.random.default_rng(85).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    namespace = {"tf": tf, "FACTOR": 4, "np": np}
    downsample = NB.function(NB.code_cell("def downsample("), "downsample", namespace)
    assert np.allclose(downsample(images).numpy(), ch08.downsample(images, 4), atol=1e-6)
    blur = NB.function(NB.code_cell("def blur("), "blur", namespace)
    flat = np.full((2, 28, 28, 1), 0.3, "float32")
    assert np.allclose(blur(flat, 1.0), flat, atol=1e-6)          # weights sum to 1, edges mirrored
    assert blur(images, 1.0).std() < images.std()


# ---------------------------------------------------------------- the exercises

def test_a_gradient_cut_off_from_z_is_named():
    def loss_stopped(generator, z, y, mask, lam):
        import tensorflow as tf

        fit = tf.reduce_sum(mask * tf.square(generator(tf.stop_gradient(z), training=False) - y), axis=[1, 2, 3])
        return fit + lam * tf.reduce_sum(tf.square(z), axis=1)

    verdict = check("08.inversion_loss", loss_stopped)
    assert verdict.status == WRONG and "gradient with respect to z is not the formula's" in verdict.message
