"""The series' one training-loop style, written out in notebook 02 and packaged here for the later notebooks.

- ``make_train_step``: one compiled step that updates D, then G, and returns the losses and D's mean
  verdicts. Discriminators output a **logit** (no sigmoid); D(x) = sigmoid(logit).
- ``train_gan``: epochs over the images with a progress bar (ETA, losses), an optional wall-clock budget,
  and a callback at the end of every epoch (e.g. to draw a fixed latent batch). Returns the history.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def discriminator_loss(real_logit, fake_logit, real_label: float = 1.0):
    """BCE of real logits against ``real_label`` (1, or 0.9 with one-sided label smoothing) + BCE of fakes against 0."""
    import tensorflow as tf

    real_logit, fake_logit = tf.convert_to_tensor(real_logit), tf.convert_to_tensor(fake_logit)
    bce = tf.nn.sigmoid_cross_entropy_with_logits
    return (tf.reduce_mean(bce(labels=tf.fill(tf.shape(real_logit), tf.cast(real_label, real_logit.dtype)), logits=real_logit))
            + tf.reduce_mean(bce(labels=tf.zeros_like(fake_logit), logits=fake_logit)))


def generator_loss(fake_logit):
    """The non-saturating generator loss: BCE of the fakes' logits against the label 'real', i.e. -mean log D(G(z))."""
    import tensorflow as tf

    fake_logit = tf.convert_to_tensor(fake_logit)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(fake_logit), logits=fake_logit))


def make_train_step(generator, discriminator, g_opt, d_opt, real_label: float = 1.0,
                    jit_compile: bool = False) -> Callable:
    """Return step(real, z) -> dict of d_loss, g_loss, d_real, d_fake: one D update, then one G update."""
    import tensorflow as tf

    @tf.function(jit_compile=jit_compile)
    def step(real, z):
        with tf.GradientTape() as d_tape:
            fake = generator(z, training=True)
            real_logit = discriminator(real, training=True)
            fake_logit = discriminator(fake, training=True)
            d_loss = discriminator_loss(real_logit, fake_logit, real_label)
        d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
        d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))
        with tf.GradientTape() as g_tape:
            fake_logit = discriminator(generator(z, training=True), training=True)
            g_loss = generator_loss(fake_logit)
        g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
        g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
        return {"d_loss": d_loss, "g_loss": g_loss,
                "d_real": tf.reduce_mean(tf.sigmoid(real_logit)), "d_fake": tf.reduce_mean(tf.sigmoid(fake_logit))}

    return step


def check_models(generator, discriminator, images: np.ndarray) -> int:
    """Check that G maps (N, d) latents to images shaped like ``images`` and D maps them to one logit; return d."""
    shape = tuple(images.shape[1:])
    if len(generator.input_shape) != 2:
        raise ValueError(f"the generator should take latent vectors (None, d), it takes {generator.input_shape}")
    if tuple(generator.output_shape[1:]) != shape:
        raise ValueError(f"the generator makes images of shape {generator.output_shape[1:]}, the data has {shape}")
    if tuple(discriminator.output_shape[1:]) != (1,):
        raise ValueError(f"the discriminator should output one logit per image, (None, 1); it outputs "
                         f"{discriminator.output_shape}")
    return int(generator.input_shape[1])


def train_gan(generator, discriminator, images: np.ndarray, epochs: int, batch_size: int = 64,
              g_opt=None, d_opt=None, real_label: float = 1.0, time_budget_s: float | None = None,
              on_epoch_end: Callable[[int, dict], None] | None = None, step: Callable | None = None,
              seed: int = 0, verbose: bool = True) -> dict:
    """Train for ``epochs`` epochs (or until ``time_budget_s`` runs out); return the per-step history."""
    import keras
    import tensorflow as tf

    z_dim = check_models(generator, discriminator, images)
    g_opt = g_opt or keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_opt = d_opt or keras.optimizers.Adam(2e-4, beta_1=0.5)
    step = step or make_train_step(generator, discriminator, g_opt, d_opt, real_label=real_label)
    steps_per_epoch = len(images) // batch_size
    pixels = tf.constant(images)  # one copy in TensorFlow; batches are gathered by shuffled index
    data = (tf.data.Dataset.range(len(images)).shuffle(len(images), seed=seed)
            .batch(batch_size, drop_remainder=True).map(lambda idx: tf.gather(pixels, idx)).prefetch(2))
    noise = tf.random.Generator.from_seed(seed)
    history: dict[str, list[float]] = {"d_loss": [], "g_loss": [], "d_real": [], "d_fake": []}
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        bar = keras.utils.Progbar(steps_per_epoch, stateful_metrics=list(history)) if verbose else None
        if verbose:
            print(f"epoch {epoch}/{epochs}")
        for i, real in enumerate(data, 1):
            out = step(real, noise.normal((batch_size, z_dim)))
            values = [(k, float(v)) for k, v in out.items()]
            for k, v in values:
                history[k].append(v)
            if bar is not None and (i % 20 == 0 or i == steps_per_epoch):
                bar.update(i, values=values)
        history.setdefault("epoch_time_s", []).append(time.perf_counter() - start)
        if on_epoch_end:
            on_epoch_end(epoch, history)
        if time_budget_s is not None and time.perf_counter() - start >= time_budget_s:
            if verbose and epoch < epochs:
                print(f"time budget of {time_budget_s:.0f} s reached after epoch {epoch}")
            break
    return history


def train_for(step: Callable, images: np.ndarray, z_dim: int, seconds: float, batch_size: int = 64,
              marks: tuple[float, ...] = (), on_mark: Callable[[float, int], None] | None = None,
              seed: int = 0, max_steps: int | None = None) -> dict:
    """Run ``step`` on random batches for ``seconds`` of training time (or ``max_steps`` steps, if sooner).

    Calls on_mark(t, steps) at each mark; time spent there (e.g. measuring quality) is not counted.
    Returns steps, seconds and images/second. A step limit makes a run reproducible; a time limit does not.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    noise = tf.random.Generator.from_seed(seed)
    pending, spent, steps = sorted(marks), 0.0, 0
    while spent < seconds and (max_steps is None or steps < max_steps):
        real = images[rng.integers(0, len(images), batch_size)]
        t0 = time.perf_counter()
        step(real, noise.normal((batch_size, z_dim)))
        spent += time.perf_counter() - t0
        steps += 1
        while pending and spent >= pending[0]:
            mark = pending.pop(0)
            if on_mark:
                on_mark(mark, steps)
    return {"steps": steps, "seconds": spent, "images_per_s": steps * batch_size / spent}


# ---------------------------------------------------------------- exercises of notebook 02

def _register_exercises() -> None:
    from helpers.data import to_tanh_range
    from helpers.exercises import Exercise, register

    def logit_cases():
        rng = np.random.default_rng(3)
        return [(rng.normal(0, 3, 64).astype(np.float32), rng.normal(0, 3, 64).astype(np.float32), 0.9),
                (np.array([2.0, -1.0], np.float32), np.array([-3.0, 0.5], np.float32), 1.0)]

    def image_cases():
        rng = np.random.default_rng(4)
        return [(rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),), (np.array([[[0, 255] * 14] * 28], np.uint8),)]

    register(Exercise("02.discriminator_loss", lambda r, f, y: float(discriminator_loss(r, f, y)), logit_cases,
                      hint="mean BCE(real_label, real_logit) + mean BCE(0, fake_logit); BCE with logits: "
                           "tf.nn.sigmoid_cross_entropy_with_logits(labels=..., logits=...)."))
    register(Exercise("02.generator_loss", lambda f: float(generator_loss(f)), lambda: [(c[1],) for c in logit_cases()],
                      hint="the generator wants D to say 'real': mean BCE of the fakes' logits against label 1."))
    register(Exercise("02.to_tanh_range", to_tanh_range, image_cases,
                      hint="convert to float32 first, then (x - 127.5) / 127.5, and add a channel axis with x[..., None]."))


_register_exercises()
