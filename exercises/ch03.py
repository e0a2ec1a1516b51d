"""The exercises of notebook 03 (DCGAN): shape arithmetic, the checkerboard's overlaps, the weight average."""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, register


def conv_output_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Reference of notebook 03's exercise: ``helpers.layers.conv_output_size``, the output width of a Conv2D."""
    from helpers.layers import conv_output_size as width  # imported here: helpers.layers may bring Keras

    return width(size, kernel, stride, padding)


def conv_transpose_output_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Reference of notebook 03's exercise: ``helpers.layers.conv_transpose_output_size``, the output width of a Conv2DTranspose."""
    from helpers.layers import conv_transpose_output_size as width

    return width(size, kernel, stride, padding)


def transpose_overlaps(n: int, kernel: int, stride: int) -> np.ndarray:
    """How many input positions of a 1-D transposed convolution write to each output position ('valid' padding); notebook 03."""
    counts = np.zeros((n - 1) * stride + kernel, dtype=np.int64)
    for i in range(n):
        counts[i * stride:i * stride + kernel] += 1
    return counts


def ema_update(average: np.ndarray, weights: np.ndarray, decay: float) -> np.ndarray:
    """One step of an exponential moving average (notebook 03): decay * average + (1 - decay) * weights."""
    return decay * np.asarray(average) + (1.0 - decay) * np.asarray(weights)


def _conv_cases() -> list[tuple]:
    return [(28, 4, 2, "same"), (28, 5, 2, "valid"), (7, 3, 1, "valid"), (13, 4, 2, "same"),
            (14, 5, 2, "valid"), (9, 3, 3, "same")]


def _conv_where(args: tuple) -> str:
    return f" for size={args[0]}, kernel={args[1]}, stride={args[2]}, padding={args[3]!r}"


def _ema_cases() -> list[tuple]:
    rng = np.random.default_rng(5)
    return [(rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), 0.999), (np.zeros(2), np.ones(2), 0.9)]


register(Exercise("03.conv_output_size", conv_output_size, _conv_cases, describe=_conv_where,
                  hint="'same': ceil(size / stride), e.g. -(-size // stride); "
                       "'valid': (size - kernel) // stride + 1."))
register(Exercise("03.conv_transpose_output_size", conv_transpose_output_size, _conv_cases, describe=_conv_where,
                  hint="'same': size * stride; 'valid': (size - 1) * stride + kernel."))
register(Exercise("03.transpose_overlaps", transpose_overlaps,
                  lambda: [(5, 3, 2), (5, 4, 2), (4, 5, 2), (3, 3, 3), (6, 2, 1)],
                  describe=lambda a: f" for n={a[0]}, kernel={a[1]}, stride={a[2]}",
                  hint="input i writes to outputs i*stride ... i*stride + kernel - 1; the output has "
                       "(n - 1) * stride + kernel positions."))
register(Exercise("03.ema_update", ema_update, _ema_cases,
                  hint="the average keeps most of itself: decay * average + (1 - decay) * weights."))
