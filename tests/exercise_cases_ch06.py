"""Notebook 06's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py and tests/test_notebook_06.py)."""

from __future__ import annotations

import numpy as np

from exercises import ch06
from helpers import metrics


# ---------------------------------------------------------------- saliency: a correct answer and wrong ones

def _gradient(discriminator, images, training=False):
    import tensorflow as tf

    x = tf.constant(np.asarray(images, "float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        logit = discriminator(x, training=training)
    return tape.gradient(logit, x).numpy()[..., 0]


def saliency_student(discriminator, images):
    """Correct, written the way the hints lead to it."""
    g = np.abs(_gradient(discriminator, images))
    return g / g.max(axis=(1, 2), keepdims=True)


def saliency_signed(discriminator, images):
    # the signed gradient, scaled by its largest size: negative where the logit falls
    g = _gradient(discriminator, images)
    return g / np.abs(g).max(axis=(1, 2), keepdims=True)


def saliency_one_maximum(discriminator, images):
    # every map divided by the largest value of the whole batch
    g = np.abs(_gradient(discriminator, images))
    return g / g.max()


def saliency_not_normalized(discriminator, images):
    # |gradient|, but never scaled
    return np.abs(_gradient(discriminator, images))


def saliency_of_the_weights(discriminator, images):
    # the gradient with respect to the first layer's weights, reshaped into "maps"
    import tensorflow as tf

    with tf.GradientTape() as tape:
        logit = discriminator(tf.constant(np.asarray(images, "float32")), training=False)
    g = np.abs(tape.gradient(logit, discriminator.trainable_variables[0]).numpy())
    g = g.reshape(-1, 28, 28)
    return g / g.max(axis=(1, 2), keepdims=True)


def saliency_in_training_mode(discriminator, images):
    # the discriminator called in training mode: batch normalization uses the batch's statistics
    g = np.abs(_gradient(discriminator, images, training=True))
    return g / g.max(axis=(1, 2), keepdims=True)


# ---------------------------------------------------------------- score climb: a correct answer and wrong ones

def _climb(discriminator, images, steps, lr, direction=1.0, clip=True, sign=False, step_count=None, mean=False,
           training=False, clip_at_end=False, fixed=False, unit=False, sigmoid=False, fixed_lr=None):
    import tensorflow as tf

    x = tf.Variable(np.asarray(images, "float32"))
    first = None
    for _ in range(steps if step_count is None else step_count):
        with tf.GradientTape() as tape:
            logit = discriminator(x, training=training)
            logit = tf.sigmoid(logit) if sigmoid else logit
            total = tf.reduce_mean(logit) if mean else tf.reduce_sum(logit)
        g = tape.gradient(total, x)
        if fixed:
            first = g if first is None else first
            g = first
        if unit:
            g = g / tf.norm(tf.reshape(g, (len(images), -1)), axis=1)[:, None, None, None]
        x.assign_add(direction * (lr if fixed_lr is None else fixed_lr) * (tf.sign(g) if sign else g))
        if clip and not clip_at_end:
            x.assign(tf.clip_by_value(x, -1.0, 1.0))
    return np.clip(x.numpy(), -1, 1) if clip_at_end else x.numpy()


def climb_student(discriminator, images, steps, lr):
    """Correct: the sum of the logits, so that each image gets the gradient of its own logit."""
    return _climb(discriminator, images, steps, lr)


def climb_numpy_loop(discriminator, images, steps, lr):
    """Correct: a NumPy copy updated in a loop, the gradient of each logit taken through a watched constant."""
    import tensorflow as tf

    x = np.array(images, dtype=np.float32)
    for _ in range(steps):
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            logits = discriminator(xt, training=False)
        x = np.clip(x + lr * tape.gradient(logits, xt).numpy(), -1.0, 1.0)
    return x


def climb_descending(discriminator, images, steps, lr):
    # minus the gradient, as in training: the logit falls
    return _climb(discriminator, images, steps, lr, direction=-1.0)


def climb_without_clipping(discriminator, images, steps, lr):
    # never clipped: pixels leave [-1, 1]
    return _climb(discriminator, images, steps, lr, clip=False)


def climb_signed(discriminator, images, steps, lr):
    # the sign of the gradient (a fast-gradient-sign step), not the gradient
    return _climb(discriminator, images, steps, lr, sign=True)


def climb_one_step(discriminator, images, steps, lr):
    # one step, whatever `steps` says
    return _climb(discriminator, images, steps, lr, step_count=1)


def climb_in_place(discriminator, images, steps, lr):
    # right steps, but on the caller's own array
    import tensorflow as tf

    for _ in range(steps):
        x = tf.constant(images)
        with tf.GradientTape() as tape:
            tape.watch(x)
            logit = tf.reduce_sum(discriminator(x, training=False))
        images += lr * tape.gradient(logit, x).numpy()
        np.clip(images, -1.0, 1.0, out=images)
    return images


REFERENCES = {
    "06.top_k": metrics.top_k,
    "06.spearman": metrics.spearman,
    "06.saliency": ch06.saliency,
    "06.score_climb": ch06.score_climb,
}

MISTAKES = {
    "06.top_k": [
        lambda s, k: np.argpartition(-np.asarray(s), k)[:k],                   # the k largest, not in order
        lambda s, k: np.argpartition(np.asarray(s), -k)[-k:][::-1],            # the same, from the other end
        lambda s, k: np.argsort(s)[:k],                                        # the k smallest
        lambda s, k: np.argsort(s)[-k:],                                       # largest, but last first
        lambda s, k: np.sort(s)[::-1][:k],                                     # the scores, not their indices
    ],
    "06.spearman": [
        lambda a, b: float(np.corrcoef(a, b)[0, 1]),                           # Pearson on the values
        lambda a, b: float(np.corrcoef(np.argsort(a), np.argsort(b))[0, 1]),   # argsort once: not ranks
        lambda a, b: float(np.mean(np.sign(a - np.mean(a)) == np.sign(b - np.mean(b)))),  # sign agreement
    ],
    "06.saliency": [
        saliency_signed,             # the signed gradient
        saliency_one_maximum,        # one maximum for all maps
        saliency_not_normalized,     # |gradient| never scaled
        saliency_of_the_weights,     # the gradient with respect to the weights
        saliency_in_training_mode,   # discriminator(x, training=True)
    ],
    "06.score_climb": [
        climb_descending,            # descending instead of ascending
        climb_without_clipping,      # no clipping
        climb_signed,                # the sign of the gradient
        climb_one_step,              # ignores `steps`
        climb_in_place,              # changes the input array in place
        lambda d, x, s, lr: _climb(d, x, s, lr, mean=True),              # the mean logit: steps N times too small
        lambda d, x, s, lr: _climb(d, x, s, lr, clip_at_end=True),       # clipped once, at the end
        lambda d, x, s, lr: _climb(d, x, s, lr, fixed=True),             # the gradient computed once
        lambda d, x, s, lr: _climb(d, x, s, lr, unit=True),              # a unit-length step
        lambda d, x, s, lr: _climb(d, x, s, lr, fixed_lr=0.05),          # lr hard-coded
        lambda d, x, s, lr: _climb(d, x, s + 1, lr),                     # range(steps + 1)
        lambda d, x, s, lr: _climb(d, x, s, lr, training=True),          # D in training mode (its statistics move)
        lambda d, x, s, lr: _climb(d, x, s, lr, sigmoid=True),           # climbing sigmoid(logit)
    ],
}

ACCEPTED = {   # other right answers the checks must accept (tests/test_exercises.py)
    "06.saliency": [saliency_student],
    "06.score_climb": [climb_student, climb_numpy_loop],
}

VERDICTS = {   # a wrong answer, and what its verdict must say it did (tests/test_exercises.py)
    "06.saliency": [
        (saliency_signed, "negative values"),
        (saliency_one_maximum, "one maximum for the whole batch"),
        (saliency_not_normalized, "your maps are not normalized: the largest value of map 0 is"),
        (saliency_of_the_weights, "one 28x28 map per image"),
        (saliency_in_training_mode, "training=False"),
    ],
    "06.score_climb": [
        (climb_descending, "are you descending instead of climbing?"),
        (climb_without_clipping, "your images leave [-1, 1]"),
        (climb_signed, "sign of the gradient"),
        (climb_one_step, "`steps` steps"),
        (climb_in_place, "changed the `images` it was given"),
    ],
}
