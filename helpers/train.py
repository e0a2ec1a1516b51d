"""The series' one training-loop style, written out in notebook 02 and packaged here for the later notebooks.

- ``make_train_step``: one compiled step that updates D, then G, and returns the losses and D's mean
  verdicts. Discriminators output a **logit** (no sigmoid); D(x) = sigmoid(logit).
- ``train_gan``: epochs over the images with a progress bar (ETA, losses), an optional wall-clock budget,
  and a callback at the end of every epoch (e.g. to draw a fixed latent batch). Returns the history.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

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
                    jit_compile: bool = False, strategy=None, ema=None, ema_decay: float = 0.999) -> Callable:
    """Return step(real, z[, labels]) -> dict of d_loss, g_loss, d_real, d_fake: one D update, then one G update.

    A conditional GAN (G takes [z, label], D takes [image, label]) is trained on each real batch's labels,
    and its fakes are drawn for the same labels.

    With ``ema`` (a copy of the generator, see ``ema_copy``), each step also moves the copy's weights a
    fraction 1 - decay towards the generator's: an average over the last ~1 / (1 - decay) steps, where
    decay = min(``ema_decay``, (1 + t) / (10 + t)) after t steps, so that early weights are soon forgotten.

    With a ``tf.distribute`` strategy (models and optimizers built in its scope), each replica takes its
    slice of the batch and the optimizers sum the replicas' gradients, each scaled by 1 / replicas.
    """
    import tensorflow as tf

    conditional = len(generator.inputs) == 2  # a conditional GAN: G(z, label), D(image, label)

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
        return tf.function(replica_step, jit_compile=jit_compile)

    @tf.function
    def step(real, z, y=None):
        out = strategy.run(replica_step, args=(real, z, y))
        return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in out.items()}

    return step


def interpolation_weights(n: int, rank: int, seed=None):
    """alpha ~ U(0, 1), one per sample, shaped (n, 1, ..., 1) to broadcast over a batch of rank ``rank``."""
    import tensorflow as tf

    shape = [n] + [1] * (rank - 1)
    if seed is None:
        return tf.random.uniform(shape, 0.0, 1.0)
    return tf.random.stateless_uniform(shape, seed=seed, minval=0.0, maxval=1.0)


def gradient_penalty(critic, real, fake, alpha):
    """WGAN-GP's penalty: mean of (||grad_x C(x_hat)|| - 1)^2 at x_hat = alpha * real + (1 - alpha) * fake."""
    import tensorflow as tf

    x_hat = alpha * real + (1.0 - alpha) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        score = critic(x_hat, training=True)
    grads = tape.gradient(score, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=list(range(1, len(x_hat.shape)))) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))


def make_wgan_step(generator, critic, g_opt, c_opt, n_critic: int = 5, gp_weight: float = 10.0,
                   jit_compile: bool = False, ema=None, ema_decay: float = 0.999) -> Callable:
    """Return a WGAN-GP step(real, z): one critic update every call, one generator update every ``n_critic`` calls.

    Critic loss: mean C(fake) - mean C(real) + gp_weight * gradient_penalty; generator loss: -mean C(G(z)).
    Reports d_loss (the critic's loss), g_loss, w_estimate (mean C(real) - mean C(fake)) and gp.
    """
    import tensorflow as tf

    g_loss_var = tf.Variable(0.0, trainable=False)

    def step(real, z):
        real = tf.convert_to_tensor(real)
        alpha = interpolation_weights(tf.shape(real)[0], len(real.shape))
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

    return tf.function(step, jit_compile=jit_compile)


def update_average(ema, generator, steps, ema_decay: float) -> None:
    """Move the average's weights towards the generator's; decay = min(ema_decay, (1 + t) / (10 + t)) after t steps,
    a warm-up that forgets the first, fast-changing weights soon."""
    import tensorflow as tf

    t = tf.cast(steps, tf.float32)
    decay = tf.minimum(ema_decay, (1.0 + t) / (10.0 + t))
    for avg, w in zip(ema.weights, generator.weights):
        avg.assign(decay * avg + (1.0 - decay) * w)


def ema_copy(generator):
    """A copy of the generator (same architecture and weights) to hold the moving average of its weights."""
    import keras

    copy = keras.models.clone_model(generator)
    copy.set_weights(generator.get_weights())
    return copy


def check_models(generator, discriminator, images: np.ndarray, labels: np.ndarray | None = None) -> int:
    """Check that G maps (N, d) latents (and labels) to images shaped like ``images`` and D gives one logit; return d."""
    shape = tuple(images.shape[1:])
    conditional = len(generator.inputs) == 2
    if conditional != (labels is not None):
        raise ValueError("a conditional generator (inputs z and label) needs labels=..., one per image"
                         if conditional else "labels were given, but the generator takes only z")
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"{len(labels)} labels for {len(images)} images: pass one label per image")
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
    return int(z_shape[1])


def make_checkpoint(generator, discriminator, g_opt, d_opt, directory: str | os.PathLike | None, **extra):
    """A checkpoint of everything training changes: both models, both optimizers, the step and training time.

    ``extra`` names more objects to save (e.g. ema=...). Returns (checkpoint, manager), the manager None
    without a directory. ``checkpoint.step`` counts the steps done, ``checkpoint.seconds`` the training time
    spent. ``manager.save()`` writes a numbered checkpoint; the index moves to it only once it is complete,
    so an interrupted save never leaves a broken latest checkpoint.
    """
    import tensorflow as tf

    for opt, model in ((g_opt, generator), (d_opt, discriminator)):
        if not opt.built:
            opt.build(model.trainable_variables)  # create the slots now, so that restoring fills them
    # Keras 3 models are not tracked by tf.train.Checkpoint: list their variables (weights, batch-norm
    # statistics, dropout seeds) explicitly; the optimizers carry their own slots.
    tracked = {name: [v.value for v in model.variables]
               for name, model in {"generator": generator, "discriminator": discriminator, **extra}.items()}
    ckpt = tf.train.Checkpoint(**tracked, g_opt=g_opt, d_opt=d_opt,
                               step=tf.Variable(0, dtype=tf.int64), seconds=tf.Variable(0.0, dtype=tf.float64))
    if directory is None:
        return ckpt, None
    return ckpt, tf.train.CheckpointManager(ckpt, os.fspath(directory), max_to_keep=2)


def _save(manager, history: dict) -> str:
    """Save the checkpoint and, beside it, the history (atomically: written to a temporary file, then renamed)."""
    path = manager.save(checkpoint_number=int(manager.checkpoint.step))
    tmp = Path(manager.directory) / "history.json.tmp"
    tmp.write_text(json.dumps(history))
    os.replace(tmp, Path(manager.directory) / "history.json")
    return path


def _restore(manager, verbose: bool) -> dict:
    """Restore the latest checkpoint, if there is one, and return the history saved with it."""
    empty = _empty_history()
    if manager.latest_checkpoint is None:
        return empty
    manager.checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    steps = int(manager.checkpoint.step)
    history_file = Path(manager.directory) / "history.json"
    history = json.loads(history_file.read_text()) if history_file.exists() else empty
    history = {k: v[:steps] if k != "epoch_time_s" else v for k, v in history.items()}
    if verbose:
        print(f"resuming from {manager.latest_checkpoint}: {steps} steps done, "
              f"{float(manager.checkpoint.seconds):.0f} s of training")
    return history


def epoch_order(n: int, epoch: int, seed: int = 0) -> np.ndarray:
    """The shuffled order of the ``n`` training images in epoch ``epoch`` (1, 2, ...): fixed by seed and epoch."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def train_gan(generator, discriminator, images: np.ndarray, epochs: int, batch_size: int = 64,
              g_opt=None, d_opt=None, real_label: float = 1.0, time_budget_s: float | None = None,
              on_epoch_end: Callable[[int, dict], None] | None = None, step: Callable | None = None,
              seed: int = 0, verbose: bool = True, checkpoint_dir: str | os.PathLike | None = None,
              checkpoint_every_s: float = 60.0, jit_compile: bool = False, strategy=None, ema=None,
              ema_decay: float = 0.999, labels: np.ndarray | None = None) -> dict:
    """Train for ``epochs`` epochs (or until ``time_budget_s`` of training time runs out); return the per-step history.

    ``images`` are float32 in [-1, 1] or uint8 pixels (scaled batch by batch, 4x less memory). With a
    ``checkpoint_dir``, training saves there every ``checkpoint_every_s`` seconds, at every epoch's end and
    when interrupted, and a new call resumes from the latest checkpoint: same step, optimizer state, and
    the same latents and data order (both are fixed by ``seed`` and the step). The time budget counts training time across resumptions.
    """
    import keras
    import tensorflow as tf

    from helpers.data import as_tanh_batch

    z_dim = check_models(generator, discriminator, images, labels)
    g_opt = g_opt or keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_opt = d_opt or keras.optimizers.Adam(2e-4, beta_1=0.5)
    step = step or make_train_step(generator, discriminator, g_opt, d_opt, real_label=real_label,
                                   jit_compile=jit_compile, strategy=strategy, ema=ema, ema_decay=ema_decay)
    steps_per_epoch = len(images) // batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"{len(images)} images are fewer than one batch of {batch_size}: pass more images "
                         f"or a smaller batch_size")
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        for opt, model in ((g_opt, generator), (d_opt, discriminator)):
            if not opt.built:
                opt.build(model.trainable_variables)  # optimizer slots live beside the model's variables
    extra = {"ema": ema} if ema is not None else {}
    ckpt, manager = make_checkpoint(generator, discriminator, g_opt, d_opt, checkpoint_dir, **extra)
    history = _restore(manager, verbose) if manager is not None else _empty_history()
    done = int(ckpt.step)
    first_epoch, first_batch = done // steps_per_epoch + 1, done % steps_per_epoch
    last_save = time.perf_counter()
    bar_every = max(20, steps_per_epoch // 5)  # a few updates an epoch: a stored notebook keeps every one
    try:
        for epoch in range(first_epoch, epochs + 1):
            if time_budget_s is not None and float(ckpt.seconds) >= time_budget_s:
                break
            order = epoch_order(len(images), epoch, seed)
            bar = keras.utils.Progbar(steps_per_epoch, stateful_metrics=list(history)) if verbose else None
            if verbose:
                print(f"epoch {epoch}/{epochs}")
            for i in range(first_batch if epoch == first_epoch else 0, steps_per_epoch):
                batch = np.sort(order[i * batch_size:(i + 1) * batch_size])
                real = as_tanh_batch(images[batch])
                t0 = time.perf_counter()
                z = tf.random.stateless_normal((batch_size, z_dim), seed=[seed, int(ckpt.step)])  # fixed by step
                out = step(real, z) if labels is None else step(real, z, labels[batch])
                values = [(k, float(v)) for k, v in out.items()]
                ckpt.seconds.assign_add(time.perf_counter() - t0)
                ckpt.step.assign_add(1)
                for k, v in values:
                    history.setdefault(k, []).append(v)
                if bar is not None and ((i + 1) % bar_every == 0 or i + 1 == steps_per_epoch):
                    bar.update(i + 1, values=values)
                if manager is not None and time.perf_counter() - last_save >= checkpoint_every_s:
                    _save(manager, history)
                    last_save = time.perf_counter()
                if time_budget_s is not None and float(ckpt.seconds) >= time_budget_s:
                    break
            history["epoch_time_s"].append(float(ckpt.seconds))
            if manager is not None:
                _save(manager, history)
                last_save = time.perf_counter()
            if on_epoch_end:
                on_epoch_end(epoch, history)
            if time_budget_s is not None and float(ckpt.seconds) >= time_budget_s:
                if verbose and epoch < epochs:
                    print(f"time budget of {time_budget_s:.0f} s of training reached in epoch {epoch}")
                break
    except KeyboardInterrupt:
        if manager is None:
            print(f"\ninterrupted after {int(ckpt.step)} steps; without a checkpoint_dir this run cannot be resumed")
        else:
            path = _save(manager, history)
            print(f"\ninterrupted after {int(ckpt.step)} steps; saved {path}. Run the same cell again to resume.")
        history["interrupted"] = True
    return history


_STEP_KEYS = ("d_loss", "g_loss", "d_real", "d_fake")


def _empty_history() -> dict[str, list[float]]:
    """A history with no steps yet."""
    return {**{k: [] for k in _STEP_KEYS}, "epoch_time_s": []}


def train_for(step: Callable, images: np.ndarray, z_dim: int, seconds: float, batch_size: int = 64,
              marks: tuple[float, ...] = (), on_mark: Callable[[float, int], None] | None = None,
              seed: int = 0, max_steps: int | None = None) -> dict:
    """Run ``step`` on random batches for ``seconds`` of training time (or ``max_steps`` steps, if sooner).

    Calls on_mark(t, steps) at each mark; time spent there (e.g. measuring quality) is not counted.
    Returns steps, seconds and images/second. A step limit makes a run reproducible; a time limit does not.
    """
    import tensorflow as tf

    from helpers.data import as_tanh_batch

    rng = np.random.default_rng(seed)
    noise = tf.random.Generator.from_seed(seed)
    pending, spent, steps = sorted(marks), 0.0, 0
    while spent < seconds and (max_steps is None or steps < max_steps):
        real = as_tanh_batch(images[np.sort(rng.integers(0, len(images), batch_size))])
        t0 = time.perf_counter()
        step(real, noise.normal((batch_size, z_dim)))
        spent += time.perf_counter() - t0
        steps += 1
        while pending and spent >= pending[0]:
            mark = pending.pop(0)
            if on_mark:
                on_mark(mark, steps)
    return {"steps": steps, "seconds": spent, "images_per_s": steps * batch_size / spent if spent else 0.0}


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


# ---------------------------------------------------------------- exercises of notebook 05

def wasserstein_samples(a, b) -> float:
    """W1 between two equally large 1-D samples: the mean absolute difference of their sorted values."""
    return float(np.mean(np.abs(np.sort(np.asarray(a, float)) - np.sort(np.asarray(b, float)))))


def interpolate(real, fake, alpha) -> np.ndarray:
    """alpha * real + (1 - alpha) * fake, one weight per sample (alpha has shape (N,))."""
    real, fake = np.asarray(real, float), np.asarray(fake, float)
    a = np.asarray(alpha, float).reshape((-1,) + (1,) * (real.ndim - 1))
    return a * real + (1 - a) * fake


def _register_wgan_exercises() -> None:
    from helpers.exercises import Exercise, register

    def sample_pairs():
        rng = np.random.default_rng(11)
        return [(rng.normal(size=200), rng.normal(2.0, 1.0, size=200)), (np.array([3.0, 1.0, 2.0]), np.array([0.0, 5.0, 1.0]))]

    def batches():
        rng = np.random.default_rng(12)
        return [(rng.normal(size=(4, 5, 5, 1)), rng.normal(size=(4, 5, 5, 1)), rng.uniform(size=4)),
                (rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), np.array([0.0, 0.5, 1.0]))]

    register(Exercise("05.wasserstein_samples", wasserstein_samples, sample_pairs,
                      hint="in 1-D the best transport plan matches the sorted samples: "
                           "np.mean(np.abs(np.sort(a) - np.sort(b)))."))
    register(Exercise("05.interpolate", interpolate, batches,
                      hint="reshape alpha to (N, 1, ..., 1) so it broadcasts over each sample: "
                           "alpha.reshape((-1,) + (1,) * (real.ndim - 1))."))
    register(Exercise("05.critic_loss", lambda r, f: float(np.mean(f) - np.mean(r)),
                      lambda: [(np.random.default_rng(13).normal(1, 1, 64), np.random.default_rng(14).normal(-1, 1, 64))],
                      hint="the critic wants real scores high and fake scores low; its loss is minimized: "
                           "mean(fake) - mean(real)."))


_register_wgan_exercises()
