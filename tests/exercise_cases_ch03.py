"""Notebook 03's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np

from exercises import ch03


def _generator(z_dim, *, start=8, channels=8, kernel=4, stride=2, steps=2, activation="tanh", padding="same"):
    """A small generator: Dense to start x start x channels, then ``steps`` Conv2DTranspose layers."""
    import keras
    from keras import layers

    model = [keras.Input((z_dim,)), layers.Dense(start * start * channels), layers.ReLU(),
             layers.Reshape((start, start, channels))]
    for i in range(steps):
        last = i == steps - 1
        model.append(layers.Conv2DTranspose(1 if last else channels, kernel, strides=stride, padding=padding,
                                            activation=activation if last else "relu"))
    return keras.Sequential(model)


def _functional_generator(z_dim):
    """Another correct design: the functional API, 4 -> 8 -> 16 -> 32, kernel 2 (no overlaps at all), then tanh."""
    import keras
    from keras import layers

    z = keras.Input((z_dim,))
    h = layers.Reshape((4, 4, 16))(layers.LeakyReLU(0.2)(layers.Dense(4 * 4 * 16)(z)))
    for channels in (16, 8):
        h = layers.LeakyReLU(0.2)(layers.Conv2DTranspose(channels, 2, strides=2)(h))
    h = layers.Conv2DTranspose(1, 2, strides=2)(h)
    return keras.Model(z, layers.Activation("tanh")(h))


def _cropped_generator(z_dim):
    """Right: 9 -> 18 -> 36, tanh, then Cropping2D to 32x32 as the last layer (it only cuts the border)."""
    import keras
    from keras import layers

    return keras.Sequential([keras.Input((z_dim,)), layers.Dense(9 * 9 * 8), layers.ReLU(), layers.Reshape((9, 9, 8)),
                             layers.Conv2DTranspose(8, 4, strides=2, padding="same", activation="relu"),
                             layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
                             layers.Cropping2D(2)])


def _refined_generator(z_dim):
    """Right: two stride-2 transposed convolutions, then a stride-1 one that refines the 32x32 image."""
    import keras
    from keras import layers

    return keras.Sequential([keras.Input((z_dim,)), layers.Dense(8 * 8 * 8), layers.ReLU(), layers.Reshape((8, 8, 8)),
                             layers.Conv2DTranspose(8, 4, strides=2, padding="same", activation="relu"),
                             layers.Conv2DTranspose(8, 4, strides=2, padding="same", activation="relu"),
                             layers.Conv2DTranspose(1, 3, strides=1, padding="same", activation="tanh")])


def _one_growth_and_a_refinement(z_dim):
    # 16 -> 32 in one stride-2 step, then a stride-1 layer: only one step grows the image
    import keras
    from keras import layers

    return keras.Sequential([keras.Input((z_dim,)), layers.Dense(16 * 16 * 8), layers.ReLU(),
                             layers.Reshape((16, 16, 8)),
                             layers.Conv2DTranspose(8, 4, strides=2, padding="same", activation="relu"),
                             layers.Conv2DTranspose(1, 3, strides=1, padding="same", activation="tanh")])


def _dense_only(z_dim):
    import keras
    from keras import layers

    return keras.Sequential([keras.Input((z_dim,)), layers.Dense(64, activation="relu"),
                             layers.Dense(32 * 32, activation="tanh"), layers.Reshape((32, 32, 1))])


def _fixed_latent_size(z_dim):
    return _generator(100)


REFERENCES = {
    "03.conv_output_size": lambda n, k, s, p: -(-n // s) if p == "same" else (n - k) // s + 1,
    "03.transpose_overlaps": ch03.transpose_overlaps,
    "03.generator_32": _functional_generator,
}

MISTAKES = {
    "03.conv_output_size": [
        lambda n, k, s, p: n // s,                                             # floor, padding ignored
        lambda n, k, s, p: -(-n // s) if p == "same" else (n - k) // s,        # the +1 forgotten
        lambda n, k, s, p: (n - k) // s + 1,                                   # 'valid' for both
        lambda n, k, s, p: -(-n // s) if p == "same" else (n - k + 1) // s,    # 'valid' as floor((n - k + 1) / s)
        lambda n, k, s, p: -(-n // s) if p == "same" else round((n - k) / s + 1),  # rounded, not floored
    ],
    "03.transpose_overlaps": [
        lambda n, k, s: np.convolve(np.ones(n), np.ones(k)).astype(int),        # stride forgotten
        lambda n, k, s: np.full((n - 1) * s + k, k // s),                      # the average, not the pattern
        lambda n, k, s: np.add.reduceat(np.ones(n * s), np.arange(0, n * s, s)),  # the wrong length
    ],
    "03.generator_32": [
        lambda z_dim: _generator(z_dim, kernel=3),                             # kernel 3: a checkerboard
        lambda z_dim: _generator(z_dim, kernel=5),                             # the tutorial's kernel 5
        lambda z_dim: _generator(z_dim, start=7),                              # the chapter's 7 -> 14 -> 28
        lambda z_dim: _generator(z_dim, activation="sigmoid"),                 # images in [0, 1]
        lambda z_dim: _generator(z_dim, activation=None),                      # no output activation
        lambda z_dim: _generator(z_dim, start=32, stride=1),                   # stride 1 everywhere
        _dense_only,                                                           # a dense-only generator
        _fixed_latent_size,                                                    # z_dim ignored: always 100
        lambda z_dim: _generator(z_dim, start=16, steps=1),                    # only one upsampling step
        _one_growth_and_a_refinement,                                          # one growing step, one refining
    ],
}

ACCEPTED = {   # other right answers the checks must accept (tests/test_exercises.py)
    "03.conv_output_size": [
        lambda n, k, s, p: -(-n // s) if p == "same" else -(-(n - k + 1) // s),   # ceil((n - k + 1) / s)
        lambda n, k, s, p: int(np.ceil(n / s)) if p == "same" else int(np.floor((n - k) / s)) + 1,
    ],
    "03.generator_32": [_cropped_generator, _refined_generator],
}
