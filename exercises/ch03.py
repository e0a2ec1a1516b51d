"""The exercises of notebook 03 (DCGAN): a convolution's output width, the overlaps of a transposed convolution,
and a generator of 32x32 images without a checkerboard."""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, register

SECTION_WIDTHS = "'The idea in one formula' at the top of notebook 03"
SECTION_STAMP = "'How a transposed convolution grows an image' in notebook 03"
SECTION_NETWORKS = ("'How a transposed convolution grows an image' and 'The two networks, written out' "
                    "in notebook 03")


def conv_output_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Reference of notebook 03's exercise: the output width of a Conv2D, ceil(size / stride) with 'same'
    padding, floor((size - kernel) / stride) + 1 with 'valid'."""
    if padding == "same":
        return -(-size // stride)
    return (size - kernel) // stride + 1


def transpose_overlaps(n: int, kernel: int, stride: int) -> np.ndarray:
    """How many input positions of a 1-D transposed convolution write to each output position ('valid' padding); notebook 03."""
    counts = np.zeros((n - 1) * stride + kernel, dtype=np.int64)
    for i in range(n):
        counts[i * stride:i * stride + kernel] += 1
    return counts


def generator_32(z_dim: int):
    """Reference of notebook 03's exercise: a generator of 32x32x1 tanh images from latents of size ``z_dim``,
    grown 8 -> 16 -> 32 by stride-2 transposed convolutions with kernel 4 (no checkerboard)."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input((z_dim,)),
        layers.Dense(8 * 8 * 32, use_bias=False), layers.BatchNormalization(), layers.ReLU(),
        layers.Reshape((8, 8, 32)),
        layers.Conv2DTranspose(16, 4, strides=2, padding="same", use_bias=False),     # 16x16x16
        layers.BatchNormalization(), layers.ReLU(),
        layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),   # 32x32x1
    ])


# ---------------------------------------------------------------- how the generator is judged

Z_DIM_TRIED = 12   # an unusual latent size: a generator that ignores its argument shows it


def _all_layers(model) -> list:
    """Every layer of a model, looking inside nested models."""
    found = []
    for layer in getattr(model, "layers", []):
        found += _all_layers(layer) if hasattr(layer, "layers") else [layer]
    return found


def overlap_map(kernel_size, strides, padding: str = "same", n: int = 8) -> np.ndarray:
    """How many kernel copies a transposed convolution lays on each output pixel: a constant n x n input
    through an all-ones kernel (the overlap map of notebook 03)."""
    import keras

    up = keras.layers.Conv2DTranspose(1, kernel_size, strides=strides, padding=padding, use_bias=False,
                                      kernel_initializer="ones")
    return up(np.ones((1, n, n, 1), "float32")).numpy()[0, :, :, 0]


def _shape_text(shape) -> str:
    return "(None, " + ", ".join(str(int(d)) for d in shape[1:]) + ")"


def _listed(values: list[int]) -> str:
    return ", ".join(map(str, values[:-1])) + f" and {values[-1]}"


def _activation_name(layer) -> str:
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation)) if activation is not None else "none"


def _built_generator(call, z_dim: int | None = None):
    """Build the student's make_generator(z_dim) and run it on latents: (model, z, output), or a message saying
    what went wrong (notebooks 03 and 07)."""
    import keras

    z_dim = Z_DIM_TRIED if z_dim is None else z_dim
    model = call(z_dim)
    if not isinstance(model, keras.Model):
        return (f"make_generator({z_dim}) returned a {type(model).__name__}; return a keras.Model, "
                "e.g. keras.Sequential([keras.Input((z_dim,)), ...]).")
    z = np.random.default_rng(0).normal(size=(4, z_dim)).astype("float32")
    try:
        out = np.asarray(model(z, training=False))
    except Exception as e:  # noqa: BLE001  (whatever the model does with the latents, say so)
        return (f"the model of make_generator({z_dim}) raised {type(e).__name__} on latents of shape "
                f"(4, {z_dim}): start it with keras.Input((z_dim,)), using the argument rather than a "
                "fixed size.")
    return model, z, out


def _stride_problem(transposed: list) -> str | None:
    """A message if a transposed convolution's stride is neither 2 (growing the image) nor 1 (refining it at the
    same size) (notebooks 03 and 07)."""
    for number, layer in enumerate(transposed, 1):
        s = tuple(int(v) for v in layer.strides)
        if s not in ((2, 2), (1, 1)):
            return (f"your transposed convolution {number} of {len(transposed)} has strides={s}: give every "
                    "transposed convolution strides=2.")
    return None


def _checkerboard_problem(transposed: list) -> str | None:
    """A message naming the first transposed convolution whose overlap map is uneven (notebooks 03 and 07)."""
    for number, layer in enumerate(transposed, 1):
        kernel = tuple(int(k) for k in layer.kernel_size)
        inner = overlap_map(kernel, layer.strides, layer.padding)[max(kernel):-max(kernel), max(kernel):-max(kernel)]
        if inner.min() != inner.max():
            k = kernel[0] if kernel[0] == kernel[1] else kernel
            along = [sorted({int(v) for v in transpose_overlaps(8, size, 2)[size:-size]}) for size in kernel]
            uneven = next(a for a in along if len(a) > 1)
            in_2d = sorted({int(v) for v in np.unique(inner)})
            return (f"Conv2DTranspose with kernel {k} and stride 2 (your transposed convolution {number} of "
                    f"{len(transposed)}): its overlap map alternates {_listed(uneven)} copies of the kernel from "
                    f"pixel to pixel along an axis ({_listed(in_2d)} in 2-D), a checkerboard built into the layer. "
                    "Use a kernel size divisible by the stride.")
    return None


def _last_computing_layer(model):
    """The model's last layer that computes values (not one that only crops, pads, reshapes or drops out)."""
    import keras

    shaping = tuple(getattr(keras.layers, name) for name in (
        "Cropping1D", "Cropping2D", "Cropping3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Reshape",
        "Flatten", "Permute", "Identity", "Dropout", "SpatialDropout2D", "RepeatVector") if hasattr(keras.layers, name))
    found = _all_layers(model)
    computing = [layer for layer in found if not isinstance(layer, shaping)]
    return computing[-1] if computing else found[-1]


def _range_problem(model, z: np.ndarray, data: str) -> str | None:
    """A message if the model's outputs are not tanh images in [-1, 1], like the training ``data`` (notebooks 03 and
    07)."""
    import keras

    big = np.asarray(model(30 * z, training=False))          # large latents: the output layer's range shows
    lo, hi = float(np.min(big)), float(np.max(big))
    last = _last_computing_layer(model)
    name = "tanh" if isinstance(last, keras.layers.Activation) and _activation_name(last) == "tanh" else _activation_name(last)
    if lo < -1.0001 or hi > 1.0001:
        return (f"for large latents your model's outputs range from {lo:.3g} to {hi:.3g}: end with "
                f"activation=\"tanh\" so that images lie in [-1, 1], like the training {data}.")
    if lo >= -1e-6:
        return (f"your model's outputs never go below 0 (they range from {lo:.2f} to {hi:.2f}; its last activation "
                f"is {name}): the training {data} lie in [-1, 1], so end with activation=\"tanh\".")
    if name != "tanh":
        return f"your model's last layer has activation {name}; end with activation=\"tanh\", images lie in [-1, 1]."
    return None


def _judge_generator_32(call) -> str | None:
    """What is wrong with the student's make_generator, judged by building it; None when it is right."""
    import keras

    result = _built_generator(call)
    if isinstance(result, str):
        return result
    model, z, out = result
    if out.shape[1:] != (32, 32, 1):
        return f"your model outputs {_shape_text(out.shape)}; expected (None, 32, 32, 1)."
    transposed = [layer for layer in _all_layers(model) if isinstance(layer, keras.layers.Conv2DTranspose)]
    if not transposed:
        return ("your model has no Conv2DTranspose layer (a dense-only generator draws each pixel on its own): "
                "project z to a small image, e.g. 8x8, and grow it with stride-2 transposed convolutions.")
    growing = [layer for layer in transposed if tuple(int(s) for s in layer.strides) != (1, 1)]
    if all(tuple(int(s) for s in layer.strides) == (1, 1) for layer in transposed) and len(transposed) > 1:
        return ("every Conv2DTranspose in your model has stride 1, so none of them grows the image: start small "
                "(e.g. 8x8) and give the transposed convolutions that grow it strides=2.")
    if len(growing) < 2:
        few = "one Conv2DTranspose" if len(transposed) == 1 else f"{len(growing)} transposed convolution(s) with a stride above 1"
        return (f"your model has {few}; grow the image in at least two stride-2 steps "
                "(e.g. 8 -> 16 -> 32), as the chapter's generator does (7 -> 14 -> 28).")
    return _stride_problem(transposed) or _checkerboard_problem(transposed) or _range_problem(model, z, "digits")


# ---------------------------------------------------------------- the register

def _conv_cases() -> list[tuple]:
    return [(28, 4, 2, "same"), (28, 5, 2, "valid"), (7, 3, 1, "valid"), (13, 4, 2, "same"),
            (14, 5, 2, "valid"), (9, 3, 3, "same"), (28, 4, 2, "valid"), (32, 2, 2, "valid"), (11, 5, 3, "valid"),
            (10, 3, 3, "same"), (27, 3, 2, "same"), (64, 4, 4, "valid"), (5, 5, 2, "valid")]


def _conv_where(args: tuple) -> str:
    return f" for size={args[0]}, kernel={args[1]}, stride={args[2]}, padding={args[3]!r}"


register(Exercise(
    "03.conv_output_size", conv_output_size, _conv_cases, describe=_conv_where, section=SECTION_WIDTHS,
    hints=("'same' pads the image so that the kernel's left edge can sit on every stride-th pixel; 'valid' lets "
           "the kernel start only where it fits entirely inside the image.",
           "'same': ceil(size / stride); 'valid': floor((size - kernel) / stride) + 1.",
           "if padding == 'same': return -(-size // stride)   # integer ceiling\n"
           "return (size - kernel) // stride + 1")))

register(Exercise(
    "03.transpose_overlaps", transpose_overlaps,
    lambda: [(5, 3, 2), (5, 4, 2), (4, 5, 2), (3, 3, 3), (6, 2, 1)],
    describe=lambda a: f" for n={a[0]}, kernel={a[1]}, stride={a[2]}", section=SECTION_STAMP,
    hints=("each input position stamps one copy of the kernel; count, for every output position, the copies "
           "that cover it (the bottom row of the stamp diagram).",
           "the output has (n - 1) * stride + kernel positions; input i covers outputs i * stride to "
           "i * stride + kernel - 1.",
           "counts = np.zeros((n - 1) * stride + kernel, dtype=int)\n"
           "for i in range(n):\n    counts[i * stride:i * stride + kernel] += 1\nreturn counts")))

register(Exercise(
    "03.generator_32", generator_32, judge=_judge_generator_32, measure=True, section=SECTION_NETWORKS,
    hints=("start as the chapter's generator does: Dense from z to a small image (8x8 with a few channels), "
           "Reshape, then stride-2 Conv2DTranspose layers that double the size, with a kernel size the stride "
           "divides, and tanh at the end.",
           "with padding='same' a stride-2 transposed convolution doubles the width: 8 -> 16 -> 32; kernel 4 "
           "lays 2 copies on every inner pixel along each axis, kernel 3 alternates 1 and 2.",
           "keras.Sequential([keras.Input((z_dim,)),\n"
           "    layers.Dense(8 * 8 * 32, use_bias=False), layers.BatchNormalization(), layers.ReLU(),\n"
           "    layers.Reshape((8, 8, 32)),\n"
           "    layers.Conv2DTranspose(16, 4, strides=2, padding='same', use_bias=False),\n"
           "    layers.BatchNormalization(), layers.ReLU(),\n"
           "    layers.Conv2DTranspose(1, 4, strides=2, padding='same', activation='tanh')])")))
