"""Notebook 08's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np

from exercises import ch08


# ---------------------------------------------------------------- downsample

def downsample_student(images, factor):
    """Correct, with TensorFlow's average pooling."""
    import tensorflow as tf

    return tf.nn.avg_pool2d(np.asarray(images, "float64"), factor, factor, "VALID").numpy()


def downsample_strided(images, factor):
    # every factor-th pixel: no averaging
    return np.asarray(images)[:, ::factor, ::factor]


def downsample_max(images, factor):
    # the largest pixel of each block
    n, h, w, c = np.shape(images)
    return np.asarray(images).reshape(n, h // factor, factor, w // factor, factor, c).max(axis=(2, 4))


def downsample_sum(images, factor):
    # the sum of each block, not its mean
    n, h, w, c = np.shape(images)
    return np.asarray(images).reshape(n, h // factor, factor, w // factor, factor, c).sum(axis=(2, 4))


def downsample_wrong_reshape(images, factor):
    # the block axes in the wrong order: averages pixels that lie 28/factor apart
    n, h, w, c = np.shape(images)
    return np.asarray(images).reshape(n, factor, h // factor, factor, w // factor, c).mean(axis=(1, 3))


# ---------------------------------------------------------------- the inversion loss

def _loss(generator, z, y, mask, lam, training=False, masked=True, squared_prior=True, mean=False, mask_g=False):
    import tensorflow as tf

    g = generator(z, training=training)
    if mask_g:
        diff = mask * g - y
    else:
        diff = (mask if masked else 1.0) * (g - y)
    fit = (tf.reduce_mean if mean else tf.reduce_sum)(tf.square(diff), axis=[1, 2, 3])
    prior = tf.reduce_sum(tf.square(z), axis=1) if squared_prior else tf.norm(z, axis=1)
    return fit + lam * prior


def loss_student(generator, z, y, mask, lam):
    """Correct: the mask applied to the squared difference, written with different operations."""
    import tensorflow as tf

    sq = (generator(z, training=False) - y) ** 2 * mask
    return tf.reduce_sum(tf.reshape(sq, (len(y), -1)), axis=1) + lam * tf.reduce_sum(z * z, axis=-1)


def loss_no_mask(generator, z, y, mask, lam):
    return _loss(generator, z, y, mask, lam, masked=False)


def loss_no_prior(generator, z, y, mask, lam):
    return _loss(generator, z, y, mask, 0.0)


def loss_length_prior(generator, z, y, mask, lam):
    return _loss(generator, z, y, mask, lam, squared_prior=False)


def loss_mean(generator, z, y, mask, lam):
    return _loss(generator, z, y, mask, lam, mean=True)


def loss_mask_only_g(generator, z, y, mask, lam):
    return _loss(generator, z, y, mask, lam, mask_g=True)


def loss_training_mode(generator, z, y, mask, lam):
    return _loss(generator, z, y, mask, lam, training=True)


def loss_batch_sum(generator, z, y, mask, lam):
    import tensorflow as tf

    return tf.reduce_sum(_loss(generator, z, y, mask, lam))


def loss_numpy(generator, z, y, mask, lam):
    # right values, computed in NumPy: no gradient
    g = np.asarray(generator(np.asarray(z), training=False))
    z = np.asarray(z)
    return np.sum(mask * (g - y) ** 2, axis=(1, 2, 3)) + lam * np.sum(z ** 2, axis=1)


# ---------------------------------------------------------------- the inversion

def _invert(generator, y, mask, lam, steps, lr, sign=1.0, training=False, masked=True, step_count=None):
    import keras
    import tensorflow as tf

    z = tf.Variable(tf.zeros((len(y), generator.input_shape[1])))
    opt = keras.optimizers.Adam(lr)
    for _ in range(steps if step_count is None else step_count):
        with tf.GradientTape() as tape:
            g = generator(z, training=training)
            loss = sign * (tf.reduce_sum((mask if masked else 1.0) * tf.square(g - y))
                           + lam * tf.reduce_sum(tf.square(z)))
        opt.apply_gradients([(tape.gradient(loss, z), z)])
    return z.numpy()


def invert_student(generator, y, mask, lam, steps, lr):
    """Correct, with plain gradient descent instead of Adam (it converges too on this problem)."""
    import tensorflow as tf

    z = tf.Variable(np.zeros((len(y), generator.input_shape[1]), "float32"))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(ch08.inversion_loss(generator, z, y, mask, lam))
        z.assign_sub(lr * tape.gradient(loss, z))
    return z.numpy()


def invert_without_prior(generator, y, mask, lam, steps, lr):
    return _invert(generator, y, mask, 0.0, steps, lr)


def invert_ignoring_mask(generator, y, mask, lam, steps, lr):
    return _invert(generator, y, mask, lam, steps, lr, masked=False)


def invert_ascending(generator, y, mask, lam, steps, lr):
    return _invert(generator, y, mask, lam, steps, lr, sign=-1.0)


def invert_training_mode(generator, y, mask, lam, steps, lr):
    return _invert(generator, y, mask, lam, steps, lr, training=True)


def invert_few_steps(generator, y, mask, lam, steps, lr):
    return _invert(generator, y, mask, lam, steps, lr, step_count=10)


def invert_in_place(generator, y, mask, lam, steps, lr):
    # right answer, but it zeroes the hidden pixels of the caller's y
    y *= mask
    return ch08.invert(generator, y, mask, lam, steps, lr)


REFERENCES = {
    "08.downsample": ch08.downsample,
    "08.inversion_loss": ch08.inversion_loss,
    "08.invert": ch08.invert,
}

MISTAKES = {
    "08.downsample": [downsample_strided, downsample_max, downsample_sum, downsample_wrong_reshape],
    "08.inversion_loss": [loss_no_mask, loss_no_prior, loss_length_prior, loss_mean, loss_mask_only_g,
                          loss_training_mode, loss_batch_sum, loss_numpy],
    "08.invert": [invert_without_prior, invert_ignoring_mask, invert_ascending, invert_training_mode,
                  invert_few_steps, invert_in_place],
}

ACCEPTED = {   # other right answers the checks must accept (tests/test_exercises.py)
    "08.downsample": [downsample_student],
    "08.inversion_loss": [loss_student],
    "08.invert": [invert_student],
}

VERDICTS = {   # a wrong answer, and what its verdict must say it did (tests/test_exercises.py)
    "08.inversion_loss": [
        (loss_no_mask, "multiply the squared differences by the mask"),
        (loss_no_prior, "no prior term"),
        (loss_length_prior, "the length of z"),
        (loss_mean, "a mean over the pixels"),
        (loss_mask_only_g, "multiplies G(z) but not y"),
        (loss_training_mode, "training=False"),
        (loss_batch_sum, "summed over the batch"),
        (loss_numpy, "not a TensorFlow tensor"),
    ],
    "08.invert": [
        (invert_without_prior, "without the prior"),
        (invert_ignoring_mask, "ignores the mask"),
        (invert_ascending, "climbing the loss"),
        (invert_training_mode, "differ from them by up to"),
        (invert_few_steps, "`steps` Adam steps"),
        (invert_in_place, "changed its input `y`"),
    ],
}
