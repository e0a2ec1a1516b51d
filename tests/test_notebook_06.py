"""Notebook 06 (the discriminator as a judge): its words, its parameters, its own code, a reference of its
exercises and the numbers one verdict reports (what every verdict must say: tests/test_exercises.py)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import exercise_cases_ch06 as cases
import notebook_text
from exercises import ch06, check

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "06_critics_eye.ipynb"
SOLUTIONS = ROOT / "notebooks" / "solutions" / "06_critics_eye_solutions.ipynb"

NB = notebook_text.Notebook(NOTEBOOK)
SOLUTIONS_NB = notebook_text.Notebook(SOLUTIONS)


# ---------------------------------------------------------------- the text

def test_the_discriminator_is_never_called_the_critic():
    """Notebook 05 keeps the word for the WGAN's critic; here it is the discriminator, in prose and in code."""
    for nb in (NB, SOLUTIONS_NB):
        for text in nb.cells("markdown") + nb.cells("code"):
            text = text.replace("critics_eye", "")                        # the file's name, in links
            assert not re.search(r"critic", text, re.IGNORECASE), f"{nb.path.name}: {text[:200]}"


def test_the_logit_is_defined_as_log_odds_and_log_density_ratio():
    idea = NB.main_path()[0]
    assert "**logit**" in idea and "**log-odds**" in idea
    assert r"\log p_\text{data}(x) - \log p_g(x)" in idea


def test_no_memory_report_on_the_main_path():
    assert not any("peak_memory" in src for src in NB.cells("code"))


# ---------------------------------------------------------------- parameters

def _parameters(fast: bool) -> dict:
    return NB.parameters(fast)


def test_fast_mode_trains_the_young_generators_for_few_steps():
    fast, full = _parameters(True), _parameters(False)
    assert fast["EARLY_STEPS"][0] == full["EARLY_STEPS"][0] == 0
    assert max(fast["EARLY_STEPS"]) <= 60 < max(full["EARLY_STEPS"])
    assert fast["N_TEST"] < full["N_TEST"] and fast["ASCENT_STEPS"] < full["ASCENT_STEPS"]


# ---------------------------------------------------------------- the notebook's own code

def test_the_notebooks_saliency_is_the_exercises_reference():
    import tensorflow as tf

    from helpers import metrics

    small = ch06._small_discriminator()
    namespace = {"np": np, "tf": tf, "metrics": metrics, "discriminator": small}
    saliency = NB.function(NB.code_cell("def saliency("), "saliency", namespace)
    images = np.random.default_rng(0).uniform(-1, 1, (5, 28, 28, 1)).astype("float32")
    assert np.allclose(saliency(images), ch06.saliency(small, images), atol=1e-5)


def test_the_notebooks_climb_raises_the_logit_and_keeps_pixels_in_range():
    import keras
    import tensorflow as tf

    linear, w = ch06._linear_discriminator()
    namespace = {"np": np, "tf": tf, "keras": keras, "discriminator": linear}
    climb = NB.function(NB.code_cell("def climb("), "climb", namespace)
    start = np.random.default_rng(1).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    before, after = climb(lambda v: tf.clip_by_value(v, -1, 1), tf.Variable(start), 20, 0.01)
    assert np.array_equal(before, start) and after.min() >= -1 and after.max() <= 1
    logits = lambda x: linear(x, training=False).numpy().mean()  # noqa: E731
    assert logits(after) > logits(before)


# ---------------------------------------------------------------- the exercises

def test_the_saliency_of_a_linear_discriminator_is_its_weights():
    linear, w = ch06._linear_discriminator()
    images = np.random.default_rng(2).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    maps = ch06.saliency(linear, images)
    assert maps.shape == (3, 28, 28)
    assert np.allclose(maps, np.abs(w).reshape(28, 28) / np.abs(w).max(), atol=1e-6)


def test_a_descending_climb_is_told_the_logits_before_and_after():
    message = check("06.score_climb", cases.climb_descending).message
    before, after = (float(v) for v in re.search(r"fall from (\S+) to (\S+):", message).groups())
    assert after < before
