"""The exercises of notebook 02 (a dense GAN on MNIST): the two losses and the pixel range."""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, register


def discriminator_loss(real_logit, fake_logit, real_label: float) -> float:
    """Reference of notebook 02's exercise: ``helpers.train.discriminator_loss`` as a float."""
    from helpers.train import discriminator_loss as loss  # imported here: helpers.train brings TensorFlow

    return float(loss(real_logit, fake_logit, real_label))


def generator_loss(fake_logit) -> float:
    """Reference of notebook 02's exercise: ``helpers.train.generator_loss`` as a float."""
    from helpers.train import generator_loss as loss

    return float(loss(fake_logit))


def to_tanh_range(images_uint8) -> np.ndarray:
    """Reference of notebook 02's exercise: ``helpers.data.to_tanh_range``, uint8 (N, 28, 28) to float32 (N, 28, 28, 1) in [-1, 1]."""
    from helpers.data import to_tanh_range as convert

    return convert(images_uint8)


def _logit_cases() -> list[tuple]:
    rng = np.random.default_rng(3)
    return [(rng.normal(0, 3, 64).astype(np.float32), rng.normal(0, 3, 64).astype(np.float32), 0.9),
            (np.array([2.0, -1.0], np.float32), np.array([-3.0, 0.5], np.float32), 1.0)]


def _image_cases() -> list[tuple]:
    rng = np.random.default_rng(4)
    return [(rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),), (np.array([[[0, 255] * 14] * 28], np.uint8),)]


register(Exercise("02.discriminator_loss", discriminator_loss, _logit_cases,
                  hint="mean BCE(real_label, real_logit) + mean BCE(0, fake_logit); BCE with logits: "
                       "tf.nn.sigmoid_cross_entropy_with_logits(labels=..., logits=...)."))
register(Exercise("02.generator_loss", generator_loss, lambda: [(c[1],) for c in _logit_cases()],
                  hint="the generator wants D to say 'real': mean BCE of the fakes' logits against label 1."))
register(Exercise("02.to_tanh_range", to_tanh_range, _image_cases,
                  hint="convert to float32 first, then (x - 127.5) / 127.5, and add a channel axis with x[..., None]."))
