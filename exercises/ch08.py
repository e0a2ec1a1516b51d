"""The exercises of notebook 08 (what a generator knows): the downsampling measurement, the inversion loss with a
mask and a prior, and inverting a generator through a mask.

The last two are judged by what the student's code does with a small generator the check builds: a linear one,
G(z) = W z + b reshaped to 28x28x1, with a dropout layer that acts only in training mode. For it the loss and its
gradient have formulas, and the best latent too: the loss is a quadratic in z, so
z* = (W' M W + lam I)^-1 W' M (y - b), with M the mask.
"""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, Caller, _as_array, TRAINING_LIMIT_S, register

SECTION_SHARPEN = "'Sharpening a 7×7 digit' in notebook 08"
SECTION_IDEA = "'The idea in one formula' and 'Inversion, written out' in notebook 08"
Z_DIM = 4          # the check's small generator
LAM = 0.5          # the prior's weight in the checks: large enough that forgetting it shows


def downsample(images, factor: int) -> np.ndarray:
    """Reference of notebook 08's exercise: the mean of each factor x factor block of pixels,
    (N, H, W, C) -> (N, H / factor, W / factor, C)."""
    x = np.asarray(images, dtype=np.float64)
    n, h, w, c = x.shape
    return x.reshape(n, h // factor, factor, w // factor, factor, c).mean(axis=(2, 4))


def inversion_loss(generator, z, y, mask, lam: float):
    """Reference of notebook 08's exercise: sum over the pixels of mask * (G(z) - y)^2, plus lam * |z|^2: one loss
    per latent, shape (N,), a tensor TensorFlow can differentiate with respect to z."""
    import tensorflow as tf

    diff = generator(z, training=False) - tf.constant(np.asarray(y, "float32"))
    fit = tf.reduce_sum(tf.constant(np.asarray(mask, "float32")) * tf.square(diff), axis=[1, 2, 3])
    return fit + lam * tf.reduce_sum(tf.square(z), axis=1)


def invert(generator, y, mask, lam: float, steps: int, lr: float) -> np.ndarray:
    """Reference of notebook 08's exercise: ``steps`` steps of Adam (learning rate ``lr``) on the summed inversion
    loss, from z = 0; returns the latents, shape (N, Z)."""
    import keras
    import tensorflow as tf

    z = tf.Variable(tf.zeros((len(y), generator.input_shape[1])))
    opt = keras.optimizers.Adam(lr)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(inversion_loss(generator, z, y, mask, lam))
        opt.apply_gradients([(tape.gradient(loss, z), z)])
    return z.numpy()


# ---------------------------------------------------------------- what the checks give the student's code

def _linear_generator():
    """G(z) = W z + b reshaped to (28, 28, 1), W and b known (returned), and a Dropout(0.5) that acts only when the
    generator is called with training=True."""
    import keras

    dense = keras.layers.Dense(784, kernel_initializer="zeros")
    model = keras.Sequential([keras.Input((Z_DIM,)), dense, keras.layers.Dropout(0.5),
                              keras.layers.Reshape((28, 28, 1))])
    rng = np.random.default_rng(80)
    w = rng.normal(0.0, 0.05, (Z_DIM, 784)).astype("float32")
    b = rng.normal(0.0, 0.2, 784).astype("float32")
    dense.set_weights([w, b])
    return model, w.astype(np.float64), b.astype(np.float64)


def _problem(seed: int, n: int = 3):
    """Latents, damaged images y (hidden pixels hold junk) and a mask with a hidden 10x10 square."""
    rng = np.random.default_rng(seed)
    _, w, b = _linear_generator()
    z_true = rng.normal(0.0, 1.5, (n, Z_DIM))
    y = (z_true @ w + b + rng.normal(0.0, 0.2, (n, 784))).reshape(n, 28, 28, 1)
    mask = np.ones((1, 28, 28, 1))
    mask[:, 9:19, 9:19] = 0.0
    y = np.where(mask > 0, y, rng.uniform(-1, 1, y.shape))
    z = rng.normal(0.0, 1.0, (n, Z_DIM))
    return z.astype("float32"), y.astype("float32"), mask.astype("float32")


def _loss(w, b, z, y, mask, lam, prior=lambda z: np.sum(z ** 2, axis=1)) -> np.ndarray:
    """The inversion loss of the linear generator, in float64, with the prior term replaceable."""
    g = (np.asarray(z, np.float64) @ w + b).reshape(len(z), 28, 28, 1)
    return np.sum(mask * (g - y) ** 2, axis=(1, 2, 3)) + lam * prior(np.asarray(z, np.float64))


def _best_z(w, b, y, mask, lam) -> np.ndarray:
    """z* = (W' M W + lam I)^-1 W' M (y - b) for each image: the minimum of the quadratic loss."""
    m = np.broadcast_to(mask, y.shape).reshape(len(y), 784)
    r = y.reshape(len(y), 784) - b
    return np.stack([np.linalg.solve((w * m[i]) @ w.T + lam * np.eye(len(w)), (w * m[i]) @ r[i])
                     for i in range(len(y))])


def _unchanged(given, original, name: str) -> str | None:
    if not np.array_equal(given, original):
        return f"your function changed its input `{name}`: work on a copy, e.g. {name} = np.array({name})."
    return None


# ---------------------------------------------------------------- the inversion-loss judge

def _loss_and_gradient(answer, generator, z, y, mask, lam):
    """Call the student's loss on z as a tf.Variable, inside a tape: its value and d(sum of losses)/dz, or a word
    saying why there is no gradient."""
    import tensorflow as tf

    zv = tf.Variable(z)
    with tf.GradientTape() as tape:
        loss = answer(generator, zv, y, mask, lam)
        if loss is None:
            return None
        if not tf.is_tensor(loss):
            return ("not a tensor", type(loss).__name__)
        total = tf.reduce_sum(loss)
    grad = tape.gradient(total, zv)
    return ("no gradient", "") if grad is None else ("ok", grad.numpy())


def _judge_inversion_loss(call: Caller) -> str | None:
    """What is wrong with the student's inversion_loss(generator, z, y, mask, lam); None when it is right."""
    g, w, b = _linear_generator()
    z, y, mask = _problem(81)
    given = (z.copy(), y.copy(), mask.copy())
    got = call(g, given[0], given[1], given[2], LAM, copy_inputs=False)
    for arr, original, name in zip(given, (z, y, mask), ("z", "y", "mask")):
        if (problem := _unchanged(arr, original, name)):
            return problem
    arr = _as_array(got)
    if arr is None:
        return f"your function returned a {type(got).__name__}; expected one loss per latent."
    n = len(z)
    if arr.shape != (n,):
        if arr.size == 1:
            return (f"for {n} latents your function returned one number: the loss summed over the batch? Return "
                    f"one loss per latent, shape ({n},).")
        return f"for {n} latents your function returned shape {arr.shape}; expected one loss per latent, shape ({n},)."
    arr = arr.astype(np.float64)
    expected = _loss(w, b, z, y, mask, LAM)
    if not np.allclose(arr, expected, rtol=1e-4, atol=1e-3):
        again = _as_array(call(g, z.copy(), y.copy(), mask.copy(), LAM, copy_inputs=False))
        if again is not None and again.shape == arr.shape and not np.allclose(again, arr, rtol=1e-5, atol=1e-5):
            return ("called twice on the same inputs, your function returned two different losses: the generator "
                    "runs in training mode, where its dropout layer is random. Call it with training=False.")
        variants = {
            "the hidden pixels count in your loss: multiply the squared differences by the mask, so only the known "
            "pixels are compared.": _loss(w, b, z, y, np.ones_like(mask), LAM),
            "your loss has no prior term: add lam * |z|^2 (the sum of the squared latent coordinates).":
                _loss(w, b, z, y, mask, 0.0),
            "your prior is lam * |z|, the length of z; the prior of N(0, I) gives its squared length, lam * |z|^2.":
                _loss(w, b, z, y, mask, LAM, prior=lambda v: np.linalg.norm(v, axis=1)),
            "your data fit is a mean over the pixels; the formula sums the squared differences over them.":
                _loss(w, b, z, y, mask, 0.0) / 784 + LAM * np.sum(z.astype(np.float64) ** 2, axis=1),
            "the mask multiplies G(z) but not y, so the hidden pixels of y still count: mask the difference "
            "G(z) - y.": np.sum(((mask * (z.astype(np.float64) @ w + b).reshape(n, 28, 28, 1)) - y) ** 2,
                                axis=(1, 2, 3)) + LAM * np.sum(z.astype(np.float64) ** 2, axis=1),
        }
        for message, value in variants.items():
            if np.allclose(arr, value, rtol=1e-4, atol=1e-3):
                return f"On a linear generator, {message}"
        k = int(np.argmax(np.abs(arr - expected)))
        return (f"on a linear generator G(z) = Wz + b your loss of latent {k} is {arr[k]:.6g}; the formula gives "
                f"{expected[k]:.6g}.")
    worded = Caller(call.ex, lambda *args: _loss_and_gradient(call.answer, *args))(
        g, z.copy(), y.copy(), mask.copy(), LAM, copy_inputs=False)
    if worded[0] == "not a tensor":
        return (f"your loss is a {worded[1]}, not a TensorFlow tensor: the search needs its gradient with respect "
                "to z. Compute it with tf operations (tf.reduce_sum, tf.square), not NumPy.")
    if worded[0] == "no gradient":
        return ("TensorFlow cannot differentiate your loss with respect to z: did a .numpy() or a NumPy function "
                "break the chain from z to the loss?")
    m = np.broadcast_to(mask, y.shape).reshape(n, 784)
    residual = m * ((z.astype(np.float64) @ w + b) - y.reshape(n, 784))
    expected_grad = 2 * residual @ w.T + 2 * LAM * z.astype(np.float64)
    if not np.allclose(worded[1], expected_grad, rtol=1e-3, atol=1e-3):
        return ("your loss has the right values, but its gradient with respect to z is not the formula's: is part "
                "of it cut off from z (tf.stop_gradient, a constant made from z)?")
    return None


# ---------------------------------------------------------------- the inversion judge

def _judge_invert(call: Caller) -> str | None:
    """What is wrong with the student's invert(generator, y, mask, lam, steps, lr); None when it is right."""
    g, w, b = _linear_generator()
    _, y, mask = _problem(82, n=4)
    steps, lr = 200, 0.05
    given_y, given_mask = y.copy(), mask.copy()
    got = call(g, given_y, given_mask, LAM, steps, lr, copy_inputs=False)
    for arr, original, name in ((given_y, y, "y"), (given_mask, mask, "mask")):
        if (problem := _unchanged(arr, original, name)):
            return problem
    arr = _as_array(got)
    if arr is None:
        return f"your function returned a {type(got).__name__}; expected the latents, an array of shape (N, Z)."
    if arr.shape != (len(y), Z_DIM):
        return (f"for {len(y)} images and a generator with {Z_DIM} latent numbers your function returned shape "
                f"{arr.shape}; expected one latent per image, shape ({len(y)}, {Z_DIM}).")
    if not np.all(np.isfinite(arr)):
        return "your latents contain NaN or infinity: is the learning rate applied, and the loss finite?"
    arr = arr.astype(np.float64)
    best = _best_z(w, b, y, mask, LAM)
    if np.abs(arr - best).max() <= 0.02 * (1 + np.abs(best).max()):
        return None
    yours, least, at_zero = (_loss(w, b, v, y, mask, LAM).mean() for v in (arr, best, np.zeros_like(best)))
    if yours > at_zero:
        return (f"your latents make the loss larger ({yours:.4g}) than z = 0 does ({at_zero:.4g}): are you "
                "climbing the loss instead of descending it?")
    known = {"the best latents without the prior (lam = 0): add lam * |z|^2 to the loss.":
                 _best_z(w, b, y, mask, 0.0),
             "the best latents when every pixel counts: your loss ignores the mask, so the hidden pixels (which "
             "hold anything) pull z.": _best_z(w, b, y, np.ones_like(mask), LAM)}
    for message, z_other in known.items():
        if np.abs(arr - z_other).max() <= 0.02 * (1 + np.abs(z_other).max()):
            return f"On a linear generator your latents are {message}"
    return (f"on a linear generator, where the best latents have a formula, your latents differ from them by up "
            f"to {np.abs(arr - best).max():.3g}; the mean loss is {yours:.4g} at yours and {least:.4g} at the best "
            f"({steps} steps, lr={lr}). Does your loop take `steps` Adam steps, with the generator in inference "
            "mode (training=False)?")


# ---------------------------------------------------------------- the register

def _downsample_cases() -> list[tuple]:
    rng = np.random.default_rng(8)
    return [(rng.uniform(-1, 1, (2, 28, 28, 1)), 4), (rng.uniform(-1, 1, (3, 28, 28, 1)), 2),
            (rng.uniform(-1, 1, (1, 28, 28, 1)), 7)]


register(Exercise(
    "08.downsample", downsample, _downsample_cases, section=SECTION_SHARPEN,
    describe=lambda args: f" (images of shape {np.shape(args[0])}, factor {args[1]})",
    hints=("cut each image into factor x factor blocks of pixels and replace every block by the mean of its "
           "pixels: the output is factor times smaller along each side.",
           "out[n, i, j, c] = mean of images[n, i*f + a, j*f + b, c] over a, b in 0 .. f-1. Reshaping (N, H, W, C) "
           "to (N, H/f, f, W/f, f, C) puts each block on axes 2 and 4.",
           "n, h, w, c = images.shape\n"
           "return np.asarray(images).reshape(n, h // factor, factor, w // factor, factor, c).mean(axis=(2, 4))")))

register(Exercise(
    "08.inversion_loss", inversion_loss, judge=_judge_inversion_loss, measure=True, section=SECTION_IDEA,
    hints=("two terms for each latent: how far its image is from y on the known pixels only, and how unlikely "
           "the latent is under N(0, I). Keep everything in TensorFlow so that the loss can be differentiated.",
           "loss_i = sum over pixels of mask * (G(z_i) - y_i)^2 + lam * sum over coordinates of z_i^2, with "
           "G = generator(z, training=False); reduce over axes [1, 2, 3] for the pixels and axis 1 for z.",
           "diff = generator(z, training=False) - y\n"
           "fit = tf.reduce_sum(mask * tf.square(diff), axis=[1, 2, 3])\n"
           "return fit + lam * tf.reduce_sum(tf.square(z), axis=1)")))

register(Exercise(
    "08.invert", invert, judge=_judge_invert, time_limit=TRAINING_LIMIT_S, measure=True, section=SECTION_IDEA,
    hints=("start from z = 0 as a tf.Variable, and repeat: compute the loss of exercise 2 summed over the "
           "batch, its gradient with respect to z, and let Adam take a step.",
           "z <- z - Adam step of d/dz sum_i [sum mask * (G(z_i) - y_i)^2 + lam |z_i|^2], `steps` times, with "
           "keras.optimizers.Adam(lr) and opt.apply_gradients([(gradient, z)]).",
           "z = tf.Variable(tf.zeros((len(y), generator.input_shape[1])))\n"
           "opt = keras.optimizers.Adam(lr)\n"
           "for _ in range(steps):\n"
           "    with tf.GradientTape() as tape:\n"
           "        diff = generator(z, training=False) - y\n"
           "        loss = tf.reduce_sum(mask * tf.square(diff)) + lam * tf.reduce_sum(tf.square(z))\n"
           "    opt.apply_gradients([(tape.gradient(loss, z), z)])\n"
           "return z.numpy()")))
