"""Notebook 09's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

from exercises import ch09


# ---------------------------------------------------------------- the receptive field

def field_student(layers):
    """Correct, from the output back: each layer maps a square of side r to one of side (r - 1) * s + k."""
    side = 1
    for kernel, stride in reversed(layers):
        side = (side - 1) * stride + kernel
    return side


def field_sum_of_kernels(layers):
    # the kernels added up: strides forgotten
    return sum(k for k, _ in layers)


def field_no_strides(layers):
    # (k - 1) added per layer, the jump never grows
    return 1 + sum(k - 1 for k, _ in layers)


def field_jump_too_early(layers):
    # the layer's own stride applied to its own kernel
    side, jump = 1, 1
    for kernel, stride in layers:
        jump *= stride
        side += (kernel - 1) * jump
    return side


def field_product(layers):
    # kernel times stride, multiplied through
    side = 1
    for kernel, stride in layers:
        side *= kernel
    return side


# ---------------------------------------------------------------- the restorer's loss

def _bce(logits, label):
    import tensorflow as tf

    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.fill(tf.shape(logits), label),
                                                                  logits=logits))


def loss_student(discriminator, damaged, real, fake, l1_weight):
    """Correct, with -log sigmoid written out as softplus(-logit)."""
    import tensorflow as tf

    logits = discriminator([damaged, fake])
    return tf.reduce_mean(tf.nn.softplus(-logits)) + l1_weight * tf.reduce_mean(tf.abs(fake - real))


def loss_swapped(discriminator, damaged, real, fake, l1_weight):
    import tensorflow as tf

    return _bce(discriminator([fake, damaged]), 1.0) + l1_weight * tf.reduce_mean(tf.abs(real - fake))


def loss_judges_real(discriminator, damaged, real, fake, l1_weight):
    import tensorflow as tf

    return _bce(discriminator([damaged, real]), 1.0) + l1_weight * tf.reduce_mean(tf.abs(real - fake))


def loss_saturating(discriminator, damaged, real, fake, l1_weight):
    import tensorflow as tf

    logits = discriminator([damaged, fake])
    return tf.reduce_mean(tf.math.log(1 - tf.sigmoid(logits))) + l1_weight * tf.reduce_mean(tf.abs(real - fake))


def loss_label_zero(discriminator, damaged, real, fake, l1_weight):
    import tensorflow as tf

    return _bce(discriminator([damaged, fake]), 0.0) + l1_weight * tf.reduce_mean(tf.abs(real - fake))


def loss_l2(discriminator, damaged, real, fake, l1_weight):
    import tensorflow as tf

    return _bce(discriminator([damaged, fake]), 1.0) + l1_weight * tf.reduce_mean(tf.square(real - fake))


def loss_weight_on_adversarial(discriminator, damaged, real, fake, l1_weight):
    import tensorflow as tf

    return l1_weight * _bce(discriminator([damaged, fake]), 1.0) + tf.reduce_mean(tf.abs(real - fake))


def loss_l1_only(discriminator, damaged, real, fake, l1_weight):
    import tensorflow as tf

    return l1_weight * tf.reduce_mean(tf.abs(real - fake))


def loss_unconditioned(discriminator, damaged, real, fake, l1_weight):
    import tensorflow as tf

    return _bce(discriminator(fake), 1.0) + l1_weight * tf.reduce_mean(tf.abs(real - fake))


def loss_numpy(discriminator, damaged, real, fake, l1_weight):
    import numpy as np

    logits = np.asarray(discriminator([damaged, fake]))
    return float(np.mean(np.logaddexp(0, -logits)) + l1_weight * np.mean(np.abs(np.asarray(real) - np.asarray(fake))))


def loss_per_patch(discriminator, damaged, real, fake, l1_weight):
    import tensorflow as tf

    logits = discriminator([damaged, fake])
    return tf.nn.softplus(-logits) + l1_weight * tf.reduce_mean(tf.abs(real - fake))


# ---------------------------------------------------------------- the skip connection

def skip_student(width):
    """Correct: a residual skip, the input added to the last layer's output."""
    import keras
    from keras import layers

    x = keras.Input((28, 28, 1))
    out = ch09.no_skips(width)(x)
    return keras.Model(x, layers.Add()([out, x]))


def skip_unchanged(width):
    # the network without skips, returned as it is
    return ch09.no_skips(width)


def skip_after_output(width):
    # the input concatenated after the last layer: two output channels
    import keras
    from keras import layers

    x = keras.Input((28, 28, 1))
    return keras.Model(x, layers.Concatenate()([ch09.no_skips(width)(x), x]))


def skip_dead_branch(width):
    # the concatenation is built, but the output layer reads the features before it
    import keras
    from keras import layers

    x = keras.Input((28, 28, 1))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(width, 4, 2, "same")(x))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(2 * width, 4, 2, "same")(h))
    h = layers.ReLU()(layers.Conv2DTranspose(width, 4, 2, "same")(h))
    h = layers.ReLU()(layers.Conv2DTranspose(width, 4, 2, "same")(h))
    joined = layers.Concatenate()([h, x])
    out = layers.Conv2D(1, 3, 1, "same")(h)
    return keras.Model(x, [out, joined][0])


def skip_features_twice(width):
    # a Concatenate, but of the decoder's features with themselves: nothing new reaches the last layer
    import keras
    from keras import layers

    x = keras.Input((28, 28, 1))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(width, 4, 2, "same")(x))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(2 * width, 4, 2, "same")(h))
    h = layers.ReLU()(layers.Conv2DTranspose(width, 4, 2, "same")(h))
    h = layers.ReLU()(layers.Conv2DTranspose(width, 4, 2, "same")(h))
    h = layers.Concatenate()([h, h])
    return keras.Model(x, layers.Conv2D(1, 3, 1, "same")(h))


REFERENCES = {
    "09.receptive_field": ch09.receptive_field,
    "09.restorer_loss": ch09.restorer_loss,
    "09.skip": ch09.with_skip,
}
MISTAKES = {
    "09.receptive_field": [field_sum_of_kernels, field_no_strides, field_jump_too_early, field_product],
    "09.restorer_loss": [loss_swapped, loss_judges_real, loss_saturating, loss_label_zero, loss_l2,
                         loss_weight_on_adversarial, loss_l1_only, loss_unconditioned, loss_numpy, loss_per_patch],
    "09.skip": [skip_unchanged, skip_after_output, skip_dead_branch, skip_features_twice],
}
ACCEPTED = {   # other right answers the checks must accept (tests/test_exercises.py)
    "09.receptive_field": [field_student],
    "09.restorer_loss": [loss_student],
    "09.skip": [skip_student],
}
VERDICTS = {   # a wrong answer, and what its verdict must say it did (tests/test_exercises.py)
    "09.restorer_loss": [
        (loss_swapped, "inputs are swapped"),
        (loss_judges_real, "judges the real digit"),
        (loss_saturating, "saturating"),
        (loss_label_zero, "label 0"),
        (loss_l2, "squared (L2)"),
        (loss_weight_on_adversarial, "multiplies the adversarial term"),
        (loss_l1_only, "no adversarial term"),
        (loss_unconditioned, "conditional"),
        (loss_numpy, "not a TensorFlow tensor"),
        (loss_per_patch, "one number for the batch"),
    ],
    "09.skip": [
        (skip_unchanged, "no Concatenate"),
        (skip_after_output, "(28, 28, 2)"),
        (skip_dead_branch, "no Concatenate"),
        (skip_features_twice, "random pictures through"),
    ],
}
