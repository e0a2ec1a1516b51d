"""Notebook 08 (what a generator knows): its words, its figures, its parameters, its own code (the inversion run on
a small linear generator whose best latents have a formula), and the verdicts of its exercises."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest

import exercise_cases_ch08 as cases
import notebook_text
from exercises import ch08, check
from exercises.checker import CORRECT, EXERCISES, WRONG

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "08_what_a_generator_knows.ipynb"
SOLUTIONS = ROOT / "notebooks" / "solutions" / "08_what_a_generator_knows_solutions.ipynb"
HEADING = "# 08 · What a generator knows"
MAX_WORDS = 1500


_cells = notebook_text.cells
_prose = notebook_text.prose


def _main_path() -> list[str]:
    return notebook_text.main_path(NOTEBOOK)


def _code_cell(defining: str) -> str:
    return notebook_text.code_cell(NOTEBOOK, defining)


def _function(source: str, name: str, namespace: dict):
    return notebook_text.function(NOTEBOOK, source, name, namespace)



# ---------------------------------------------------------------- the text

def test_heading_uses_the_title_of_the_navigation():
    assert _cells(NOTEBOOK, "markdown")[0].split("\n")[0] == HEADING
    assert "08 What a generator knows" in _cells(SOLUTIONS, "markdown")[0]


def test_main_path_is_at_most_1500_words():
    words = sum(len(re.findall(r"\S+", _prose(text))) for text in _main_path())
    assert words <= MAX_WORDS, f"{words} words before the summary"


def test_the_opening_says_which_generator_and_that_nothing_trains():
    opening = _main_path()[0]
    assert "`helpers/weights/dcgan_generator.keras`" in opening and "`LOAD_PRETRAINED`" in opening
    assert "nothing here trains" in opening
    assert r"\arg\min_z" in opening and r"\lambda \|z\|^2" in opening


TERMS = {  # a term, and the bold words that define it: the first use of the term must be that definition
    "measurement": "**measurement**", "gan inversion": "**gan inversion**", "data fit": "**data fit**",
    "prior": "**prior**", "test digit": "**test digits**", "digit reader": "**digit reader**",
    "confidence": "**confidence**", "mean squared error": "**mean squared error**", "baseline": "**baseline**",
    "gaussian blur": "**gaussian blur**", "bicubic": "**bicubic upsampling**", "range": "**range**",
}


def test_every_term_is_defined_at_its_first_use():
    """Headings and the list of what you will learn announce terms; the text defines each at its first use."""
    text = "\n".join(_prose(t) for t in _main_path())
    text = re.sub(r"\*\*What you will learn\*\*\n(?:\d\..*\n(?: {3}.*\n)*)+", "", text)
    text = "\n".join(line for line in text.split("\n") if not line.startswith("#")).lower()
    text = re.sub(r"\s+", " ", text)
    for term, definition in TERMS.items():
        first, defined = text.find(term), text.find(definition)
        assert defined >= 0, f"{definition} is missing"
        assert defined <= first <= defined + len(definition), f"{term!r} is used before it is defined"


@pytest.mark.parametrize("phrase", [
    r"\bearlier\b", r"\bsecond run\b", r"\btwo runs\b", r"\bshipped one\b", r"\bfirst design\b",
    r"\bwe measured\b", r"reference machine", r"\bprevious run\b", r"\bwas \d", r"\bthis time\b", r"\bgoal\b",
    r"\bwe tried\b",
])
def test_no_development_history(phrase):
    for path in (NOTEBOOK, SOLUTIONS):
        for text in _cells(path, "markdown"):
            assert not re.search(phrase, text, re.IGNORECASE), f"{path.name}: {phrase} in {text[:200]}"


def test_each_repair_is_measured_against_a_baseline_with_the_reader():
    code = "\n".join(_cells(NOTEBOOK, "code"))
    for baseline in ('"mean fill"', "blur, width", '"bicubic"', 'method="bicubic"'):
        assert baseline in code
    assert code.count("report(") >= 4                    # defined once, used for the three repairs
    assert "features_and_probabilities" in code
    assert "x_test[:N_DIGITS]" in code and "x_test[-N_DIGITS:]" in code    # held-out digits; others for the blur


# ---------------------------------------------------------------- figures and parameters

def _number(node) -> float | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) else None


def test_every_image_grid_is_legible_at_the_notebook_width():
    """At most 8 columns, each at least 0.9 inch wide, and no figure wider than 9.5 inches."""
    grids = 0
    for src in _cells(NOTEBOOK, "code"):
        for node in ast.walk(ast.parse(src)):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            keywords = {k.arg: k.value for k in node.keywords}
            if name == "image_grid":
                grids += 1
                ncols, size = _number(keywords.get("ncols")), _number(keywords.get("size"))
                if ncols is None and isinstance(keywords.get("ncols"), ast.Name):    # show(): ncols=n, n <= 8
                    ncols = 8
                assert ncols is not None and ncols <= 8 and size is not None and size >= 0.9, ast.unparse(node)
                assert ncols * size <= 9.5, ast.unparse(node)
            if name == "subplots" and "figsize" in keywords:
                width = _number(keywords["figsize"].elts[0])
                cols = _number(node.args[1]) if len(node.args) > 1 else 1
                assert width <= 9.5 and width / cols >= 0.9, ast.unparse(node)
    assert grids >= 2


def _parameters(fast: bool) -> dict:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    namespace = {"FAST": fast, "WEIGHTS_DIR": Path("weights")}
    exec("".join(cell["source"]), namespace)  # noqa: S102
    return namespace


def test_fast_mode_inverts_few_digits_for_few_steps():
    fast, full = _parameters(True), _parameters(False)
    for name in ("N_DIGITS", "STARTS", "STEPS", "N_ODD"):
        assert fast[name] < full[name], name
    assert fast["N_DIGITS"] * fast["STARTS"] * fast["STEPS"] <= 10_000
    assert full["STARTS"] >= 8 and full["N_DIGITS"] >= 256 and full["N_ODD"] <= full["N_DIGITS"]
    assert full["GENERATOR"] == Path("weights") / "dcgan_generator.keras"
    assert 28 % full["FACTOR"] == 0 and full["HOLE"] < 28


# ---------------------------------------------------------------- the notebook's own code

def _notebook_inversion(generator):
    import keras
    import tensorflow as tf

    namespace = {"np": np, "tf": tf, "keras": keras, "generator": generator, "Z_DIM": ch08.Z_DIM,
                 "LR": 0.05, "LAMBDA": ch08.LAM, "STARTS": 3, "STEPS": 300, "SEED": 0}
    source = _code_cell("def invert(")
    return _function(source, "invert", namespace), _function(source, "best_start", namespace)


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
    downsample = _function(_code_cell("def downsample("), "downsample", namespace)
    assert np.allclose(downsample(images).numpy(), ch08.downsample(images, 4), atol=1e-6)
    blur = _function(_code_cell("def blur("), "blur", namespace)
    flat = np.full((2, 28, 28, 1), 0.3, "float32")
    assert np.allclose(blur(flat, 1.0), flat, atol=1e-6)          # weights sum to 1, edges mirrored
    assert blur(images, 1.0).std() < images.std()


# ---------------------------------------------------------------- the exercises

def test_every_exercise_of_the_chapter_is_asked_and_solved():
    names = sorted(n for n in EXERCISES if n.startswith("08."))
    assert names == ["08.downsample", "08.inversion_loss", "08.invert"]
    notebook_text.assert_exercises_asked_and_solved(NOTEBOOK, SOLUTIONS, names)


def test_solutions_open_with_the_chapters_first_code_cell():
    notebook_text.assert_opens_like_a_chapter(SOLUTIONS)


@pytest.mark.parametrize("name, answer", [(n, a) for n, answers in cases.CORRECT_VARIANTS.items() for a in answers])
def test_other_correct_answers_pass(name, answer):
    verdict = check(name, answer)
    assert verdict.status == CORRECT, str(verdict)


@pytest.mark.parametrize("answer, says", [
    (cases.loss_no_mask, "multiply the squared differences by the mask"),
    (cases.loss_no_prior, "no prior term"),
    (cases.loss_length_prior, "the length of z"),
    (cases.loss_mean, "a mean over the pixels"),
    (cases.loss_mask_only_g, "multiplies G(z) but not y"),
    (cases.loss_training_mode, "training=False"),
    (cases.loss_batch_sum, "summed over the batch"),
    (cases.loss_numpy, "not a TensorFlow tensor"),
])
def test_inversion_loss_verdicts_say_what_the_code_did(answer, says):
    verdict = check("08.inversion_loss", answer)
    assert verdict.status == WRONG and says in verdict.message, verdict.message


@pytest.mark.parametrize("answer, says", [
    (cases.invert_without_prior, "without the prior"),
    (cases.invert_ignoring_mask, "ignores the mask"),
    (cases.invert_ascending, "climbing the loss"),
    (cases.invert_training_mode, "differ from them by up to"),
    (cases.invert_few_steps, "`steps` Adam steps"),
    (cases.invert_in_place, "changed its input `y`"),
])
def test_invert_verdicts_say_what_the_code_did(answer, says):
    verdict = check("08.invert", answer)
    assert verdict.status == WRONG and says in verdict.message, verdict.message


def test_a_gradient_cut_off_from_z_is_named():
    def loss_stopped(generator, z, y, mask, lam):
        import tensorflow as tf

        fit = tf.reduce_sum(mask * tf.square(generator(tf.stop_gradient(z), training=False) - y), axis=[1, 2, 3])
        return fit + lam * tf.reduce_sum(tf.square(z), axis=1)

    verdict = check("08.inversion_loss", loss_stopped)
    assert verdict.status == WRONG and "gradient with respect to z is not the formula's" in verdict.message
