"""Repairing damaged digits: notebook 08's three measurements, its digit reader and its report, and notebook 09's
trained restorers (the training step of an image-to-image GAN and its loop).

- ``hide``, ``add_noise``, ``downsample``: the damages of notebook 08 (a missing square, added noise, 4x4 averages);
  ``blocks`` draws a 7x7 digit as a 28x28 one (each value a 4x4 block), the restorers' input; ``blur``, 08's
  baseline for denoising.
- ``read`` and ``report``: the digit reader's verdicts and notebook 08's table (error on y, error on x, read right).
- ``invert`` and ``best_start``: notebook 08's inversion, for any generator.
- ``make_restorer_step`` and ``train_restorer``: notebook 09's update of a restorer (L1, plus a conditional
  PatchGAN's verdict when there is a discriminator) and its loop with a progress line.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from helpers import metrics

__all__ = ["hole_mask", "hide", "add_noise", "downsample", "blocks", "blur", "read", "scores", "report", "invert",
           "best_start", "receptive_field", "make_restorer_step", "train_restorer"]

HOLE = 14
"""The side of the missing square of notebook 08's completing, in pixels."""

NOISE = 0.6
"""The standard deviation of notebook 08's added noise (pixels in [-1, 1])."""

FACTOR = 4
"""Notebook 08's sharpening: 28x28 averaged down by this factor, to 7x7."""


# ---------------------------------------------------------------- the damages

def hole_mask(hole: int = HOLE) -> np.ndarray:
    """1 where a pixel is known, 0 in the middle square of side ``hole``; shape (1, 28, 28, 1) (notebook 08)."""
    mask = np.ones((1, 28, 28, 1), "float32")
    lo = (28 - hole) // 2
    mask[:, lo:lo + hole, lo:lo + hole] = 0.0
    return mask


def hide(images, hole: int = HOLE) -> np.ndarray:
    """The images with their middle ``hole`` x ``hole`` square set to 0, mid-grey (notebook 08)."""
    return images * hole_mask(hole)


def add_noise(images, seed: int, sigma: float = NOISE) -> np.ndarray:
    """The images plus Gaussian noise of standard deviation ``sigma``, clipped to [-1, 1] (notebook 08)."""
    rng = np.random.default_rng(seed)
    return np.clip(images + sigma * rng.normal(size=np.shape(images)), -1, 1).astype("float32")


def downsample(images, factor: int = FACTOR):
    """The mean of each ``factor`` x ``factor`` block of pixels, a tensor: (N, 28, 28, 1) -> (N, 7, 7, 1) (notebook 08)."""
    import tensorflow as tf

    return tf.nn.avg_pool2d(images, factor, factor, "VALID")


def blocks(small, factor: int = FACTOR) -> np.ndarray:
    """A small image drawn at full size, each value a ``factor`` x ``factor`` block (notebook 08)."""
    small = np.asarray(small)
    return np.repeat(np.repeat(small, factor, axis=1), factor, axis=2)


def blur(images, width: float) -> np.ndarray:
    """A Gaussian blur of width ``width`` pixels (a 7x7 kernel; the image's edge mirrored outward) (notebook 08)."""
    import tensorflow as tf

    r = np.arange(-3, 4)
    kernel = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * width ** 2))
    kernel = (kernel / kernel.sum()).astype("float32")[:, :, None, None]
    padded = tf.pad(images, [[0, 0], [3, 3], [3, 3], [0, 0]], mode="SYMMETRIC")
    return tf.nn.conv2d(padded, kernel, strides=1, padding="VALID").numpy()


# ---------------------------------------------------------------- the reader and the report

def read(images) -> tuple[np.ndarray, np.ndarray]:
    """The digit reader's label for each image, and its confidence in it (notebook 08)."""
    probs = metrics.features_and_probabilities(np.clip(images, -1, 1))[1]
    return probs.argmax(axis=1), probs.max(axis=1)


def scores(measure: Callable, y, images, truth, labels) -> dict:
    """Error on y, error on the true digit (both mean squared, per value) and share read right (notebook 08)."""
    return {"on_y": float(np.mean((np.asarray(measure(images)) - y) ** 2)),
            "on_x": float(np.mean((images - truth) ** 2)),
            "right": float(np.mean(read(images)[0] == labels))}


def report(measure: Callable, y, repairs: dict, truth, labels, *, fcd: bool = False,
           ms: dict | None = None, seconds: dict | None = None) -> dict:
    """Print and return, per repair, the error on y, the error on x and the share read right; with ``fcd`` also
    each repaired set's FCD, with ``ms`` the milliseconds per digit given for each, with ``seconds`` the seconds
    given for each (notebooks 08 and 09)."""
    extra = ((f"{'FCD':>8s}" if fcd else "") + (f"{'ms/digit':>10s}" if ms is not None else "")
             + (f"{'seconds':>9s}" if seconds is not None else ""))
    print(f"{'':24s}{'error on y':>12s}{'error on x':>12s}{'read right':>12s}{extra}")
    results = {}
    for name, images in repairs.items():
        row = scores(measure, y, images, truth, labels)
        line = f"{name:24s}{row['on_y']:12.4f}{row['on_x']:12.4f}{row['right']:12.1%}"
        if fcd:
            row["fcd"] = metrics.fcd(np.clip(images, -1, 1))
            line += f"{row['fcd']:8.2f}"
        if ms is not None:
            row["ms"] = ms.get(name, float("nan"))
            line += f"{row['ms']:10.3f}"
        if seconds is not None:
            row["seconds"] = seconds.get(name, float("nan"))
            line += f"{row['seconds']:9.1f}"
        print(line)
        results[name] = row
    return results


# ---------------------------------------------------------------- notebook 08's inversion

def invert(generator, measure: Callable, y, lam: float = 0.03, starts: int = 8, steps: int = 200, lr: float = 0.05,
           seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Adam on |measure(G(z)) - y|^2 + lam |z|^2 from ``starts`` random latents per image: the latents, shape
    (starts, N, Z), and each one's data fit, shape (starts, N) (notebook 08)."""
    import keras
    import tensorflow as tf

    from helpers.train import latent_size

    n, z_dim = len(y), latent_size(generator)
    z = tf.Variable(np.random.default_rng(seed).normal(size=(starts * n, z_dim)).astype("float32"))
    target = tf.constant(np.concatenate([y] * starts))
    opt = keras.optimizers.Adam(lr)

    def data_fit():
        diff = measure(generator(z, training=False)) - target
        return tf.reduce_sum(tf.square(diff), axis=[1, 2, 3])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(data_fit() + lam * tf.reduce_sum(tf.square(z), axis=1))
        opt.apply_gradients([(tape.gradient(loss, z), z)])

    for _ in range(steps):
        step()
    return z.numpy().reshape(starts, n, z_dim), data_fit().numpy().reshape(starts, n)


def best_start(generator, z, fit) -> tuple[np.ndarray, np.ndarray]:
    """For each image, the latent of the start with the smallest data fit, and its image G(z*) (notebook 08)."""
    best = fit.argmin(axis=0)
    z_best = z[best, np.arange(z.shape[1])]
    return z_best, generator.predict(z_best, batch_size=256, verbose=0)


# ---------------------------------------------------------------- notebook 09's trained restorers

def receptive_field(layers: list[tuple[int, int]]) -> int:
    """The side of the input square one output value sees, through conv layers given as (kernel, stride) (notebook 09)."""
    side, jump = 1, 1
    for kernel, stride in layers:
        side += (kernel - 1) * jump
        jump *= stride
    return side


def make_restorer_step(generator, discriminator, g_opt, d_opt=None, l1_weight: float = 100.0,
                       jit_compile: bool = False) -> Callable:
    """One compiled update, step(damaged, real) -> dict of losses: with a discriminator D([damaged, image]) that
    returns a logit per patch, G minimizes adv + l1_weight * L1 and D notebook 02's loss; without one (None),
    G minimizes l1_weight * L1 alone (notebook 09)."""
    import tensorflow as tf

    from helpers.train import discriminator_loss, generator_loss

    @tf.function(jit_compile=jit_compile)
    def l1_step(damaged, real):
        with tf.GradientTape() as tape:
            l1 = tf.reduce_mean(tf.abs(real - generator(damaged, training=True)))
            g_loss = l1_weight * l1
        g_opt.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))
        return {"g_loss": g_loss, "l1": l1}

    @tf.function(jit_compile=jit_compile)
    def gan_step(damaged, real):
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = generator(damaged, training=True)
            real_logits = discriminator([damaged, real], training=True)
            fake_logits = discriminator([damaged, fake], training=True)
            d_loss = discriminator_loss(real_logits, fake_logits)
            l1 = tf.reduce_mean(tf.abs(real - fake))
            g_loss = generator_loss(fake_logits) + l1_weight * l1
        g_opt.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))
        d_opt.apply_gradients(zip(d_tape.gradient(d_loss, discriminator.trainable_variables),
                                  discriminator.trainable_variables))
        return {"g_loss": g_loss, "l1": l1, "d_loss": d_loss}

    return l1_step if discriminator is None else gan_step


def train_restorer(step: Callable, clean: np.ndarray, damage: Callable[[np.ndarray, int], np.ndarray], *,
                   seconds: float, max_steps: int | None = None, batch_size: int = 64, seed: int = 0, name: str = "",
                   verbose: bool = True) -> dict:
    """Run ``step(damage(batch, k), batch)`` on random batches of clean digits (uint8, or floats in [-1, 1]) for
    ``seconds`` of training time (or ``max_steps``), with one progress line; return the steps, the seconds and the
    mean losses of the last 10% of steps. The first step, which compiles, is not timed (notebook 09)."""
    from helpers.train import Progress, TrainingDiverged

    if not seconds > 0 or batch_size < 1 or batch_size > len(clean):
        raise ValueError(f"seconds={seconds}, batch_size={batch_size} for {len(clean)} images: give a positive time "
                         "and a batch no larger than the training set")
    rng = np.random.default_rng(seed)
    progress, history, spent, k = Progress(verbose), {}, 0.0, 0
    while spent < seconds and (max_steps is None or k < max_steps):
        batch = clean[np.sort(rng.integers(0, len(clean), batch_size))]
        real = metrics.as_tanh_images(batch)
        damaged = np.asarray(damage(real, seed * 1_000_003 + k), "float32")
        t0 = time.perf_counter()
        out = {key: float(v) for key, v in step(damaged, real).items()}
        spent += (time.perf_counter() - t0) if k else 0.0
        k += 1
        if not all(np.isfinite(v) for v in out.values()):
            raise TrainingDiverged(f"{name}: a loss became NaN or infinite at step {k} ({out}); lower the "
                                   "learning rate and train again")
        for key, v in out.items():
            history.setdefault(key, []).append(v)
        losses = " · ".join(f"{key} {np.mean(v[-50:]):.3f}" for key, v in history.items())
        progress.show(f"{name}: step {k} · {spent:.0f} of {seconds:.0f} s · {losses}")
    progress.show(f"{name}: {k} steps in {spent:.0f} s · {losses}", force=True)
    progress.close()
    tail = max(1, k // 10)
    return {"steps": k, "seconds": spent, **{key: float(np.mean(v[-tail:])) for key, v in history.items()}}
