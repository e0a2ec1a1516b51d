"""The exercises of notebook 07 (your own images): a picture padded to a square, tanh images back to pixels, and a
generator of 64x64 colour images without a checkerboard.

All three are judged by what the student's function does: padding on pictures of odd shapes (wide, tall, square,
an odd difference of sides), the conversion on values inside and outside [-1, 1], the generator by building it.
"""

from __future__ import annotations

import numpy as np

from exercises.ch03 import (_all_layers, _shape_text, _built_generator, _checkerboard_problem, _range_problem,
                            _stride_problem)
from exercises.checker import Exercise, _as_array, register

SECTION_FILES = "'1 · From files to a training set' in notebook 07"
SECTION_SCALE = "'Pixel statistics and the [−1, 1] scale' in notebook 07"
SECTION_NETWORKS = ("'2 · The DCGAN for any size and colour' in notebook 07 (and 'How a transposed convolution "
                    "grows an image' in notebook 03)")


# ---------------------------------------------------------------- references

def pad_to_square(image, fill):
    """Reference of notebook 07's exercise: an (H, W, C) array centred on a square canvas (S, S, C) of the value
    ``fill``, S = max(H, W), in the image's dtype; an odd leftover row or column goes to the bottom or right."""
    a = np.asarray(image)
    h, w = a.shape[:2]
    side = max(h, w)
    out = np.full((side, side) + a.shape[2:], fill, dtype=a.dtype)
    top, left = (side - h) // 2, (side - w) // 2
    out[top:top + h, left:left + w] = a
    return out


def to_pixels(images):
    """Reference of notebook 07's exercise: images in [-1, 1] (a generator's tanh output) back to uint8 pixels,
    p = x * 127.5 + 127.5, rounded to the nearest integer and clipped to 0..255."""
    x = np.asarray(images, dtype=np.float64)
    return np.clip(np.round(x * 127.5 + 127.5), 0, 255).astype(np.uint8)


def generator_64(z_dim: int):
    """Reference of notebook 07's exercise: a generator of 64x64x3 tanh images from latents of size ``z_dim``,
    grown 8 -> 16 -> 32 -> 64 by stride-2 transposed convolutions with kernel 4 (no checkerboard)."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input((z_dim,)),
        layers.Dense(8 * 8 * 64, use_bias=False), layers.BatchNormalization(), layers.ReLU(),
        layers.Reshape((8, 8, 64)),
        layers.Conv2DTranspose(32, 4, strides=2, padding="same", use_bias=False),     # 16x16x32
        layers.BatchNormalization(), layers.ReLU(),
        layers.Conv2DTranspose(16, 4, strides=2, padding="same", use_bias=False),     # 32x32x16
        layers.BatchNormalization(), layers.ReLU(),
        layers.Conv2DTranspose(3, 4, strides=2, padding="same", activation="tanh"),   # 64x64x3
    ])


# ---------------------------------------------------------------- how pad_to_square is judged

def _pictures() -> list[tuple[np.ndarray, int]]:
    """Pictures of awkward shapes, with the fill value to pad them with: wide, tall, square, odd differences."""
    rng = np.random.default_rng(7)
    shapes = [((5, 8, 3), 255), ((8, 5, 1), 0), ((6, 6, 3), 9), ((3, 6, 1), 128), ((7, 2, 3), 40), ((1, 4, 3), 200)]
    return [(rng.integers(1, 255, shape).astype(np.uint8), fill) for shape, fill in shapes]


def _places(out: np.ndarray, a: np.ndarray) -> list[tuple[int, int]]:
    """Every (top, left) where the picture ``a`` sits, intact, inside ``out``."""
    h, w = a.shape[:2]
    return [(top, left) for top in range(out.shape[0] - h + 1) for left in range(out.shape[1] - w + 1)
            if np.array_equal(out[top:top + h, left:left + w], a)]


def _judge_pad(call) -> str | None:
    """What is wrong with the student's pad_to_square(image, fill); None when it is right."""
    for a, fill in _pictures():
        h, w, c = a.shape
        side = max(h, w)
        got = call(a, fill)
        out = _as_array(got)
        if out is None:
            return f"your function returned a {type(got).__name__}; expected an array of pixels."
        where = f"for a picture of shape {a.shape} (fill={fill})"
        if out.shape != (side, side, c):
            if out.shape[:2] == (min(h, w), min(h, w)):
                return (f"{where} your function returned shape {out.shape}: that crops the picture. Pad instead: the "
                        f"square's side is the longer side, {side}.")
            if len(out.shape) == 3 and out.shape[0] != out.shape[1] and abs(out.shape[0] - out.shape[1]) == 1:
                return (f"{where} your function returned shape {out.shape}; expected {(side, side, c)}. When S - H "
                        "(or S - W) is odd, (S - H) // 2 rows on each side leave the square one row short: give the "
                        "leftover row or column to the bottom or right.")
            return f"{where} your function returned shape {out.shape}; expected {(side, side, c)}."
        if out.dtype != a.dtype:
            return (f"{where} your function returned {out.dtype} pixels; the picture was {a.dtype}. Keep its dtype, "
                    "e.g. np.full(..., fill, dtype=image.dtype).")
        places = _places(out, a)
        centred = {((side - h) // 2, (side - w) // 2), (-(-(side - h) // 2), -(-(side - w) // 2)),
                   ((side - h) // 2, -(-(side - w) // 2)), (-(-(side - h) // 2), (side - w) // 2)}
        if not places:
            return (f"{where} the picture is not in your square, intact: paste it unchanged, "
                    "out[top:top + H, left:left + W] = image.")
        if not centred & set(places):
            top, left = places[0]
            return (f"{where} your function puts the picture at row {top}, column {left}; centre it: "
                    f"top = (S - H) // 2 = {(side - h) // 2}, left = (S - W) // 2 = {(side - w) // 2}.")
        top, left = next(p for p in places if p in centred)
        rest = np.ones(out.shape[:2], bool)
        rest[top:top + h, left:left + w] = False
        if rest.any() and not np.all(out[rest] == fill):
            seen = sorted({int(v) for v in np.unique(out[rest])})[:3]
            return (f"{where} the padding holds the values {', '.join(map(str, seen))}, not fill={fill}: start "
                    "from a canvas of `fill`, e.g. np.full((S, S, C), fill, dtype=image.dtype).")
    return None


# ---------------------------------------------------------------- how to_pixels is judged

def _tanh_values() -> list[tuple[str, np.ndarray]]:
    """Tanh images whose right answers are known pixels: noise of ±0.3 pixel around each of 0..255 (far from the
    roundings' halves), exact -1, 0 and 1, and values just outside [-1, 1]."""
    rng = np.random.default_rng(70)
    pixels = np.arange(256, dtype=np.float64)
    inside = ((pixels + rng.uniform(-0.3, 0.3, 256)) - 127.5) / 127.5
    ends = np.array([-1.0, 0.0, 1.0])
    outside = np.array([-1.2, -1.01, 1.003, 1.1, 1.5])
    return [("values inside [-1, 1]", inside.reshape(4, 8, 8, 1).astype(np.float32)),
            ("-1, 0 and 1", ends.reshape(1, 1, 3, 1).astype(np.float32)),
            ("values just outside [-1, 1] (a float32 tanh can overshoot by a hair; a blur or an edit, by more)",
             outside.reshape(1, 1, 5, 1).astype(np.float32)),
            ("a colour batch", rng.uniform(-1, 1, (3, 4, 4, 3)).astype(np.float32))]


def _judge_to_pixels(call) -> str | None:
    """What is wrong with the student's to_pixels(images); None when it is right."""
    for what, x in _tanh_values():
        expected = to_pixels(x)
        got = call(x)
        arr = _as_array(got)
        if arr is None:
            return f"your function returned a {type(got).__name__}; expected an array of pixels."
        if arr.shape != x.shape:
            return f"for images of shape {x.shape} your function returned shape {arr.shape}; keep the shape."
        values = arr.astype(np.float64)
        if not np.all(np.isfinite(values)):
            return f"for {what} your function returned NaN or infinity."
        diff = values - expected
        if np.any(diff != 0):
            i = np.unravel_index(np.argmax(np.abs(diff)), diff.shape)
            shown = f"{float(x[i]):.4g} became {values[i]:g}, expected {int(expected[i])}"
            if np.all((diff == 0) | (diff == -1)):
                return (f"for {what} some pixels are 1 too low ({shown}): .astype(np.uint8) cuts the fraction off; "
                        "round to the nearest integer first (np.round).")
            if (np.abs(x) > 1).any() and np.all(diff[np.abs(x) <= 1] == 0):
                return (f"for {what} {shown}: clip to 0..255 before converting, or values beyond ±1 wrap around "
                        "(uint8 holds 0..255 only).")
            return (f"for {what} {shown}. The pixels are p = x * 127.5 + 127.5 (the inverse of "
                    "x = (p - 127.5) / 127.5), rounded and clipped to 0..255.")
        if arr.dtype != np.uint8:
            return (f"your pixels have the right values but dtype {arr.dtype}; return uint8 (.astype(np.uint8)), the "
                    "type image files and load_folder use.")
    return None


# ---------------------------------------------------------------- how the 64x64 colour generator is judged

def _judge_generator_64(call) -> str | None:
    """What is wrong with the student's make_generator(z_dim) for 64x64 colour images; None when it is right."""
    import keras

    result = _built_generator(call)
    if isinstance(result, str):
        return result
    model, z, out = result
    if out.shape[1:] == (64, 64, 1):
        return ("your model outputs (None, 64, 64, 1), grey images; a colour image has 3 channels: give the last "
                "Conv2DTranspose 3 filters.")
    if out.shape[1:] != (64, 64, 3):
        return f"your model outputs {_shape_text(out.shape)}; expected (None, 64, 64, 3)."
    transposed = [layer for layer in _all_layers(model) if isinstance(layer, keras.layers.Conv2DTranspose)]
    problem = _stride_problem(transposed)
    if problem:
        return problem
    growing = [layer for layer in transposed if tuple(int(v) for v in layer.strides) == (2, 2)]
    if len(growing) < 3:
        found = "no Conv2DTranspose layer" if not transposed else f"{len(growing)} stride-2 Conv2DTranspose layer(s)"
        return (f"your model has {found}, so it starts from a {64 >> len(growing)}x{64 >> len(growing)} image "
                "(or draws pixels with Dense layers); grow it in at least three stride-2 steps, e.g. 8 -> 16 -> 32 "
                "-> 64, so that a small start keeps the Dense projection small.")
    return _checkerboard_problem(transposed) or _range_problem(model, z, "images")


# ---------------------------------------------------------------- the register

register(Exercise(
    "07.pad_to_square", pad_to_square, judge=_judge_pad, section=SECTION_FILES,
    hints=("make a square canvas as large as the longer side, filled with `fill`, and paste the picture in its "
           "middle, unchanged.",
           "S = max(H, W); top = (S - H) // 2, left = (S - W) // 2; the canvas keeps the picture's channels and "
           "dtype: shape (S, S, C).",
           "h, w = image.shape[:2]\nside = max(h, w)\n"
           "out = np.full((side, side) + image.shape[2:], fill, dtype=image.dtype)\n"
           "top, left = (side - h) // 2, (side - w) // 2\nout[top:top + h, left:left + w] = image\nreturn out")))

register(Exercise(
    "07.to_pixels", to_pixels, judge=_judge_to_pixels, section=SECTION_SCALE,
    hints=("undo the scaling x = (p - 127.5) / 127.5, then make the result valid pixels: whole numbers in 0..255, "
           "stored as uint8.",
           "p = x * 127.5 + 127.5; round to the nearest integer (astype alone cuts the fraction off), clip to "
           "[0, 255] (uint8 wraps around outside it), then .astype(np.uint8).",
           "p = np.asarray(images, dtype=np.float64) * 127.5 + 127.5\n"
           "return np.clip(np.round(p), 0, 255).astype(np.uint8)")))

register(Exercise(
    "07.generator_64", generator_64, judge=_judge_generator_64, measure=True, section=SECTION_NETWORKS,
    hints=("the chapter's generator with one more step: Dense from z to a small image (8x8), Reshape, then three "
           "stride-2 Conv2DTranspose layers with a kernel size the stride divides, 3 filters and tanh in the last.",
           "each stride-2 transposed convolution with padding='same' doubles the side: 8 -> 16 -> 32 -> 64; "
           "kernel 4 covers every inner pixel evenly, kernel 3 or 5 alternates (a checkerboard).",
           "keras.Sequential([keras.Input((z_dim,)),\n"
           "    layers.Dense(8 * 8 * 64, use_bias=False), layers.BatchNormalization(), layers.ReLU(),\n"
           "    layers.Reshape((8, 8, 64)),\n"
           "    layers.Conv2DTranspose(32, 4, strides=2, padding='same', use_bias=False),\n"
           "    layers.BatchNormalization(), layers.ReLU(),\n"
           "    layers.Conv2DTranspose(16, 4, strides=2, padding='same', use_bias=False),\n"
           "    layers.BatchNormalization(), layers.ReLU(),\n"
           "    layers.Conv2DTranspose(3, 4, strides=2, padding='same', activation='tanh')])")))
