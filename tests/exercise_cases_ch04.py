"""Notebook 04's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np


def _layers():
    import keras
    from keras import layers

    return keras, layers


def channel_discriminator(n_classes):
    """Right, as the chapter's D: the label's embedding is a 28x28 plane stacked on the image (a small copy)."""
    keras, layers = _layers()
    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    plane = layers.Reshape((28, 28, 1))(layers.Embedding(n_classes, 28 * 28)(label))
    h = layers.Concatenate()([image, plane])
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(h))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(32, 4, strides=2, padding="same")(h))
    return keras.Model([image, label], layers.Dense(1)(layers.Flatten()(h)))


def label_ignored(n_classes):
    # the label is an input, but the output is computed from the image alone
    keras, layers = _layers()
    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(image))
    e = layers.Embedding(n_classes, 16)(label)                     # embedded ... and then forgotten
    out = layers.Dense(1)(layers.Flatten()(h))
    return keras.Model([image, label], layers.Add()([out, layers.Lambda(lambda t: 0.0 * t[:, :1])(e)]))


def sigmoid_at_the_output(n_classes):
    # a probability at the end, as in a classifier: the losses expect a logit
    keras, layers = _layers()
    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    plane = layers.Reshape((28, 28, 1))(layers.Embedding(n_classes, 28 * 28)(label))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(layers.Concatenate()([image, plane])))
    return keras.Model([image, label], layers.Dense(1, activation="sigmoid")(layers.Flatten()(h)))


def ten_outputs(n_classes):
    # the label is concatenated, but the output has one unit per class, like a classifier
    keras, layers = _layers()
    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(image))
    h = layers.Concatenate()([layers.Flatten()(h), layers.Embedding(n_classes, 16)(label)])
    return keras.Model([image, label], layers.Dense(n_classes)(layers.LeakyReLU(0.2)(layers.Dense(64)(h))))


def label_joined_at_the_logit(n_classes):
    # the label's embedding is joined to the features, but the logit follows at once: the label only adds a score
    keras, layers = _layers()
    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(image))
    h = layers.Concatenate()([layers.Flatten()(h), layers.Embedding(n_classes, 16)(label)])
    return keras.Model([image, label], layers.Dense(1)(h))


def label_first(n_classes):
    # the inputs in the wrong order: the step calls D([image, label])
    keras, layers = _layers()
    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    plane = layers.Reshape((28, 28, 1))(layers.Embedding(n_classes, 28 * 28)(label))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(layers.Concatenate()([image, plane])))
    return keras.Model([label, image], layers.Dense(1)(layers.Flatten()(h)))


def label_scales_the_logit(n_classes):
    # the label's embedding, one number per class, multiplies the image's logit: a weight per class, not a
    # judgment of the pair (it passes the quick checks, and fails the toy case)
    keras, layers = _layers()
    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(image))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(32, 4, strides=2, padding="same")(h))
    out = layers.Dense(1)(layers.Flatten()(h))
    return keras.Model([image, label], layers.Multiply()([out, layers.Embedding(n_classes, 1)(label)]))


def one_input(n_classes):
    # notebook 03's discriminator, unchanged: no label at all
    keras, layers = _layers()
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(16, 4, strides=2, padding="same"),
                             layers.LeakyReLU(0.2), layers.Flatten(), layers.Dense(1)])


def _planes(n_classes, label, how="upsample"):
    keras, layers = _layers()
    if how == "broadcast":     # ones of the image's shape times the one-hot vector: broadcast to 28x28
        image = keras.ops.ones((1, 28, 28, 1))
        return layers.Lambda(lambda y: image * keras.ops.reshape(keras.ops.one_hot(y, n_classes),
                                                                 (-1, 1, 1, n_classes)))(label)
    if how == "category":
        encoded = layers.CategoryEncoding(num_tokens=n_classes, output_mode="one_hot")(label)
        return layers.UpSampling2D(28)(layers.Reshape((1, 1, n_classes))(encoded))
    return layers.UpSampling2D(28)(layers.Reshape((1, 1, n_classes))(keras.ops.one_hot(label, n_classes)))


def one_hot_discriminator(n_classes, how="upsample", batch_norm=False, dropout=0.0, output="dense"):
    """Right: the label as n_classes one-hot planes stacked on the image, then convolutions (several ways of making
    the planes; batch norm after the second convolution, as the chapter's D; dropout; a logit from a 1x1 conv)."""
    keras, layers = _layers()
    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    h = layers.Concatenate()([image, _planes(n_classes, label, how)])
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(h))
    if dropout:
        h = layers.Dropout(dropout)(h)
    h = layers.Conv2D(32, 4, strides=2, padding="same", use_bias=not batch_norm)(h)
    if batch_norm:
        h = layers.BatchNormalization()(h)
    h = layers.LeakyReLU(0.2)(h)
    if output == "conv":
        logit = layers.Reshape((1,))(layers.Conv2D(1, 7, padding="valid")(h))
    else:
        logit = layers.Dense(1)(layers.Flatten()(h))
    return keras.Model([image, label], logit)


def one_hot_tanh(n_classes):
    # right planes, but a tanh at the output: numbers in [-1, 1], not a logit
    keras, layers = _layers()
    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    h = layers.Concatenate()([image, _planes(n_classes, label)])
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(h))
    return keras.Model([image, label], layers.Dense(1, activation="tanh")(layers.Flatten()(h)))


def one_hot_squashed_by_an_op(n_classes):
    # tanh applied as an operation after Dense(1): the last layer has no activation, the outputs stay in [-1, 1]
    keras, layers = _layers()
    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    h = layers.Concatenate()([image, _planes(n_classes, label)])
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(h))
    return keras.Model([image, label], layers.Activation("tanh")(layers.Dense(1)(layers.Flatten()(h))))


def one_hot_after_the_convolutions(n_classes):
    # the one-hot label joined to the features after the convolutions: not the planes the exercise asks for
    keras, layers = _layers()
    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(image))
    h = layers.Concatenate()([layers.Flatten()(h), keras.ops.one_hot(label, n_classes)])
    return keras.Model([image, label], layers.Dense(1)(layers.LeakyReLU(0.2)(layers.Dense(64)(h))))


REFERENCES = {
    "04.embed": lambda labels, table: np.take(table, labels, axis=0),
    "04.conditional_discriminator": one_hot_discriminator,
}

ACCEPTED = {   # other right answers the checks must accept (tests/test_exercises.py)
    "04.conditional_discriminator": [
        lambda n: one_hot_discriminator(n, how="broadcast"),
        lambda n: one_hot_discriminator(n, how="category"),
        lambda n: one_hot_discriminator(n, batch_norm=True),      # batch norm after the 2nd conv, as the chapter's D
        lambda n: one_hot_discriminator(n, dropout=0.3, output="conv"),
    ],
}

MISTAKES = {
    "04.embed": [
        lambda y, t: t[:len(y)],                                               # the first rows, not the labels'
        lambda y, t: t[np.asarray(y) - 1],                                     # off by one row
        lambda y, t: t[y].sum(axis=0, keepdims=True),                          # the rows summed
        lambda y, t: np.eye(10)[y] @ t,                                        # always 10 classes, whatever the table
    ],
    "04.conditional_discriminator": [
        label_ignored,
        sigmoid_at_the_output,
        ten_outputs,
        label_joined_at_the_logit,
        label_first,
        one_input,
        label_scales_the_logit,
        channel_discriminator,            # the chapter's cell copied: a learned embedding as a channel
        one_hot_tanh,                     # tanh at the output
        one_hot_squashed_by_an_op,        # tanh after the logit, as its own layer
        one_hot_after_the_convolutions,   # one-hot joined to the features, not planes on the image
        lambda n: one_hot_discriminator(10),  # n_classes ignored: always 10 planes
    ],
}

VERDICTS = {   # a wrong answer, and what its verdict must say it did (tests/test_exercises.py)
    "04.conditional_discriminator": [
        (label_ignored, "gives the same logit for every label: the label never reaches it"),
        (ten_outputs, "10 numbers per image"),
        (sigmoid_at_the_output, "ends in a sigmoid"),
        (label_joined_at_the_logit, "by the same amount for every image"),
        (label_first, "the label first"),
        (one_input, "takes 1 input"),
    ],
}
