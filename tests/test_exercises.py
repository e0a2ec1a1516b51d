"""Every exercise check passes its reference solution and rejects plausible mistakes, with a verdict."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import layers, metrics, toy, train
from helpers.data import to_tanh_range
from helpers.exercises import CORRECT, EXERCISES, NOT_ATTEMPTED, WRONG, check, _register_all

_register_all()

REFERENCES = {
    "01.optimal_discriminator": toy.optimal_discriminator,
    "01.value": toy.value,
    "01.non_saturating_loss": toy.non_saturating_loss,
    "01.jsd": toy.jsd,
    "02.discriminator_loss": lambda r, f, y: float(train.discriminator_loss(r, f, y)),
    "02.generator_loss": lambda f: float(train.generator_loss(f)),
    "02.to_tanh_range": to_tanh_range,
    "03.conv_output_size": layers.conv_output_size,
    "03.conv_transpose_output_size": layers.conv_transpose_output_size,
    "03.transpose_overlaps": layers.transpose_overlaps,
    "03.ema_update": layers.ema_update,
    "04.one_hot": layers.one_hot,
    "04.embed": lambda labels, table: np.take(table, labels, axis=0),
    "04.per_class_agreement": layers.per_class_agreement,
    "05.wasserstein_samples": train.wasserstein_samples,
    "05.interpolate": train.interpolate,
    "05.critic_loss": lambda r, f: np.mean(f) - np.mean(r),
    "06.spearman": metrics.spearman,
    "06.top_k": metrics.top_k,
    "06.normalize_maps": metrics.normalize_maps,
}


def _bce(y, logit):
    """Binary cross-entropy of a logit against target y, in numpy."""
    return np.maximum(logit, 0) - logit * y + np.log1p(np.exp(-np.abs(logit)))


def _sigmoid(logit):
    return 1 / (1 + np.exp(-logit))

MISTAKES = {
    "01.optimal_discriminator": [
        lambda p_data, p_g: p_g / (p_data + p_g),                    # the fakes' share instead of the data's
        lambda p_data, p_g: p_data / p_g,                            # a ratio, not a probability
        lambda p_data, p_g: np.round(p_data / (p_data + p_g)),       # a hard decision
    ],
    "01.value": [
        lambda d_real, d_fake: np.mean(np.log(d_real)) + np.mean(np.log(d_fake)),      # log D(G(z))
        lambda d_real, d_fake: -(np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake))),  # the BCE, sign flipped
        lambda d_real, d_fake: np.mean(np.log(d_real) + np.log(1 - d_fake)) / 2,       # halved
    ],
    "01.non_saturating_loss": [
        lambda d_fake: np.mean(np.log(1 - d_fake)),                  # the saturating loss
        lambda d_fake: np.mean(np.log(d_fake)),                      # the sign forgotten
        lambda d_fake: -np.sum(np.log(d_fake)),                      # a sum, not a mean
    ],
    "01.jsd": [
        lambda p, q, x: np.trapezoid(p * np.log(p / ((p + q) / 2)), x),                 # one KL term only
        lambda p, q, x: np.trapezoid(p * np.log(p / q), x),                             # KL(p || q)
        lambda p, q, x: np.trapezoid(p * np.log2(2 * p / (p + q)) + q * np.log2(2 * q / (p + q)), x) / 2,  # bits
    ],
    "02.discriminator_loss": [
        lambda r, f, y: np.mean(_bce(1.0, r)) + np.mean(_bce(0.0, f)),        # smoothing ignored
        lambda r, f, y: np.mean(_bce(y, r)) + np.mean(_bce(1 - y, f)),        # two-sided smoothing
        lambda r, f, y: np.mean(_bce(y, _sigmoid(r))) + np.mean(_bce(0.0, _sigmoid(f))),  # sigmoid applied twice
    ],
    "02.generator_loss": [
        lambda f: np.mean(_bce(0.0, f)),                                      # the label 'fake'
        lambda f: -np.mean(_bce(0.0, f)),                                     # the saturating loss
        lambda f: np.mean(_bce(1.0, _sigmoid(f))),                            # probabilities passed as logits
    ],
    "02.to_tanh_range": [
        lambda x: (x / 255.0)[..., None],                                     # [0, 1] instead of [-1, 1]
        lambda x: x / 127.5 - 1,                                              # no channel axis
        lambda x: ((x - 127) // 128)[..., None],                              # integer division
    ],
    "03.conv_output_size": [
        lambda n, k, s, p: n // s,                                             # floor, padding ignored
        lambda n, k, s, p: -(-n // s) if p == "same" else (n - k) // s,        # the +1 forgotten
        lambda n, k, s, p: (n - k) // s + 1,                                   # 'valid' for both
    ],
    "03.conv_transpose_output_size": [
        lambda n, k, s, p: n * s,                                              # 'same' for both
        lambda n, k, s, p: n * s if p == "same" else n * s + k,                # off by stride
        lambda n, k, s, p: n * s if p == "same" else (n - 1) * s + k - 1,      # off by one
    ],
    "03.transpose_overlaps": [
        lambda n, k, s: np.convolve(np.ones(n), np.ones(k)).astype(int),        # stride forgotten
        lambda n, k, s: np.full((n - 1) * s + k, k // s),                      # the average, not the pattern
        lambda n, k, s: np.add.reduceat(np.ones(n * s), np.arange(0, n * s, s)),  # the wrong length
    ],
    "03.ema_update": [
        lambda a, w, d: (1 - d) * a + d * w,                                   # the weights dominate
        lambda a, w, d: d * a + w,                                             # no (1 - decay)
        lambda a, w, d: (a + w) / 2,                                           # a plain mean
    ],
    "04.one_hot": [
        lambda y, n: np.eye(n)[y][:, ::-1],                                    # columns reversed
        lambda y, n: np.eye(n + 1)[y],                                         # one column too many
        lambda y, n: np.asarray(y)[:, None] / (n - 1) * np.ones((1, n)),       # a scaled label, not one-hot
    ],
    "04.embed": [
        lambda y, t: t[:len(y)],                                               # the first rows, not the labels'
        lambda y, t: t[np.asarray(y) - 1],                                     # off by one row
        lambda y, t: t[y].sum(axis=0, keepdims=True),                          # the rows summed
    ],
    "04.per_class_agreement": [
        lambda a, r: np.full(10, np.mean(np.asarray(a) == np.asarray(r))),    # overall, not per class
        lambda a, r: np.bincount(np.asarray(r), minlength=10) / len(r),         # shares read, not agreement
        lambda a, r: np.array([np.mean(np.asarray(a)[np.asarray(r) == c] == c) for c in range(10)]) * 0.5,  # halved
    ],
    "05.wasserstein_samples": [
        lambda a, b: float(np.mean(np.abs(np.asarray(a) - np.asarray(b)))),    # unsorted: a worse plan
        lambda a, b: float(abs(np.mean(a) - np.mean(b))),                      # the difference of means
        lambda a, b: float(np.mean((np.sort(a) - np.sort(b)) ** 2)),           # squared (that is W2 squared)
    ],
    "05.interpolate": [
        lambda r, f, a: np.mean(a) * np.asarray(r) + (1 - np.mean(a)) * np.asarray(f),  # one weight per batch
        lambda r, f, a: np.asarray(a).reshape((-1,) + (1,) * (np.ndim(r) - 1)) * np.asarray(f)
        + (1 - np.asarray(a).reshape((-1,) + (1,) * (np.ndim(r) - 1))) * np.asarray(r),  # real and fake swapped
        lambda r, f, a: (np.asarray(r) + np.asarray(f)) / 2,                   # always the midpoint
    ],
    "05.critic_loss": [
        lambda r, f: np.mean(r) - np.mean(f),                                  # the sign flipped
        lambda r, f: -np.mean(np.log(1 / (1 + np.exp(-np.asarray(r))))),      # a GAN's cross-entropy
        lambda r, f: np.mean(f) + np.mean(r),                                  # a sum
    ],
    "06.spearman": [
        lambda a, b: float(np.corrcoef(a, b)[0, 1]),                           # Pearson on the values
        lambda a, b: float(np.corrcoef(np.argsort(a), np.argsort(b))[0, 1]),   # argsort once: not ranks
        lambda a, b: float(np.mean(np.sign(a - np.mean(a)) == np.sign(b - np.mean(b)))),  # sign agreement
    ],
    "06.top_k": [
        lambda s, k: np.argsort(s)[:k],                                        # the k smallest
        lambda s, k: np.argsort(s)[-k:],                                       # largest, but last first
        lambda s, k: np.sort(s)[::-1][:k],                                     # the scores, not their indices
    ],
    "06.normalize_maps": [
        lambda m: np.abs(m) / np.abs(m).max(),                                 # one maximum for all maps
        lambda m: m / np.maximum(np.abs(m).max(axis=(1, 2), keepdims=True), 1e-12),  # the sign kept
        lambda m: (np.abs(m) - np.abs(m).mean()) / np.abs(m).std(),            # standardized, not scaled
    ],
}


def test_every_registered_exercise_is_tested_here():
    assert set(EXERCISES) == set(REFERENCES) == set(MISTAKES)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_reference_solution_passes(name):
    verdict = check(name, REFERENCES[name])
    assert verdict.status == CORRECT and verdict.passed, str(verdict)


@pytest.mark.parametrize("name, index", [(n, i) for n in sorted(MISTAKES) for i in range(len(MISTAKES[n]))])
def test_plausible_mistake_is_rejected_with_a_hint(name, index):
    verdict = check(name, MISTAKES[name][index])
    assert verdict.status == WRONG and not verdict
    assert "Hint:" in str(verdict)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_unattempted_exercise_says_so_without_error(name):
    def blank(*args):
        ...
    assert check(name, blank).status == NOT_ATTEMPTED
    assert check(name, None).status == NOT_ATTEMPTED


def test_not_implemented_counts_as_not_attempted():
    def stub(p_data, p_g):
        raise NotImplementedError
    assert check("01.optimal_discriminator", stub).status == NOT_ATTEMPTED


def test_a_crashing_answer_gets_a_verdict_not_a_traceback():
    verdict = check("01.value", lambda d_real, d_fake: d_real.undefined_attribute)
    assert verdict.status == WRONG and "AttributeError" in str(verdict)


def test_shape_and_dtype_are_checked_first():
    verdict = check("01.optimal_discriminator", lambda p, q: (p / (p + q))[:, None])
    assert verdict.status == WRONG and "shape" in verdict.message
    verdict = check("01.optimal_discriminator", lambda p, q: (p // (p + q)).astype(int))
    assert verdict.status == WRONG and "integer" in verdict.message
    verdict = check("01.value", lambda d_real, d_fake: "about -1.4")
    assert verdict.status == WRONG and "str" in verdict.message


def test_tensorflow_answers_are_accepted():
    import tensorflow as tf
    verdict = check("01.non_saturating_loss", lambda d: -tf.reduce_mean(tf.math.log(tf.constant(d))))
    assert verdict.passed


def test_passing_the_result_instead_of_the_function_is_explained():
    verdict = check("01.value", 0.5)
    assert verdict.status == WRONG and "without calling it" in verdict.message


def test_unknown_exercise_lists_the_known_ones():
    verdict = check("01.no_such_exercise", toy.value)
    assert verdict.status == WRONG and "01.value" in verdict.message
