"""Notebook 07's exercises for the tests: a correct answer for each, other correct ones, and plausible wrong ones,
written as a student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np

from exercises import ch07


# ---------------------------------------------------------------- pad_to_square

def pad_with_np_pad(image, fill):
    """Correct, with np.pad; the leftover row of an odd difference goes to the top (also centred)."""
    h, w = image.shape[:2]
    side = max(h, w)
    rows, cols = side - h, side - w
    return np.pad(image, ((rows - rows // 2, rows // 2), (cols - cols // 2, cols // 2), (0, 0)), constant_values=fill)


def pad_bottom_right(image, fill):
    # the picture left in the top-left corner
    h, w = image.shape[:2]
    side = max(h, w)
    return np.pad(image, ((0, side - h), (0, side - w), (0, 0)), constant_values=fill)


def pad_half_each_side(image, fill):
    # (S - H) // 2 on each side: one row short when the difference is odd
    h, w = image.shape[:2]
    side = max(h, w)
    return np.pad(image, (((side - h) // 2,) * 2, ((side - w) // 2,) * 2, (0, 0)), constant_values=fill)


def pad_with_zeros(image, fill):
    # fill ignored: a black border
    h, w = image.shape[:2]
    side = max(h, w)
    out = np.zeros((side, side, image.shape[2]), image.dtype)
    top, left = (side - h) // 2, (side - w) // 2
    out[top:top + h, left:left + w] = image
    return out


def pad_as_floats(image, fill):
    # np.full without a dtype: float64 pixels
    h, w = image.shape[:2]
    side = max(h, w)
    out = np.full((side, side, image.shape[2]), fill)
    top, left = (side - h) // 2, (side - w) // 2
    out[top:top + h, left:left + w] = image
    return out


def crop_to_square(image, fill):
    # the centre square cut out: the other fit
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return image[top:top + side, left:left + side].copy()


def pad_axes_swapped(image, fill):
    # width and height mixed up
    h, w = image.shape[:2]
    side = max(h, w)
    out = np.full((side, side, image.shape[2]), fill, image.dtype)
    top, left = (side - w) // 2, (side - h) // 2
    out[top:top + h, left:left + w] = image
    return out


# ---------------------------------------------------------------- to_pixels

def pixels_rint(images):
    """Correct, another way: clip the tanh values first, then np.rint."""
    return np.rint((np.clip(images, -1, 1) + 1) * 127.5).astype(np.uint8)


def pixels_truncated(images):
    # astype cuts the fraction off: 200.7 becomes 200
    return np.clip(np.asarray(images) * 127.5 + 127.5, 0, 255).astype(np.uint8)


def pixels_unclipped(images):
    # rounded, never clipped: 1.1 becomes 268, which wraps around in uint8
    with np.errstate(invalid="ignore"):
        return np.round(np.asarray(images, np.float64) * 127.5 + 127.5).astype(np.int64).astype(np.uint8)


def pixels_times_255(images):
    # the shift forgotten: [-1, 1] times 255
    return np.clip(np.round(np.asarray(images) * 255), 0, 255).astype(np.uint8)


def pixels_times_128(images):
    # (x + 1) * 128: 256 levels, off by up to one pixel
    return np.clip(np.round((np.asarray(images) + 1) * 128), 0, 255).astype(np.uint8)


def pixels_as_floats(images):
    # right values, returned as float32
    return np.clip(np.round(np.asarray(images) * 127.5 + 127.5), 0, 255).astype(np.float32)


# ---------------------------------------------------------------- generator_64

def _generator(z_dim, *, start=8, channels=8, kernel=4, steps=3, out_channels=3, activation="tanh"):
    """A small generator: Dense to start x start x channels, then ``steps`` stride-2 Conv2DTranspose layers."""
    import keras
    from keras import layers

    model = [keras.Input((z_dim,)), layers.Dense(start * start * channels), layers.ReLU(),
             layers.Reshape((start, start, channels))]
    for i in range(steps):
        last = i == steps - 1
        model.append(layers.Conv2DTranspose(out_channels if last else channels, kernel, strides=2, padding="same",
                                            activation=activation if last else "relu"))
    return keras.Sequential(model)


def _functional_generator(z_dim):
    """Another correct design: the functional API, 4 -> 8 -> 16 -> 32 -> 64, kernel 2, LeakyReLU, then tanh."""
    import keras
    from keras import layers

    z = keras.Input((z_dim,))
    h = layers.Reshape((4, 4, 16))(layers.LeakyReLU(0.2)(layers.Dense(4 * 4 * 16)(z)))
    for channels in (16, 8, 8):
        h = layers.LeakyReLU(0.2)(layers.Conv2DTranspose(channels, 2, strides=2)(h))
    h = layers.Conv2DTranspose(3, 2, strides=2)(h)
    return keras.Model(z, layers.Activation("tanh")(h))


def _fixed_latent_size(z_dim):
    return _generator(100)


REFERENCES = {
    "07.pad_to_square": ch07.pad_to_square,
    "07.to_pixels": ch07.to_pixels,
    "07.generator_64": ch07.generator_64,
}

ACCEPTED = {   # other right answers the checks must accept (tests/test_exercises.py)
    "07.pad_to_square": [pad_with_np_pad],
    "07.to_pixels": [pixels_rint],
    "07.generator_64": [_functional_generator, lambda z_dim: _generator(z_dim)],
}

MISTAKES = {
    "07.pad_to_square": [pad_bottom_right, pad_half_each_side, pad_with_zeros, pad_as_floats, crop_to_square,
                         pad_axes_swapped],
    "07.to_pixels": [pixels_truncated, pixels_unclipped, pixels_times_255, pixels_times_128, pixels_as_floats],
    "07.generator_64": [
        lambda z_dim: _generator(z_dim, steps=2),                              # 03's 32x32, in colour
        lambda z_dim: _generator(z_dim, start=16, steps=2),                    # 64x64, but two steps from 16x16
        lambda z_dim: _generator(z_dim, kernel=3),                             # kernel 3: a checkerboard
        lambda z_dim: _generator(z_dim, kernel=5),                             # the tutorial's kernel 5
        lambda z_dim: _generator(z_dim, out_channels=1),                       # grey images
        lambda z_dim: _generator(z_dim, activation="sigmoid"),                 # images in [0, 1]
        lambda z_dim: _generator(z_dim, start=7),                              # 7 -> 56: the digits' start
        _fixed_latent_size,                                                    # z_dim ignored: always 100
    ],
}

VERDICTS = {   # a wrong answer, and what its verdict must say it did (tests/test_exercises.py)
    "07.pad_to_square": [
        (pad_bottom_right, "centre it: top = (S - H) // 2 = 1"),
        (pad_half_each_side, "leave the square one row short"),
        (pad_with_zeros, "the padding holds the values 0, not fill=255"),
        (pad_as_floats, "pixels; the picture was uint8"),
        (crop_to_square, "that crops the picture"),
        (pad_axes_swapped, "raised ValueError"),
    ],
    "07.to_pixels": [
        (pixels_truncated, "1 too low"),
        (pixels_unclipped, "clip to 0..255"),
        (pixels_times_255, "p = x * 127.5 + 127.5"),
        (pixels_times_128, "p = x * 127.5 + 127.5"),
        (pixels_as_floats, "right values but dtype float32"),
    ],
    "07.generator_64": [
        (MISTAKES["07.generator_64"][0], "expected (None, 64, 64, 3)"),
        (MISTAKES["07.generator_64"][1], "at least three stride-2 steps"),
        (MISTAKES["07.generator_64"][2], "kernel 3 and stride 2"),
        (MISTAKES["07.generator_64"][3], "kernel 5 and stride 2"),
        (MISTAKES["07.generator_64"][4], "grey images"),
        (MISTAKES["07.generator_64"][5], "never go below 0"),
        (MISTAKES["07.generator_64"][6], "(None, 56, 56, 3)"),
        (MISTAKES["07.generator_64"][7], "raised ValueError"),
    ],
}
