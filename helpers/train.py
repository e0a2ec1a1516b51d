"""The series' one training-loop style, written out in notebook 02 and packaged here for the later notebooks.

- ``make_step(design, players)``: the ``GanStep`` a ``layers.Design`` asks for, one compiled update of both
  players that knows the networks, optimizers, weight average and batch size it trains with. Beneath it,
  ``make_train_step`` (notebook 02) and ``make_wgan_step`` (notebook 05) take those settings one by one.
  Discriminators output a **logit** (no sigmoid); D(x) = sigmoid(logit).
- ``train_gan(step, images, epochs=...)``: epochs over the images with a progress line, an optional budget of
  training time, checkpoints that resume exactly (``helpers.checkpoints``), and a callback after each epoch.
  ``train_for(step, images, seconds)`` draws the same batches and latents for a fixed time or number of steps.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import numbers
import time
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from helpers import checkpoints
from helpers.config import N_CLASSES, WEIGHTS_DIR
from helpers.data import as_tanh_batch

__all__ = ["TrainingDiverged", "discriminator_loss", "generator_loss", "GanStep", "make_train_step",
           "interpolation_weights", "gradient_penalty", "make_wgan_step", "make_step", "update_average", "ema_copy",
           "train_gan", "save_trained", "train_for"]

CHECKPOINT_EVERY_S = 60.0
"""With a checkpoint folder, ``train_gan`` saves at least this often, when interrupted, and when the run ends."""

EPOCH_CHECKPOINT_EVERY_S = 10.0
"""At an epoch's end, ``train_gan`` also saves if this long has passed since the last save (short epochs of a small
folder of pictures would otherwise write hundreds of checkpoints)."""

_UNFINISHED: weakref.WeakSet = weakref.WeakSet()   # models whose last training run did not finish

GAN_OUTPUTS = ("d_loss", "g_loss", "d_real", "d_fake")
"""What a GAN step reports (notebook 02)."""

WGAN_OUTPUTS = ("d_loss", "g_loss", "w_estimate", "gp")
"""What a WGAN-GP step reports (notebook 05)."""


def is_conditional(generator) -> bool:
    """True for a conditional generator, taking [z, label]; its discriminator takes [image, label] (notebook 04)."""
    return len(getattr(generator, "inputs", None) or []) == 2


def latent_size(generator) -> int:
    """The size d of the latent vectors a generator takes, shaped (N, d) (notebook 02)."""
    return int(generator.inputs[0].shape[-1])


class TrainingDiverged(FloatingPointError):
    """A loss became NaN or infinite: the networks are broken and nothing of this step was saved (notebook 02)."""


# ---------------------------------------------------------------- losses and steps

def discriminator_loss(real_logit, fake_logit, real_label: float = 1.0):
    """D's loss (notebook 02): BCE of real logits against ``real_label`` (1, or 0.9: label smoothing) + BCE of fakes against 0."""
    import tensorflow as tf

    real_logit, fake_logit = tf.convert_to_tensor(real_logit), tf.convert_to_tensor(fake_logit)
    bce = tf.nn.sigmoid_cross_entropy_with_logits
    return (tf.reduce_mean(bce(labels=tf.fill(tf.shape(real_logit), tf.cast(real_label, real_logit.dtype)), logits=real_logit))
            + tf.reduce_mean(bce(labels=tf.zeros_like(fake_logit), logits=fake_logit)))


def generator_loss(fake_logit):
    """G's non-saturating loss (notebook 02): BCE of the fakes' logits against the label 'real', -mean log D(G(z))."""
    import tensorflow as tf

    fake_logit = tf.convert_to_tensor(fake_logit)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(fake_logit), logits=fake_logit))


@dataclass(eq=False)
class GanStep:
    """A compiled training step and everything it changes; call it as step(real, z[, labels]) (appendix A1)."""

    fn: Callable[..., dict]               # the compiled update: (real, z[, labels]) -> dict of tensors
    generator: Any
    discriminator: Any
    g_opt: Any
    d_opt: Any
    settings: dict = field(default_factory=dict)   # what it was made with; a checkpoint records it
    ema: Any = None                       # a copy of G that holds the moving average of its weights
    strategy: Any = None                  # a tf.distribute strategy, or None
    outputs: tuple[str, ...] = GAN_OUTPUTS   # the names of the values each call reports
    state: dict = field(default_factory=dict)   # variables of the step itself that a checkpoint must keep
    batch_size: int = 64                  # the images (and latents) of one call, as train_gan and train_for draw them

    def __call__(self, real, z, labels=None) -> dict:
        """One update of both players on a real batch and a batch of latents (and labels)."""
        return self.fn(real, z) if labels is None else self.fn(real, z, labels)

    @property
    def conditional(self) -> bool:
        """True when G takes [z, label] and D takes [image, label]."""
        return is_conditional(self.generator)

    @property
    def z_dim(self) -> int:
        """The generator's latent size."""
        return latent_size(self.generator)


def _optimizer_settings(opt) -> dict:
    """An optimizer's settings as recorded in a checkpoint (its learning rate, betas, ...; not its name)."""
    config = {k: float(f"{v:.6g}") if isinstance(v, float) else v for k, v in opt.get_config().items() if k != "name"}
    return {"class": type(opt).__name__, **config}


def _variables(model) -> list[str]:
    """Every variable a checkpoint of the model holds, as 'path shape dtype' (weights, batch-norm statistics,
    dropout seeds)."""
    return [f"layer {i} {type(layer).__name__}: {v.name} {tuple(v.shape)} {v.dtype}"
            for i, layer in enumerate(model.layers) for v in layer.variables]


def _layers(model) -> list[str]:
    """Every layer of the model with its settings (units, activation, rate, ...), names left out."""
    def text(layer) -> str:
        config = {k: v for k, v in layer.get_config().items() if k not in ("name", "dtype", "trainable")}
        simple = {k: v for k, v in config.items() if isinstance(v, (int, float, str, bool, tuple, list))}
        return f"{type(layer).__name__} {simple}"
    return [text(layer) for layer in model.layers]


def _step_settings(kind: str, generator, discriminator, g_opt, d_opt, **extra) -> dict:
    """What a step was made with: its kind, both optimizers' settings, the networks' layers and variables, and
    ``extra``."""
    return {"kind": kind, **extra, "g_opt": _optimizer_settings(g_opt), "d_opt": _optimizer_settings(d_opt),
            "generator_layers": _layers(generator), "discriminator_layers": _layers(discriminator),
            "generator_variables": _variables(generator), "discriminator_variables": _variables(discriminator)}


def warn_if_sigmoid(discriminator) -> None:
    """Warn when a discriminator ends in a sigmoid: the series' losses expect a logit (notebook 02)."""
    import keras

    last = discriminator.layers[-1]
    activation = getattr(last, "activation", None)
    if activation is keras.activations.sigmoid or getattr(activation, "__name__", "") == "sigmoid":
        warnings.warn(f"the discriminator {discriminator.name!r} ends in a sigmoid, but the losses here take a "
                      "logit (they apply the sigmoid themselves): remove the sigmoid, e.g. end with "
                      "keras.layers.Dense(1).", UserWarning, stacklevel=3)


def _build_optimizers(pairs, strategy=None) -> None:
    """Create each optimizer's slots now (in the strategy's scope, if any), so that a checkpoint can fill them."""
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        for opt, model in pairs:
            if not opt.built:
                opt.build(model.trainable_variables)


def make_train_step(generator, discriminator, g_opt, d_opt, *, real_label: float = 1.0, jit_compile: bool = False,
                    strategy=None, ema=None, ema_decay: float = 0.999, batch_size: int = 64) -> GanStep:
    """A GanStep: step(real, z[, labels]) -> d_loss, g_loss, d_real, d_fake; one D update, then one G update (notebook 02).

    A conditional GAN (G takes [z, label], D takes [image, label]) is trained on each real batch's labels,
    and its fakes are drawn for the same labels.

    With ``ema`` (a copy of the generator, see ``ema_copy``), each step also moves the copy's weights a
    fraction 1 - decay towards the generator's: an average over the last ~1 / (1 - decay) steps, where
    decay = min(``ema_decay``, (1 + t) / (10 + t)) after t steps, so that early weights are soon forgotten.

    With a ``tf.distribute`` strategy (models and optimizers built in its scope), each replica takes its
    slice of the batch and the optimizers sum the replicas' gradients, each scaled by 1 / replicas.
    """
    import tensorflow as tf

    warn_if_sigmoid(discriminator)
    _build_optimizers(((g_opt, generator), (d_opt, discriminator)), strategy)
    conditional = is_conditional(generator)  # a conditional GAN: G(z, label), D(image, label)
    settings = _step_settings("gan", generator, discriminator, g_opt, d_opt, real_label=real_label,
                              ema_decay=ema_decay if ema is not None else None)

    def packaged(fn):
        return GanStep(fn, generator, discriminator, g_opt, d_opt, settings, ema, strategy,
                       batch_size=_positive_int("batch_size", batch_size))

    def G(z, y):
        return generator([z, y] if conditional else z, training=True)

    def D(x, y):
        return discriminator([x, y] if conditional else x, training=True)

    def replica_step(real, z, y=None):
        replicas, scale = 1, 1.0
        if strategy is not None:
            ctx = tf.distribute.get_replica_context()
            replicas, i = ctx.num_replicas_in_sync, ctx.replica_id_in_sync_group
            per = tf.shape(real)[0] // replicas
            real, z = real[i * per:(i + 1) * per], z[i * per:(i + 1) * per]
            y = None if y is None else y[i * per:(i + 1) * per]
            scale = 1.0 / replicas
        with tf.GradientTape() as d_tape:
            real_logit = D(real, y)
            fake_logit = D(G(z, y), y)
            d_loss = discriminator_loss(real_logit, fake_logit, real_label)
            d_scaled = d_loss * scale
        d_grads = d_tape.gradient(d_scaled, discriminator.trainable_variables)
        d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))
        with tf.GradientTape() as g_tape:
            fake_logit = D(G(z, y), y)
            g_loss = generator_loss(fake_logit)
            g_scaled = g_loss * scale
        g_grads = g_tape.gradient(g_scaled, generator.trainable_variables)
        g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
        if ema is not None:
            update_average(ema, generator, g_opt.iterations, ema_decay)
        return {"d_loss": d_loss, "g_loss": g_loss,
                "d_real": tf.reduce_mean(tf.sigmoid(real_logit)), "d_fake": tf.reduce_mean(tf.sigmoid(fake_logit))}

    if strategy is None:
        return packaged(tf.function(replica_step, jit_compile=jit_compile))

    @tf.function
    def step(real, z, y=None):
        out = strategy.run(replica_step, args=(real, z, y))
        return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in out.items()}

    return packaged(step)


def interpolation_weights(n: int, rank: int, seed=None):
    """alpha ~ U(0, 1), one per sample, shaped (n, 1, ..., 1) to broadcast over a batch of rank ``rank`` (notebook 05)."""
    import tensorflow as tf

    shape = [n] + [1] * (rank - 1)
    if seed is None:
        return tf.random.uniform(shape, 0.0, 1.0)
    return tf.random.stateless_uniform(shape, seed=seed, minval=0.0, maxval=1.0)


def gradient_penalty(critic, real, fake, alpha):
    """WGAN-GP's penalty (notebook 05): mean of (||grad_x C(x_hat)|| - 1)^2 at x_hat = alpha * real + (1 - alpha) * fake."""
    import tensorflow as tf

    x_hat = alpha * real + (1.0 - alpha) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        score = critic(x_hat, training=True)
    grads = tape.gradient(score, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=list(range(1, len(x_hat.shape)))) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))


def make_wgan_step(generator, critic, g_opt, c_opt, *, n_critic: int = 5, gp_weight: float = 10.0,
                   jit_compile: bool = False, ema=None, ema_decay: float = 0.999, batch_size: int = 64) -> GanStep:
    """A WGAN-GP GanStep(real, z): one critic update every call, one generator update every ``n_critic`` calls (notebook 05).

    Critic loss: mean C(fake) - mean C(real) + gp_weight * gradient_penalty; generator loss: -mean C(G(z)).
    Reports d_loss (the critic's loss), g_loss, w_estimate (mean C(real) - mean C(fake)) and gp.
    """
    import tensorflow as tf

    warn_if_sigmoid(critic)
    _build_optimizers(((g_opt, generator), (c_opt, critic)))
    g_loss_var = tf.Variable(0.0, trainable=False)

    def step(real, z):
        real = tf.convert_to_tensor(real)
        alpha = interpolation_weights(tf.shape(real)[0], len(real.shape),  # fixed by the step: resumes exactly
                                      seed=tf.stack([tf.constant(0, tf.int64), tf.cast(c_opt.iterations, tf.int64)]))
        with tf.GradientTape() as c_tape:
            fake = generator(z, training=True)
            real_score, fake_score = critic(real, training=True), critic(fake, training=True)
            w_estimate = tf.reduce_mean(real_score) - tf.reduce_mean(fake_score)
            gp = gradient_penalty(critic, real, fake, alpha)
            c_loss = -w_estimate + gp_weight * gp
        c_opt.apply_gradients(zip(c_tape.gradient(c_loss, critic.trainable_variables), critic.trainable_variables))

        def generator_update():
            with tf.GradientTape() as g_tape:
                g_loss = -tf.reduce_mean(critic(generator(z, training=True), training=True))
            g_opt.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables),
                                      generator.trainable_variables))
            if ema is not None:
                update_average(ema, generator, g_opt.iterations, ema_decay)
            g_loss_var.assign(g_loss)
            return g_loss

        tf.cond(tf.equal(c_opt.iterations % n_critic, 0), generator_update, lambda: g_loss_var.read_value())
        return {"d_loss": c_loss, "g_loss": g_loss_var.read_value(), "w_estimate": w_estimate, "gp": gp}

    settings = _step_settings("wgan-gp", generator, critic, g_opt, c_opt, n_critic=n_critic, gp_weight=gp_weight,
                              ema_decay=ema_decay if ema is not None else None)
    return GanStep(tf.function(step, jit_compile=jit_compile), generator, critic, g_opt, c_opt, settings, ema,
                   outputs=WGAN_OUTPUTS, state={"last_g_loss": g_loss_var},
                   batch_size=_positive_int("batch_size", batch_size))


def make_step(design, players) -> GanStep:
    """The step a ``layers.Design`` asks for, for its ``players``: its loss, label, XLA and batch size, and with an
    ``ema_decay`` a weight average of G in ``step.ema`` that every step updates (notebook 02)."""
    g, d, g_opt, d_opt = players
    ema = ema_copy(g) if design.ema_decay is not None else None
    common = dict(jit_compile=design.jit_compile, ema=ema, ema_decay=design.ema_decay or 0.999,
                  batch_size=design.batch_size)
    if design.loss == "wgan-gp":
        return make_wgan_step(g, d, g_opt, d_opt, n_critic=design.n_critic, gp_weight=design.gp_weight, **common)
    return make_train_step(g, d, g_opt, d_opt, real_label=design.real_label, **common)


def update_average(ema, generator, steps, ema_decay: float) -> None:
    """Move the average's weights towards the generator's; decay = min(ema_decay, (1 + t) / (10 + t)) after t steps,
    a warm-up that forgets the first, fast-changing weights soon (appendix A1)."""
    import tensorflow as tf

    t = tf.cast(steps, tf.float32)
    decay = tf.minimum(ema_decay, (1.0 + t) / (10.0 + t))
    for avg, w in zip(ema.weights, generator.weights):
        avg.assign(decay * avg + (1.0 - decay) * w)


def ema_copy(generator):
    """A copy of the generator (same architecture and weights) to hold the moving average of its weights (appendix A1)."""
    import keras

    copy = keras.models.clone_model(generator)
    copy.set_weights(generator.get_weights())
    return copy


# ---------------------------------------------------------------- the loop

class History(dict):
    """Per-step values (d_loss, g_loss, ...) and ``epoch_time_s``, the training time at each epoch's end (notebook 02)."""

    @property
    def steps(self) -> int:
        """How many steps the run has done in all."""
        return len(self.get("d_loss", []))

    @property
    def seconds(self) -> float:
        """Training time in all, in seconds."""
        return self["epoch_time_s"][-1] if self.get("epoch_time_s") else 0.0


def check_images(images: np.ndarray, labels: np.ndarray | None = None) -> None:
    """Refuse images the loop cannot use, with a message that says how to fix them (notebook 02)."""
    if not isinstance(images, np.ndarray):
        raise TypeError(f"images should be one NumPy array (N, height, width, channels), not a {type(images).__name__}: "
                        "for a list of pictures, use np.stack(pictures)")
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"images should be an array (N, height, width, channels) with N > 0; this one has shape "
                         f"{images.shape}" + (" (add a channel axis: images[..., None])" if images.ndim == 3 else ""))
    if labels is not None:
        check_labels(labels, len(images))
    x = images
    if x.dtype == np.uint8:
        return
    if x.dtype.kind != "f":
        raise ValueError(f"images have dtype {x.dtype}; pass uint8 pixels (0..255) or floats in [-1, 1]")
    bad = int(np.count_nonzero(~np.isfinite(x)))
    if bad:
        first = int(np.flatnonzero(~np.isfinite(x).reshape(len(x), -1).all(axis=1))[0])
        raise ValueError(f"{bad} pixels are NaN or infinite (the first in image {first}); a GAN trained on them "
                         "becomes NaN. A blank picture scaled by its own (max - min) does this: find and drop such "
                         "images, e.g. images[np.isfinite(images).all(axis=(1, 2, 3))]")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1.001 or hi > 1.001:
        hint = (" They look like 0..255 pixels: pass them as uint8, or scale them with (x - 127.5) / 127.5."
                if hi > 2 else " Scale them to [-1, 1], the range of the generator's tanh output.")
        raise ValueError(f"float images must lie in [-1, 1]; these range from {lo:.3g} to {hi:.3g}.{hint}")
    if lo >= 0.0 and hi > 0.0:
        raise ValueError(f"these float images lie in [0, 1] (from {lo:.3g} to {hi:.3g}), but the generator's tanh "
                         "draws in [-1, 1]: the fakes would be told apart by their dark pixels alone. Scale them with "
                         "x * 2 - 1, or pass uint8 pixels (0..255).")


def check_labels(labels: np.ndarray, n_images: int, n_classes: int = N_CLASSES) -> None:
    """Refuse class labels the loop cannot use: one integer class 0..n_classes-1 per image (notebook 04)."""
    y = np.asarray(labels)
    if y.ndim == 2 and y.shape[1] == n_classes:
        raise ValueError(f"labels look one-hot (shape {y.shape}); pass one integer class per image: "
                         "labels.argmax(axis=1)")
    if y.ndim != 1:
        raise ValueError(f"labels should be one integer class per image, shape ({n_images},); these have shape {y.shape}")
    if len(y) != n_images:
        raise ValueError(f"{len(y)} labels for {n_images} images: pass one label per image")
    if y.dtype.kind not in "iu" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
        raise ValueError(f"labels should be integer classes 0..{n_classes - 1}; these have dtype {y.dtype}")
    lo, hi = int(y.min()), int(y.max())
    if lo < 0 or hi >= n_classes:
        shift = " (they look like 1..10: subtract 1)" if lo >= 1 and hi == n_classes else ""
        raise ValueError(f"labels should be classes 0..{n_classes - 1}; these range from {lo} to {hi}{shift}")


def n_classes_of(generator) -> int:
    """The number of classes a conditional generator's label input takes: its Embedding's size (notebook 04)."""
    import keras

    sizes = [layer.input_dim for layer in generator.layers if isinstance(layer, keras.layers.Embedding)]
    return sizes[0] if sizes else N_CLASSES


def _positive_int(name: str, value) -> int:
    """``value`` as an int if it is a whole number >= 1; otherwise a ValueError that names the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        example = {"batch_size": "batch_size=64", "epochs": "epochs=10: train for at least one epoch"}.get(name, name)
        raise ValueError(f"{name}={value!r}: give a whole number of at least 1, e.g. {example}")
    return int(value)


def data_fingerprint(images: np.ndarray, labels: np.ndarray | None = None) -> str:
    """A short hash of the training data, so that a checkpoint is resumed only on the same images (notebook 03)."""
    h = hashlib.sha1(str((images.shape, str(images.dtype))).encode())
    h.update(np.ascontiguousarray(images).data)
    if labels is not None:
        h.update(np.ascontiguousarray(np.asarray(labels, dtype=np.int64)).data)
    return h.hexdigest()[:16]


def check_models(generator, discriminator, images: np.ndarray, labels: np.ndarray | None = None) -> int:
    """Check that G maps (N, d) latents (and labels) to images shaped like ``images`` and D gives one logit; return d
    (notebook 02)."""
    shape = tuple(images.shape[1:])
    conditional = is_conditional(generator)
    if conditional != (labels is not None):
        raise ValueError("a conditional generator (inputs z and label) needs labels=..., one per image"
                         if conditional else "labels were given, but the generator takes only z")
    z_shape = tuple(generator.inputs[0].shape)
    if len(z_shape) != 2:
        raise ValueError(f"the generator should take latent vectors (None, d), it takes {z_shape}")
    out_shape = tuple(generator.outputs[0].shape[1:])
    if out_shape != shape:
        raise ValueError(f"the generator makes images of shape {out_shape}, the data has {shape}"
                         + (" (add a channel axis: images[..., None])" if shape == out_shape[:-1] else ""))
    if tuple(discriminator.outputs[0].shape[1:]) != (1,):
        raise ValueError(f"the discriminator should output one logit per image, (None, 1); it outputs "
                         f"{tuple(discriminator.outputs[0].shape)}")
    return latent_size(generator)


def epoch_order(n: int, epoch: int, seed: int = 0) -> np.ndarray:
    """The shuffled order of the ``n`` training images in epoch ``epoch`` (1, 2, ...): fixed by seed and epoch
    (notebook 02)."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def _steps_per_epoch(n_images: int, batch_size: int) -> int:
    """Whole batches in one pass over ``n_images`` (the last, partial one is left out); at least one, or a message."""
    if n_images < batch_size:
        raise ValueError(f"{n_images} images are fewer than one batch of {batch_size}: pass more images, or "
                         f"a design with a smaller batch_size (design.replace(batch_size=...))")
    return n_images // batch_size


def _batch_in(order: np.ndarray, i: int, batch_size: int) -> np.ndarray:
    """The sorted image indices of batch ``i`` of an epoch's ``order`` (sorted: reading in order is faster)."""
    return np.sort(order[i * batch_size:(i + 1) * batch_size])


def _latents_at(step: int, batch_size: int, z_dim: int, seed: int = 0):
    """The latents of training step ``step`` (0, 1, ...): fixed by seed and step, so a resumed run draws the same."""
    import tensorflow as tf

    return tf.random.stateless_normal((batch_size, z_dim), seed=[seed, step])


class Progress:
    """One line that updates in place: a display replaced in Jupyter, a carriage return in a terminal (notebook 02)."""

    def __init__(self, enabled: bool, every_s: float = 1.0):
        self.enabled, self.every_s, self.last, self.handle = enabled, every_s, 0.0, None
        if enabled and _in_notebook():
            from IPython.display import Pretty, display

            self.handle = display(Pretty(""), display_id=True)

    def show(self, text: str, force: bool = False) -> None:
        """Show ``text`` if at least ``every_s`` seconds passed since the last update (or if forced)."""
        now = time.perf_counter()
        if not self.enabled or (not force and now - self.last < self.every_s):
            return
        self.last = now
        if self.handle is not None:
            from IPython.display import Pretty

            self.handle.update(Pretty(text))
        else:
            print("\r" + text, end="", flush=True)

    def close(self) -> None:
        """End the line in a terminal."""
        if self.enabled and self.handle is None:
            print()


def _in_notebook() -> bool:
    """True inside a Jupyter kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return type(get_ipython()).__name__ == "ZMQInteractiveShell"


def _line(epoch: int, epochs: int, history: History, since: int, ckpt, budget: float | None) -> str:
    """The progress line: epoch, steps, time, and the mean of each value since the epoch began."""
    means = " · ".join(f"{k} {np.mean(v[since:]):.3f}" for k, v in history.items()
                       if k != "epoch_time_s" and len(v) > since)
    of = f" of {budget:.0f}" if budget is not None else ""
    return f"epoch {epoch}/{epochs} · step {int(ckpt.step)} · {float(ckpt.seconds):.0f}{of} s · {means}"


def train_gan(step: GanStep, images: np.ndarray, *, epochs: int, labels: np.ndarray | None = None,
              time_budget_s: float | None = None, checkpoint_dir: str | Path | None = None,
              on_epoch_end: Callable[[int, History], None] | None = None, seed: int = 0,
              verbose: bool = True) -> History:
    """Train with ``step`` for ``epochs`` epochs of batches of ``step.batch_size``, or until ``time_budget_s`` of
    training time; return the history (notebook 02).

    ``images`` are uint8 pixels (scaled batch by batch, 4x less memory) or floats in [-1, 1]. With a
    ``checkpoint_dir``, training saves there every minute (at an epoch's end if 10 s have passed), at the end and
    when interrupted, and a
    new call resumes from the newest whole checkpoint: same step, optimizer state, latents and data order
    (fixed by ``seed`` and the step). An interrupt saves, then stops the cell: nothing after it runs.
    """
    models = [m for m in (step.generator, step.discriminator, step.ema) if m is not None]
    _UNFINISHED.update(models)          # until this run ends: a cell that fails below leaves them refused by save_trained
    batch_size, epochs = _positive_int("batch_size", step.batch_size), _positive_int("epochs", epochs)
    if time_budget_s is not None and not (isinstance(time_budget_s, numbers.Real) and math.isfinite(time_budget_s)
                                          and time_budget_s > 0):
        raise ValueError(f"time_budget_s={time_budget_s}: give a positive number of seconds, or None for no limit")
    check_images(images, labels)
    z_dim = check_models(step.generator, step.discriminator, images, labels)
    if labels is not None:
        check_labels(labels, len(images), n_classes_of(step.generator))
    steps_per_epoch = _steps_per_epoch(len(images), batch_size)
    ckpt = checkpoints.make_checkpoint(step)
    settings = {**step.settings, "batch_size": batch_size, "images": len(images), "seed": seed,
                "conditional": labels is not None, "data": data_fingerprint(images, labels)}
    folder = Path(checkpoint_dir) if checkpoint_dir is not None else None
    if folder is not None:
        weights = sum(np.asarray(w).nbytes for m in models for w in m.get_weights())
        checkpoints.check_writable(folder, 3 * weights)      # the weights and Adam's two moments
    restored = checkpoints.restore(folder, ckpt, settings, verbose) if folder is not None else None
    history = History(restored or {"epoch_time_s": []})
    for key in step.outputs:
        history.setdefault(key, [])
    start_step = int(ckpt.step)
    offset = int(step.d_opt.iterations.numpy()) - start_step   # the optimizer's count beyond this run's steps
    first_epoch, first_batch = start_step // steps_per_epoch + 1, start_step % steps_per_epoch
    while len(history["epoch_time_s"]) < start_step // steps_per_epoch:   # an epoch whose end was not recorded
        history["epoch_time_s"].append(float(ckpt.seconds))

    def out_of_time() -> bool:
        return time_budget_s is not None and float(ckpt.seconds) >= time_budget_s

    if first_epoch > epochs or out_of_time():
        if verbose:
            print(f"nothing to train: loaded the finished run in {checkpoints.shown(folder)} ({start_step} steps, "
                  f"{float(ckpt.seconds):.0f} s of training). Its losses are in the history; pictures drawn after "
                  "each epoch are not kept. Raise epochs or time_budget_s to train longer, or delete the folder "
                  "to train afresh.")
        _UNFINISHED.difference_update(models)
        return history   # the networks hold the finished run's checkpoint: no longer half-trained
    progress = Progress(verbose)
    last_save = time.perf_counter()
    epoch = first_epoch
    try:
        for epoch in range(first_epoch, epochs + 1):
            order, since = epoch_order(len(images), epoch, seed), len(history["d_loss"])
            for i in range(first_batch if epoch == first_epoch else 0, steps_per_epoch):
                batch = _batch_in(order, i, batch_size)
                real = as_tanh_batch(images[batch])
                t0 = time.perf_counter()
                z = _latents_at(int(ckpt.step), batch_size, z_dim, seed)
                out = step(real, z) if labels is None else step(real, z, labels[batch])
                values = [(k, float(v)) for k, v in out.items()]
                ckpt.seconds.assign_add(time.perf_counter() - t0)
                ckpt.step.assign_add(1)
                for k, v in values:
                    history.setdefault(k, []).append(v)
                if not all(math.isfinite(v) for _, v in values):
                    raise TrainingDiverged(_diverged(values, int(ckpt.step), folder))
                progress.show(_line(epoch, epochs, history, since, ckpt, time_budget_s))
                if folder is not None and time.perf_counter() - last_save >= CHECKPOINT_EVERY_S:
                    _save_if_finite(step, folder, ckpt, history, settings)
                    last_save = time.perf_counter()
                if out_of_time():
                    break
            history["epoch_time_s"].append(float(ckpt.seconds))
            progress.show(_line(epoch, epochs, history, since, ckpt, time_budget_s), force=True)
            last = epoch == epochs or out_of_time()
            if folder is not None and (last or time.perf_counter() - last_save >= EPOCH_CHECKPOINT_EVERY_S):
                _save_if_finite(step, folder, ckpt, history, settings)   # by time, and at the end: not every tiny epoch
                last_save = time.perf_counter()
            if on_epoch_end:
                on_epoch_end(epoch, history)
            if out_of_time():
                break
    except KeyboardInterrupt:
        progress.close()
        _stop(step, ckpt, history, offset, folder, settings)
        raise
    except TrainingDiverged:
        progress.close()
        raise
    progress.close()
    if folder is not None and int(ckpt.step) not in checkpoints.saved_steps(folder):
        _save_if_finite(step, folder, ckpt, history, settings)
    _UNFINISHED.difference_update(models)
    if verbose:
        ended = "the time budget ended it" if out_of_time() and epoch < epochs else f"{epochs} epochs done"
        print(f"trained {int(ckpt.step) - start_step} steps in this call, {int(ckpt.step)} in all, "
              f"{float(ckpt.seconds):.0f} s of training; {ended}")
    return history


def _save_if_finite(step: GanStep, folder: Path, ckpt, history: History, settings: dict) -> None:
    """Save a checkpoint, unless a network's weights became NaN or infinite: that would replace good checkpoints."""
    models = [m for m in (step.generator, step.discriminator, step.ema) if m is not None]
    if not all(np.isfinite(w).all() for m in models for w in m.get_weights() if np.asarray(w).dtype.kind == "f"):
        raise TrainingDiverged(f"training stopped at step {int(ckpt.step)}: the networks' weights became NaN or "
                               f"infinite. The last good checkpoint in {checkpoints.shown(folder)} is untouched.")
    checkpoints.save(folder, ckpt, history, settings)


def _diverged(values: list[tuple[str, float]], n: int, folder: Path | None) -> str:
    """The message for a loss that became NaN or infinite."""
    bad = ", ".join(f"{k} = {v}" for k, v in values if not math.isfinite(v))
    kept = (f" The last good checkpoint in {checkpoints.shown(folder)} is untouched; delete the folder to start "
            "afresh." if folder is not None else "")
    return (f"training stopped at step {n}: {bad}. The networks now hold NaN or infinite weights and cannot be "
            "used or saved. Common causes: NaN pixels in the images, a learning rate too large, or a loss that "
            f"takes the log of 0.{kept}")


def _stop(step: GanStep, ckpt, history: History, offset: int, folder: Path | None, settings: dict) -> None:
    """After an interrupt: count a step that finished but was not recorded, save, and say how to resume."""
    done = int(step.d_opt.iterations.numpy()) - offset
    if done == int(ckpt.step) + 1:                 # the update ran; the interrupt came before it was counted
        ckpt.step.assign_add(1)
        for values in history.values():
            if values is not history.get("epoch_time_s"):
                values.append(float("nan"))
    if folder is None:
        print(f"\ninterrupted after {int(ckpt.step)} steps; without a checkpoint_dir this run cannot be resumed. "
              "The networks are half-trained: run the training cell again before using them.")
        return
    path = checkpoints.save(folder, ckpt, history, settings)
    print(f"\ninterrupted after {int(ckpt.step)} steps; saved {checkpoints.shown(path)}. Run the training cell again "
          "to resume.")


def _example_input(spec, n: int = 4) -> np.ndarray:
    """A small batch for one of a model's inputs: integer labels, or Gaussian floats of the input's shape."""
    shape = (n, *[d or 1 for d in spec.shape[1:]])
    if "int" in str(spec.dtype):
        return (np.arange(np.prod(shape)) % 10).reshape(shape).astype(str(spec.dtype))
    return np.random.default_rng(0).normal(size=shape).astype("float32")


def save_trained(model, path: str | Path, trained=None) -> Path:
    """Save a model whose training finished as a .keras file, check that it reloads the same, and return the path (notebook 02).

    ``trained`` is the model that was trained when ``model`` is a copy of it (e.g. quantized); by default ``model``.
    """
    import keras

    path = Path(path)
    if is_shipped(path):
        raise PermissionError(f"{path.name}: helpers/weights/ holds the series' shipped networks, which notebooks "
                              "only read. Save your run in a folder of your own, e.g. runs.run_dir(\"my_run\") / "
                              f"{path.name!r}; a maintainer ships a finished run with scripts/ship.py.")
    if (trained if trained is not None else model) in _UNFINISHED:
        raise RuntimeError(f"{model.name!r} comes from a training run that did not finish (it was interrupted, or "
                           "the training cell stopped with an error): run the training cell again to its end (it "
                           "resumes from its checkpoint, if it has one), then save.")
    if not all(np.isfinite(w).all() for w in model.get_weights() if np.asarray(w).dtype.kind == "f"):
        raise ValueError(f"{model.name!r} holds NaN or infinite weights: its training broke down; nothing was saved")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.keras")
    model.save(tmp)
    inputs = [_example_input(x) for x in model.inputs]
    inputs = inputs[0] if len(inputs) == 1 else inputs
    if not np.allclose(keras.models.load_model(tmp)(inputs, training=False), model(inputs, training=False), atol=1e-6):
        tmp.unlink()
        raise RuntimeError(f"{path.name} did not reload to the same model; nothing was saved")
    tmp.replace(path)
    return path


def is_shipped(path: str | Path) -> bool:
    """True for a path inside helpers/weights/, the shipped networks that notebooks only read (notebook 02)."""
    try:
        Path(path).resolve().relative_to(WEIGHTS_DIR.resolve())
    except ValueError:
        return False
    return True


def train_for(step: GanStep, images: np.ndarray, seconds: float, *, marks: tuple[float, ...] = (),
              on_mark: Callable[[float, int], None] | None = None, seed: int = 0,
              max_steps: int | None = None) -> dict:
    """Run ``step`` for ``seconds`` of training time (or ``max_steps`` steps, if sooner) on the batches and latents
    ``train_gan`` draws, continuing from the step's count of updates so far (notebook 02).

    Calls on_mark(t, steps) at each mark; time spent there (e.g. measuring quality) is not counted.
    Returns steps, seconds and images/second. A step limit makes a run reproducible; a time limit does not.
    """
    batch_size, z_dim = _positive_int("batch_size", step.batch_size), step.z_dim
    per_epoch = _steps_per_epoch(len(images), batch_size)
    first = int(step.d_opt.iterations.numpy()) if step.d_opt.built else 0
    pending, spent, steps, order = sorted(marks), 0.0, 0, None
    while spent < seconds and (max_steps is None or steps < max_steps):
        epoch, i = divmod(first + steps, per_epoch)
        if order is None or i == 0:
            order = epoch_order(len(images), epoch + 1, seed)
        real = as_tanh_batch(images[_batch_in(order, i, batch_size)])
        t0 = time.perf_counter()
        step(real, _latents_at(first + steps, batch_size, z_dim, seed))
        spent += time.perf_counter() - t0
        steps += 1
        while pending and spent >= pending[0]:
            mark = pending.pop(0)
            if on_mark:
                on_mark(mark, steps)
    return {"steps": steps, "seconds": spent, "images_per_s": steps * batch_size / spent if spent else 0.0}
