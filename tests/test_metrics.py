"""The offline digit-quality measure: the shipped classifier, FCD, class coverage and confidence."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import metrics
from helpers.data import load_mnist


@pytest.fixture(scope="module")
def mnist():
    return load_mnist(verbose=False)


def test_shipped_classifier_is_small_and_accurate(mnist):
    (_, _), (x_test, y_test) = mnist
    assert metrics.CLASSIFIER_PATH.stat().st_size <= 1_000_000
    _, probs = metrics.features_and_probabilities(x_test)
    assert np.mean(probs.argmax(axis=1) == y_test) >= 0.99


def test_real_digits_score_near_their_reference(mnist):
    (x_train, _), _ = mnist
    scores = metrics.evaluate(x_train[:2000])
    assert scores["fcd"] < 3.0  # reference: 0.65 for 10,000 train digits
    assert scores["classes_covered"] == 10 and scores["mean_confidence"] > 0.95


def test_noise_scores_far_from_real_digits():
    noise = np.random.default_rng(0).integers(0, 256, (1000, 28, 28), dtype=np.uint8)
    assert metrics.fcd(noise) > 100


def test_one_repeated_digit_shows_one_class(mnist):
    (x_train, y_train), _ = mnist
    scores = metrics.evaluate(np.repeat(x_train[:1], 500, axis=0))
    assert scores["classes_covered"] == 1
    assert scores["class_shares"][y_train[0]] == 1.0
    assert scores["fcd"] > 100


def test_tanh_and_uint8_inputs_give_the_same_scores(mnist):
    (x_train, _), _ = mnist
    x = x_train[:300]
    assert metrics.fcd(x) == pytest.approx(metrics.fcd(x.astype(np.float32)[..., None] / 127.5 - 1), rel=1e-4)


def test_frechet_distance_of_known_gaussians():
    mu, cov = np.zeros(3), np.eye(3)
    assert metrics.frechet_distance(mu, cov, mu, cov) == pytest.approx(0.0, abs=1e-9)
    assert metrics.frechet_distance(mu, cov, mu + 2, 4 * np.eye(3)) == pytest.approx(12 + 3 * (1 + 4 - 4))


@pytest.mark.parametrize("bad, message", [
    (np.zeros((10, 32, 32)), "shape"),
    (np.full((200, 28, 28), 5.0, dtype=np.float32), r"\[-1, 1\]"),
])
def test_bad_input_gets_a_clear_message(bad, message):
    with pytest.raises(ValueError, match=message):
        metrics.evaluate(bad)


def test_too_few_images_for_fcd_is_explained():
    with pytest.raises(ValueError, match="at least 100"):
        metrics.fcd(np.zeros((10, 28, 28), dtype=np.uint8))
