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


REFERENCES = {
    "04.embed": lambda labels, table: np.take(table, labels, axis=0),
    "04.conditional_discriminator": channel_discriminator,
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
    ],
}
