"""The exercises of notebook 06 (the discriminator as a judge): the k best scores, Spearman's rank correlation,
saliency maps of a discriminator, and climbing its score by gradient ascent in pixel space.

The last two are judged by what the student's function does with small discriminators the check builds: a
linear one, l(x) = w.x + b, whose gradient with respect to every image is w, and a small non-linear one.
"""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, _as_array, TRAINING_LIMIT_S, register
from helpers import metrics

SECTION_BEST = "'The most and the least real handwriting' in notebook 06"
SECTION_SPEARMAN = "'Does the discriminator agree with a digit reader?' in notebook 06"
SECTION_SALIENCY = "'Where does it look? Saliency maps' in notebook 06"
SECTION_CLIMB = "'What does the discriminator like? Climbing its score' in notebook 06"


def saliency(discriminator, images) -> np.ndarray:
    """Reference of notebook 06's exercise: |d logit / d pixel| of each image (N, 28, 28, 1) in [-1, 1], each map
    divided by its own maximum (an all-zero map stays 0); returns (N, 28, 28)."""
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(images, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        logit = discriminator(x, training=False)
    size = np.abs(tape.gradient(logit, x).numpy()).reshape(len(x), 28, 28)
    peak = size.max(axis=(1, 2), keepdims=True)
    return np.divide(size, peak, out=np.zeros_like(size), where=peak > 0)


def score_climb(discriminator, images, steps: int, lr: float) -> np.ndarray:
    """Reference of notebook 06's exercise: ``steps`` steps of gradient ascent on each image's logit in pixel
    space, x <- clip(x + lr * d logit / dx, -1, 1); returns new images, the input left as it was."""
    import tensorflow as tf

    x = tf.Variable(np.asarray(images, dtype=np.float32))       # a copy: the caller's array is not touched
    for _ in range(steps):
        with tf.GradientTape() as tape:
            logit = tf.reduce_sum(discriminator(x, training=False))  # the sum: each image gets its own gradient
        x.assign(tf.clip_by_value(x + lr * tape.gradient(logit, x), -1.0, 1.0))
    return x.numpy()


# ---------------------------------------------------------------- the small discriminators the checks build

def _linear_discriminator():
    """l(x) = w.x + b on 28x28x1 images, with w known (returned flat): d l / dx = w for every image."""
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1, kernel_initializer="zeros")])
    w = np.random.default_rng(60).normal(0.0, 0.05, (784, 1)).astype("float32")
    model.layers[-1].set_weights([w, np.array([0.3], "float32")])
    return model, w[:, 0]


def _small_discriminator():
    """A small non-linear discriminator with batch normalization: its gradient differs from image to image, and
    in training mode (batch statistics) differs from inference mode (stored statistics)."""
    import keras

    dense = keras.layers.Dense(16, kernel_initializer="zeros")
    norm = keras.layers.BatchNormalization()
    out = keras.layers.Dense(1, kernel_initializer="zeros")
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), dense, norm,
                              keras.layers.Activation("tanh"), out])
    rng = np.random.default_rng(61)
    dense.set_weights([rng.normal(0.0, 0.08, (784, 16)).astype("float32"), rng.normal(0.0, 0.1, 16).astype("float32")])
    norm.set_weights([np.ones(16, "float32"), np.zeros(16, "float32"),                 # gamma, beta
                      rng.normal(0.5, 0.3, 16).astype("float32"), np.full(16, 2.0, "float32")])  # stored mean, var
    out.set_weights([rng.normal(0.0, 1.0, (16, 1)).astype("float32"), np.zeros(1, "float32")])
    return model


def _images(n: int, seed: int, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, (n, 28, 28, 1)).astype("float32")


def _logits(model, images) -> np.ndarray:
    return np.asarray(model(np.asarray(images, "float32"), training=False))[:, 0]


def _called(call, model, images, *more):
    """The student's result as an array, and what went wrong with the input or the output (or None)."""
    given = images.copy()
    got = call(model, given, *more, copy_inputs=False)   # (a Keras model is not copied; the images are, here)
    if not np.array_equal(given, images):
        return None, ("your function changed the `images` it was given: work on a copy, e.g. "
                      "x = tf.Variable(images) or x = np.array(images).")
    arr = _as_array(got)
    if arr is None:
        return None, f"your function returned a {type(got).__name__}; expected an array of numbers."
    if not np.all(np.isfinite(arr)):
        return None, "your function returned NaN or infinity (a division by zero?)."
    return arr.astype(np.float64), None


# ---------------------------------------------------------------- the saliency judge

def _maps(call, model, images):
    arr, problem = _called(call, model, images)
    if problem:
        return None, problem
    n = len(images)
    if arr.shape == (n, 28, 28, 1):
        arr = arr[..., 0]
    if arr.shape != (n, 28, 28):
        return None, (f"for {n} images your function returned shape {arr.shape}; expected ({n}, 28, 28): one "
                      "28x28 map per image.")
    if arr.min() < -1e-6:
        k = int(np.argmin(arr.reshape(n, -1).min(axis=1)))
        return None, (f"map {k} has negative values (down to {arr[k].min():.3g}): a saliency map is the size of "
                      "the gradient, |d logit / d pixel|; take its absolute value.")
    peaks = arr.reshape(n, -1).max(axis=1)
    wrong = np.flatnonzero(np.abs(peaks - 1) > 1e-4)
    if len(wrong):
        k = int(wrong[0])
        if abs(peaks.max() - 1) <= 1e-4:
            return None, (f"your maps are not normalized each by its own maximum: the largest value of map "
                          f"{int(np.argmax(peaks))} is 1 but that of map {k} is {peaks[k]:.3g}. Did you divide every "
                          "map by one maximum for the whole batch?")
        return None, (f"your maps are not normalized: the largest value of map {k} is {peaks[k]:.3g}; divide each "
                      "map by its own maximum so that it is 1.")
    return arr, None


def _judge_saliency(call) -> str | None:
    """What is wrong with the student's saliency(discriminator, images); None when it is right."""
    linear, w = _linear_discriminator()
    x = _images(3, 62)
    maps, problem = _maps(call, linear, x)
    if problem:
        return f"On a linear discriminator, {problem}"
    expected = np.abs(w).reshape(28, 28) / np.abs(w).max()
    diff = np.abs(maps - expected).max(axis=(1, 2))
    if diff.max() > 1e-4:
        k = int(np.argmax(diff))
        as_image = np.abs(x[k, ..., 0]) / np.abs(x[k]).max()
        if np.abs(maps[k] - as_image).max() < 1e-3:
            return (f"on a linear discriminator l(x) = w.x + b your map {k} is the image itself: that is the gradient "
                    "with respect to the weights (d l / dw = x). Take the gradient with respect to the pixels "
                    "(d l / dx = w, so every map should be |w| / max |w|).")
        return (f"on a linear discriminator l(x) = w.x + b, d l / dx = w for every image, so every map should be "
                f"|w| / max |w|; your map {k} differs from it by up to {diff[k]:.3g}.")
    small = _small_discriminator()
    x = _images(4, 63)
    maps, problem = _maps(call, small, x)
    if problem:
        return f"On a small non-linear discriminator, {problem}"
    expected = saliency(small, x)
    diff = np.abs(maps - expected).max(axis=(1, 2))
    if diff.max() > 1e-3:
        import tensorflow as tf

        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            logit = small(xt, training=True)
        in_training = metrics.normalize_maps(tape.gradient(logit, xt).numpy()[..., 0])
        if np.abs(maps - in_training).max() < 1e-3:
            return ("on a small discriminator with batch normalization your maps are those of the discriminator in "
                    "training mode: call it with training=False (batch normalization then uses its stored "
                    "statistics, and each image's logit depends on that image alone).")
        k = int(np.argmax(diff))
        return (f"on a small non-linear discriminator your map {k} differs from |d logit / d pixel| / max by up to "
                f"{diff[k]:.3g} (the linear one was right).")
    return None


# ---------------------------------------------------------------- the score-climb judge

def _climbed(call, model, images, steps, lr):
    arr, problem = _called(call, model, images, steps, lr)
    if problem:
        return None, problem
    if arr.shape != images.shape:
        return None, (f"for images of shape {images.shape} your function returned shape {arr.shape}; return the "
                      "climbed images in the shape they came in.")
    if arr.min() < -1 - 1e-5 or arr.max() > 1 + 1e-5:
        return None, (f"your images leave [-1, 1]: their pixels range from {arr.min():.3g} to {arr.max():.3g} "
                      f"(steps={steps}, lr={lr}). Pixels of a tanh image lie in [-1, 1]: clip them after each step.")
    return arr, None


def _judge_score_climb(call) -> str | None:
    """What is wrong with the student's score_climb(discriminator, images, steps, lr); None when it is right."""
    linear, w = _linear_discriminator()
    x = _images(4, 64, -0.5, 0.5)          # inside [-1, 1]: small steps never reach the clip
    start = _logits(linear, x).mean()
    one, problem = _climbed(call, linear, x, 1, 0.01)
    if problem:
        return problem
    after = _logits(linear, one).mean()
    if after < start - 1e-6:
        return (f"one step (lr=0.01) on a linear discriminator made the mean logit fall from {start:.4g} to "
                f"{after:.4g}: are you descending instead of climbing? Add lr times the gradient.")
    if after <= start + 1e-6:
        return (f"one step (lr=0.01) left the mean logit at {start:.4g}: your function does not move the images "
                "along the gradient.")
    moves = (one - x).reshape(len(x), -1)
    cosines = moves @ w / (np.linalg.norm(moves, axis=1) * np.linalg.norm(w) + 1e-12)
    if cosines.min() < 0.99:
        k = int(np.argmin(cosines))
        return (f"a step should move the pixels along the gradient d logit / dx, which for a linear discriminator "
                f"l(x) = w.x + b is w itself; your first step on image {k} points elsewhere (cosine {cosines[k]:.2f} "
                "with w). Did you take the sign of the gradient, or normalize it per pixel?")
    five, problem = _climbed(call, linear, x, 5, 0.01)
    if problem:
        return problem
    after5 = _logits(linear, five).mean()
    if after5 <= after + 1e-6:
        return (f"5 steps raised the mean logit to {after5:.4g}, no higher than 1 step did ({after:.4g}): does your "
                "loop take `steps` steps?")
    digits = np.where(_images(4, 65) > 0, 1.0, -1.0).astype("float32")   # every pixel at -1 or 1
    _, problem = _climbed(call, linear, digits, 3, 2.0)
    if problem:
        return problem
    small = _small_discriminator()
    x = _images(4, 66)
    start = _logits(small, x).mean()
    climbed, problem = _climbed(call, small, x, 10, 0.05)
    if problem:
        return problem
    after = _logits(small, climbed).mean()
    if after <= start:
        return (f"on a small non-linear discriminator 10 steps (lr=0.05) took the mean logit from {start:.4g} to "
                f"{after:.4g}; gradient ascent should raise it. Recompute the gradient at each step.")
    for what, model, images, steps, lr in _climb_cases():
        stats = [np.array(v) for v in model.non_trainable_weights]
        climbed, problem = _climbed(call, model, images, steps, lr)
        if problem:
            return problem
        if any(not np.array_equal(a, np.array(b)) for a, b in zip(stats, model.non_trainable_weights)):
            return (f"your function changed the discriminator's batch-normalization statistics ({what}): it ran the "
                    "discriminator in training mode. Call it with training=False: climbing looks at the "
                    "discriminator, it does not train it.")
        expected = _variant(model, images, steps, lr)
        if np.abs(climbed - expected).max() > CLIMB_ATOL:
            return _climb_difference(what, model, images, steps, lr, climbed, expected)
    return None


CLIMB_ATOL = 2e-4   # pixels: float32 gradients computed in another order differ by far less


def _climb_cases() -> list[tuple]:
    """(in words, a discriminator, images, steps, lr) on which a climb must follow gradient ascent exactly: a
    linear discriminator, a non-linear one, and the non-linear one with a step so large that pixels reach the
    clip on the way."""
    return [("on a linear discriminator, 3 steps, lr=0.02", _linear_discriminator()[0], _images(4, 64, -0.5, 0.5), 3,
             0.02),
            ("on a small non-linear discriminator, 7 steps, lr=0.3", _small_discriminator(), _images(5, 67), 7, 0.3),
            ("on a small non-linear discriminator, 6 steps, lr=4 (pixels reach -1 or 1 on the way)",
             _small_discriminator(), _images(3, 68, -0.9, 0.9), 6, 4.0)]


def _variant(model, images, steps: int, lr: float, kind: str = "") -> np.ndarray:
    """Gradient ascent as it should be (kind ""), or with one typical mistake, to name what a student's climb does."""
    import tensorflow as tf

    x = tf.Variable(np.asarray(images, dtype=np.float32))
    fixed = None
    for _ in range(steps + 1 if kind == "one_more" else steps):
        with tf.GradientTape() as tape:
            logit = model(x, training=False)
            if kind == "sigmoid":
                logit = tf.sigmoid(logit)
            total = tf.reduce_mean(logit) if kind == "mean" else tf.reduce_sum(logit)
        g = tape.gradient(total, x)
        if kind == "fixed":
            fixed = g if fixed is None else fixed
            g = fixed
        if kind == "unit":
            g = g / (tf.norm(tf.reshape(g, (len(images), -1)), axis=1)[:, None, None, None] + 1e-12)
        step = x + lr * g
        x.assign(step if kind == "clip_at_end" else tf.clip_by_value(step, -1.0, 1.0))
    return np.clip(x.numpy(), -1.0, 1.0) if kind == "clip_at_end" else x.numpy()


_CLIMB_MISTAKES = {
    "one_more": "your loop takes one step more than `steps` (range(steps + 1)?)",
    "clip_at_end": "your pixels are clipped to [-1, 1] once at the end; clip after every step, so that each "
                   "gradient is taken at an image whose pixels lie in [-1, 1]",
    "fixed": "your climb uses the gradient of the first step at every step; compute it again at each new image",
    "unit": "your steps have length lr (the gradient divided by its length); a step is lr times the gradient "
            "itself, so it is long where the logit is steep",
    "sigmoid": "your climb raises sigmoid(logit), the probability, whose gradient shrinks as the image looks real; "
               "climb the logit itself",
    "mean": "your steps are N times too small: the gradient of the batch's mean logit is each image's gradient "
            "divided by N; differentiate the sum of the logits, which gives each image its own gradient",
}


def _climb_difference(what: str, model, images, steps, lr, climbed, expected) -> str:
    """Name the mistake whose climb matches the student's, or say how far the student's images are from the right
    ones."""
    for kind, said in _CLIMB_MISTAKES.items():
        if np.abs(climbed - _variant(model, images, steps, lr, kind)).max() <= CLIMB_ATOL:
            return f"{what}: {said}."
    return (f"{what}, your images differ from those of gradient ascent x <- clip(x + lr * d logit / dx, -1, 1) by "
            f"up to {np.abs(climbed - expected).max():.3g} per pixel. Does each step use the `lr` and `steps` "
            "given, the gradient of each image's own logit (training=False), and a clip after every step?")


# ---------------------------------------------------------------- the register

def _pairs() -> list[tuple]:
    rng = np.random.default_rng(6)
    a = rng.normal(size=50)
    return [(a, a ** 3 + rng.normal(scale=0.5, size=50)), (a, -a), (np.arange(10.0), rng.permutation(10).astype(float))]


register(Exercise(
    "06.top_k", metrics.top_k,
    lambda: [(np.array([0.2, 3.0, -1.0, 2.5, 0.0]), 3), (np.random.default_rng(7).normal(size=40), 5),
             (np.random.default_rng(300).normal(size=300), 200), (np.random.default_rng(1000).normal(size=1000), 300)],
    describe=lambda args: f" for {len(args[0])} scores and k={args[1]}" if len(args) == 2 else "",
    section=SECTION_BEST,
    hints=("sort the indices by score, largest first, and keep the first k (in that order: the best first).",
           "np.argsort sorts ascending: the indices of the largest scores come first when you sort -scores.",
           "return np.argsort(-np.asarray(scores))[:k]")))

register(Exercise(
    "06.spearman", metrics.spearman, _pairs, section=SECTION_SPEARMAN,
    hints=("replace each value by its rank (0 for the smallest), then correlate the ranks, not the values.",
           "rho = the Pearson correlation of rank(a) and rank(b); np.argsort(np.argsort(x)) gives the ranks, "
           "np.corrcoef(u, v)[0, 1] the Pearson correlation.",
           "rank_a, rank_b = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))\n"
           "return float(np.corrcoef(rank_a, rank_b)[0, 1])")))

register(Exercise(
    "06.saliency", saliency, judge=_judge_saliency, measure=True, section=SECTION_SALIENCY,
    hints=("the saliency of a pixel is how strongly the logit reacts to it: the gradient of the logit with "
           "respect to the input image (the weights held fixed), its size only, scaled image by image.",
           "S_k = |d l(x_k) / d x_k| / max over the pixels of |d l(x_k) / d x_k|, one map per image, with "
           "l = discriminator(x, training=False); tf.GradientTape must watch the images (tape.watch(x)).",
           "x = tf.constant(np.asarray(images, 'float32'))\n"
           "with tf.GradientTape() as tape:\n"
           "    tape.watch(x)\n"
           "    logit = discriminator(x, training=False)\n"
           "g = np.abs(tape.gradient(logit, x).numpy())[..., 0]\n"
           "return g / g.max(axis=(1, 2), keepdims=True)")))

register(Exercise(
    "06.score_climb", score_climb, judge=_judge_score_climb, time_limit=TRAINING_LIMIT_S, measure=True, section=SECTION_CLIMB,
    hints=("gradient ascent: move the pixels a small step along the gradient of the logit with respect to them, "
           "compute the gradient again at the new images, repeat; keep the pixels in [-1, 1], and leave the "
           "caller's array alone.",
           "x <- clip(x + lr * d l(x) / dx, -1, 1), `steps` times, with l = discriminator(x, training=False) "
           "summed over the batch (the sum gives each image the gradient of its own logit).",
           "x = tf.Variable(np.asarray(images, 'float32'))\n"
           "for _ in range(steps):\n"
           "    with tf.GradientTape() as tape:\n"
           "        logit = tf.reduce_sum(discriminator(x, training=False))\n"
           "    x.assign(tf.clip_by_value(x + lr * tape.gradient(logit, x), -1.0, 1.0))\n"
           "return x.numpy()")))
