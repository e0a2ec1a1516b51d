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


def chapter_step(generator, discriminator, g_opt, d_opt, real, z, real_label):
    """The chapter's step (cell 8), with Keras's BCE: right for find-the-bug, wrong for exercise 2 (one D update)."""
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


def _split_step(real_target=None, g_target=1.0, saturating=False, apply_g=True, stale=False, d_training=True,
                fakes_first=False, as_dict=False, fakes_outside_tape=False):
    """Exercise 2's step (D on the real batch, then D on the fakes, then G), written by a student, with at most one
    thing changed: D's real target (None: real_label), G's target, G's loss, G's update, G scored on stale fakes,
    D run without training=True, the order of D's two updates; or written another right way (a dict of losses,
    the fakes drawn before D's tapes)."""
    def step(generator, discriminator, g_opt, d_opt, real, z, real_label):
        import tensorflow as tf
        bce = _keras_bce()
        d_vars = discriminator.trainable_variables
        d = (lambda x: discriminator(x, training=True)) if d_training else discriminator
        target = real_label if real_target is None else real_target
        fake = generator(z, training=True) if fakes_outside_tape else None
        losses = {}
        for part in (("fake", "real") if fakes_first else ("real", "fake")):
            with tf.GradientTape(persistent=stale) as tape:
                if part == "real":
                    logit = d(real)
                    losses[part] = bce(tf.fill(tf.shape(logit), target), logit)
                else:
                    logit = d(fake if fake is not None else generator(z, training=True))
                    losses[part] = bce(tf.zeros_like(logit), logit)
                    if stale:
                        g_loss, g_tape = bce(tf.ones_like(logit), logit), tape
            d_opt.apply_gradients(zip(tape.gradient(losses[part], d_vars), d_vars))
        if not stale:
            with tf.GradientTape() as g_tape:
                logit = d(generator(z, training=True))
                if saturating:
                    g_loss = -bce(tf.zeros_like(logit), logit)
                else:
                    g_loss = bce(tf.fill(tf.shape(logit), g_target), logit)
        grads = g_tape.gradient(g_loss, generator.trainable_variables)
        if apply_g:
            g_opt.apply_gradients(zip(grads, generator.trainable_variables))
        d_loss = losses["real"] + losses["fake"]
        return {"d_loss": d_loss, "g_loss": g_loss} if as_dict else (d_loss, g_loss)
    return step


def train_step(generator, discriminator, g_opt, d_opt, real, z, real_label):
    """Correct: exercise 2's step with Keras's BCE (the reference uses tf.nn; both must pass)."""
    return _split_step()(generator, discriminator, g_opt, d_opt, real, z, real_label)


def _split_step_tf_nn(generator, discriminator, g_opt, d_opt, real, z, real_label):
    """Correct: the same with tf.nn's BCE and one tape per update written out, fakes kept from D's update for G's."""
    import tensorflow as tf
    bce = tf.nn.sigmoid_cross_entropy_with_logits
    with tf.GradientTape() as tape:
        logit = discriminator(real, training=True)
        d_real = tf.reduce_mean(bce(labels=real_label * tf.ones_like(logit), logits=logit))
    grads = tape.gradient(d_real, discriminator.trainable_variables)
    d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))
    with tf.GradientTape() as tape:
        logit = discriminator(generator(z, training=True), training=True)
        d_fake = tf.reduce_mean(bce(labels=tf.zeros_like(logit), logits=logit))
    grads = tape.gradient(d_fake, discriminator.trainable_variables)
    d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))
    with tf.GradientTape() as tape:
        logit = discriminator(generator(z, training=True), training=True)
        g_loss = -tf.reduce_mean(tf.math.log_sigmoid(logit))
    grads = tape.gradient(g_loss, generator.trainable_variables)
    g_opt.apply_gradients(zip(grads, generator.trainable_variables))
    return float(d_real + d_fake), float(g_loss)


def _step(real_target=None, g_target=1.0, saturating=False, apply_g=True):
    """Exercise 2's step with one thing changed (kept for the tests that name these mistakes by index)."""
    return _split_step(real_target=real_target, g_target=g_target, saturating=saturating, apply_g=apply_g)


def _one_forward_pass(generator, discriminator, g_opt, d_opt, real, z, real_label):
    """G scored by D on the fakes of D's second update, before that update (G's loss from D's forward pass)."""
    return _split_step(stale=True)(generator, discriminator, g_opt, d_opt, real, z, real_label)


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
        if g_update in ("freeze", "freeze_and_restore"):
            discriminator.trainable = False          # Keras 2's recipe ("freeze": never set back to True)
        with tf.GradientTape() as tape:
            fake_logit = gan(z, training=True)
            g_loss = -bce(tf.zeros_like(fake_logit), fake_logit) if saturating else bce(tf.ones_like(fake_logit), fake_logit)
        variables = generator.trainable_variables if g_update == "generator" else gan.trainable_variables
        grads = tape.gradient(g_loss, variables)
        (g_opt if optimizer == "g_opt" else d_opt).apply_gradients(zip(grads, variables))
        if g_update == "freeze_and_restore":
            discriminator.trainable = True           # correct too: D frozen for G's update, unfrozen after it
        return d_loss, g_loss
    return step


REFERENCES = {
    "02.discriminator_loss": _discriminator_loss,
    "02.train_step": train_step,
    "02.find_the_bug": _given_step(g_update="generator"),
}

ACCEPTED = {   # other right answers the checks must accept (tests/test_exercises.py)
    "02.train_step": [_split_step_tf_nn, _split_step(as_dict=True), _split_step(fakes_outside_tape=True)],
    "02.find_the_bug": [_given_step(g_update="freeze_and_restore"), chapter_step],
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
        chapter_step,                     # the chapter's cell 8 copied: one D update on the sum of both losses
        _split_step(fakes_first=True),    # D's two updates in the other order
        _split_step(d_training=False),    # D called without training=True: its dropout-like layer never acts
    ],
    "02.find_the_bug": [
        _given_step(),                                   # the step as given: G's update also trains D
        _given_step(g_update="freeze"),                  # D frozen for G's update, never unfrozen: D stops learning
        _given_step(saturating=True),                    # the wrong line "fixed": G's loss changed, the bug kept
        _given_step(g_update="generator", optimizer="d_opt"),   # G's update moved to d_opt
    ],
}

VERDICTS = {   # a wrong answer, and what its verdict must say it did (tests/test_exercises.py)
    "02.train_step": [
        (MISTAKES["02.train_step"][0], "Is the real label applied?"),
        (MISTAKES["02.train_step"][1], "trained to make its fakes look fake"),
        (MISTAKES["02.train_step"][2], "your generator's weights did not change in step 1"),
        (MISTAKES["02.train_step"][3], "saturating loss log(1 - D(G(z)))"),
        (MISTAKES["02.train_step"][4], "scoring the fakes with D as it was before its update"),
    ],
    "02.find_the_bug": [
        (MISTAKES["02.find_the_bug"][1], "discriminator is left frozen"),
    ],
}
