"""Notebook 02's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np


def _discriminator_loss(r, f, y):
    from helpers import train
    return float(train.discriminator_loss(r, f, y))


def _bce(y, logit):
    """Binary cross-entropy of a logit against target y, in numpy."""
    return np.maximum(logit, 0) - logit * y + np.log1p(np.exp(-np.abs(logit)))


def _sigmoid(logit):
    return 1 / (1 + np.exp(-logit))


# ---------------------------------------------------------------- 02.train_step: the whole step, written by a student

def _keras_bce():
    import keras
    return keras.losses.BinaryCrossentropy(from_logits=True)


def train_step(generator, discriminator, g_opt, d_opt, real, z, real_label):
    """Correct: as the chapter writes it, with Keras's BCE (the reference uses tf.nn; both must pass)."""
    import tensorflow as tf
    bce = _keras_bce()
    with tf.GradientTape() as tape:
        fake = generator(z, training=True)
        real_logit = discriminator(real, training=True)
        fake_logit = discriminator(fake, training=True)
        d_loss = bce(tf.fill(tf.shape(real_logit), real_label), real_logit) + bce(tf.zeros_like(fake_logit), fake_logit)
    grads = tape.gradient(d_loss, discriminator.trainable_variables)
    d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))
    with tf.GradientTape() as tape:
        fake_logit = discriminator(generator(z, training=True), training=True)
        g_loss = bce(tf.ones_like(fake_logit), fake_logit)
    grads = tape.gradient(g_loss, generator.trainable_variables)
    g_opt.apply_gradients(zip(grads, generator.trainable_variables))
    return d_loss, g_loss


def _step(real_target=None, g_target=1.0, saturating=False, apply_g=True):
    """The student's step with one thing changed: D's real target (None: real_label), G's target, the loss, or G's update."""
    def step(generator, discriminator, g_opt, d_opt, real, z, real_label):
        import tensorflow as tf
        bce = _keras_bce()
        with tf.GradientTape() as tape:
            real_logit = discriminator(real, training=True)
            fake_logit = discriminator(generator(z, training=True), training=True)
            target = real_label if real_target is None else real_target
            d_loss = bce(tf.fill(tf.shape(real_logit), target), real_logit) + bce(tf.zeros_like(fake_logit), fake_logit)
        grads = tape.gradient(d_loss, discriminator.trainable_variables)
        d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))
        with tf.GradientTape() as tape:
            fake_logit = discriminator(generator(z, training=True), training=True)
            if saturating:
                g_loss = -bce(tf.zeros_like(fake_logit), fake_logit)
            else:
                g_loss = bce(tf.fill(tf.shape(fake_logit), g_target), fake_logit)
        grads = tape.gradient(g_loss, generator.trainable_variables)
        if apply_g:
            g_opt.apply_gradients(zip(grads, generator.trainable_variables))
        return d_loss, g_loss
    return step


def _one_forward_pass(generator, discriminator, g_opt, d_opt, real, z, real_label):
    """Both losses from one forward pass, TensorFlow-tutorial style: G is scored by D before D's update."""
    import tensorflow as tf
    bce = _keras_bce()
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake_logit = discriminator(generator(z, training=True), training=True)
        real_logit = discriminator(real, training=True)
        d_loss = bce(tf.fill(tf.shape(real_logit), real_label), real_logit) + bce(tf.zeros_like(fake_logit), fake_logit)
        g_loss = bce(tf.ones_like(fake_logit), fake_logit)
    d_opt.apply_gradients(zip(d_tape.gradient(d_loss, discriminator.trainable_variables),
                              discriminator.trainable_variables))
    g_opt.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))
    return d_loss, g_loss


# ---------------------------------------------------------------- 02.find_the_bug: fixes of the given step

def _given_step(g_update="gan", saturating=False, optimizer="g_opt"):
    """The exercise's step (a stacked model `gan` = D(G(z))), with G's update written in one of several ways."""
    def step(generator, discriminator, g_opt, d_opt, real, z, real_label):
        import keras
        import tensorflow as tf
        bce = _keras_bce()
        gan = keras.Sequential([generator, discriminator])
        with tf.GradientTape() as tape:
            real_logit = discriminator(real, training=True)
            fake_logit = gan(z, training=True)
            d_loss = bce(tf.fill(tf.shape(real_logit), real_label), real_logit) + bce(tf.zeros_like(fake_logit), fake_logit)
        grads = tape.gradient(d_loss, discriminator.trainable_variables)
        d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))
        if g_update == "freeze":
            discriminator.trainable = False          # Keras 2's recipe, but never set back to True
        with tf.GradientTape() as tape:
            fake_logit = gan(z, training=True)
            g_loss = -bce(tf.zeros_like(fake_logit), fake_logit) if saturating else bce(tf.ones_like(fake_logit), fake_logit)
        variables = generator.trainable_variables if g_update == "generator" else gan.trainable_variables
        grads = tape.gradient(g_loss, variables)
        (g_opt if optimizer == "g_opt" else d_opt).apply_gradients(zip(grads, variables))
        return d_loss, g_loss
    return step


def _frozen_and_restored(generator, discriminator, g_opt, d_opt, real, z, real_label):
    """Correct too: D frozen for G's update and unfrozen after it."""
    import keras
    import tensorflow as tf
    bce = _keras_bce()
    gan = keras.Sequential([generator, discriminator])
    with tf.GradientTape() as tape:
        real_logit = discriminator(real, training=True)
        fake_logit = gan(z, training=True)
        d_loss = bce(tf.fill(tf.shape(real_logit), real_label), real_logit) + bce(tf.zeros_like(fake_logit), fake_logit)
    grads = tape.gradient(d_loss, discriminator.trainable_variables)
    d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))
    discriminator.trainable = False
    with tf.GradientTape() as tape:
        fake_logit = gan(z, training=True)
        g_loss = bce(tf.ones_like(fake_logit), fake_logit)
    grads = tape.gradient(g_loss, gan.trainable_variables)
    g_opt.apply_gradients(zip(grads, gan.trainable_variables))
    discriminator.trainable = True
    return d_loss, g_loss


REFERENCES = {
    "02.discriminator_loss": _discriminator_loss,
    "02.train_step": train_step,
    "02.find_the_bug": _given_step(g_update="generator"),
}

ALSO_CORRECT = {   # other right answers the judge must accept (tests/test_notebook_02.py)
    "02.train_step": [_given_step(g_update="generator"), _frozen_and_restored],
    "02.find_the_bug": [_frozen_and_restored, train_step],
}

MISTAKES = {
    "02.discriminator_loss": [
        lambda r, f, y: np.mean(_bce(1.0, r)) + np.mean(_bce(0.0, f)),        # smoothing ignored
        lambda r, f, y: np.mean(_bce(y, r)) + np.mean(_bce(1 - y, f)),        # two-sided smoothing
        lambda r, f, y: np.mean(_bce(y, _sigmoid(r))) + np.mean(_bce(0.0, _sigmoid(f))),  # sigmoid applied twice
    ],
    "02.train_step": [
        _step(real_target=1.0),           # real_label forgotten: real images scored against 1
        _step(g_target=0.0),              # G updated with D's loss on the fakes (target 0)
        _step(apply_g=False),             # G's gradients computed but never applied
        _step(saturating=True),           # the saturating loss log(1 - D(G(z)))
        _one_forward_pass,                # G scored by D before D's update (both from one forward pass)
    ],
    "02.find_the_bug": [
        _given_step(),                                   # the step as given: G's update also trains D
        _given_step(g_update="freeze"),                  # D frozen for G's update, never unfrozen: D stops learning
        _given_step(saturating=True),                    # the wrong line "fixed": G's loss changed, the bug kept
        _given_step(g_update="generator", optimizer="d_opt"),   # G's update moved to d_opt
    ],
}
