"""Notebook 05's exercises for the tests: a correct answer for each, and plausible wrong ones, written as a
student would get them wrong (used by tests/test_exercises.py)."""

from __future__ import annotations

import numpy as np

from exercises import ch05


# ---------------------------------------------------------------- the gradient penalty, right and wrong

def _alpha(real, per_sample=True, normal=False):
    import tensorflow as tf
    shape = (len(real),) + (1,) * (np.ndim(real) - 1) if per_sample else ()
    return tf.random.normal(shape, 0.5, 0.5) if normal else tf.random.uniform(shape)


def _grad_at(critic, x, mean_score=False):
    import tensorflow as tf
    x = tf.convert_to_tensor(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = critic(x, training=True)
        if mean_score:
            score = tf.reduce_mean(score)
    return tape.gradient(score, x)


def _norms(grad):
    import tensorflow as tf
    return tf.sqrt(tf.reduce_sum(grad ** 2, axis=list(range(1, grad.ndim))))


def penalty(critic, real, fake):
    """A correct answer, written as a student would."""
    import tensorflow as tf
    alpha = _alpha(real)
    x_hat = alpha * real + (1 - alpha) * fake
    return tf.reduce_mean((_norms(_grad_at(critic, x_hat)) - 1.0) ** 2)


def penalty_one_alpha(critic, real, fake):
    import tensorflow as tf
    alpha = _alpha(real, per_sample=False)                      # one α for the whole batch
    x_hat = alpha * real + (1 - alpha) * fake
    return tf.reduce_mean((_norms(_grad_at(critic, x_hat)) - 1.0) ** 2)


def penalty_normal_alpha(critic, real, fake):
    import tensorflow as tf
    alpha = _alpha(real, normal=True)                           # α from a normal distribution, as some posts do
    x_hat = alpha * real + (1 - alpha) * fake
    return tf.reduce_mean((_norms(_grad_at(critic, x_hat)) - 1.0) ** 2)


def penalty_at_real(critic, real, fake):
    import tensorflow as tf
    return tf.reduce_mean((_norms(_grad_at(critic, real)) - 1.0) ** 2)   # the gradient at the real points


def penalty_not_squared(critic, real, fake):
    import tensorflow as tf
    alpha = _alpha(real)
    x_hat = alpha * real + (1 - alpha) * fake
    return tf.reduce_mean(tf.abs(_norms(_grad_at(critic, x_hat)) - 1.0))  # |‖∇‖ − 1|, not squared


def penalty_without_minus_one(critic, real, fake):
    import tensorflow as tf
    alpha = _alpha(real)
    x_hat = alpha * real + (1 - alpha) * fake
    return tf.reduce_mean(_norms(_grad_at(critic, x_hat)) ** 2)         # ‖∇‖², forgetting the − 1


def penalty_batch_norm(critic, real, fake):
    import tensorflow as tf
    alpha = _alpha(real)
    x_hat = alpha * real + (1 - alpha) * fake
    return (tf.norm(_grad_at(critic, x_hat)) - 1.0) ** 2               # the norm of the whole batch's gradient


def penalty_of_mean_score(critic, real, fake):
    import tensorflow as tf
    alpha = _alpha(real)
    x_hat = alpha * real + (1 - alpha) * fake
    grad = _grad_at(critic, x_hat, mean_score=True)                     # gradient of the mean score: 1/N too small
    return tf.reduce_mean((_norms(grad) - 1.0) ** 2)


def penalty_norm_over_axis_1(critic, real, fake):
    import tensorflow as tf
    alpha = _alpha(real)
    x_hat = alpha * real + (1 - alpha) * fake
    grad = _grad_at(critic, x_hat)
    return tf.reduce_mean((tf.norm(grad, axis=1) - 1.0) ** 2)           # axis=1: right for vectors, not for images


# ---------------------------------------------------------------- the critic's step, right and wrong

def _step(critic, generator, c_opt, real, z, gp_weight, loss_of, gp=penalty, gp_in_tape=True, variables=None):
    import tensorflow as tf
    fake = generator(z, training=True)
    outside = gp(critic, real, fake) if not gp_in_tape else None
    with tf.GradientTape() as tape:
        c_real, c_fake = tf.reduce_mean(critic(real, training=True)), tf.reduce_mean(critic(fake, training=True))
        loss = loss_of(c_real, c_fake, gp(critic, real, fake) if gp_in_tape else outside, gp_weight)
    variables = variables or critic.trainable_variables
    c_opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss


def step(critic, generator, c_opt, real, z, gp_weight):
    """A correct answer, written as a student would."""
    return _step(critic, generator, c_opt, real, z, gp_weight, lambda r, f, gp, w: f - r + w * gp)


REFERENCES = {
    "05.wasserstein_samples": ch05.wasserstein_samples,
    "05.gradient_penalty": penalty,
    "05.critic_step": step,
}


def _no_update(critic, generator, c_opt, real, z, gp_weight):
    import tensorflow as tf
    fake = generator(z, training=True)
    return tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real)) + gp_weight * penalty(critic, real, fake)


def _updates_both(critic, generator, c_opt, real, z, gp_weight):
    import tensorflow as tf
    with tf.GradientTape() as tape:
        fake = generator(z, training=True)                      # the generator's weights go into the step too
        loss = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real)) + gp_weight * penalty(critic, real, fake)
    variables = critic.trainable_variables + generator.trainable_variables
    c_opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss


MISTAKES = {
    "05.wasserstein_samples": [
        lambda a, b: float(np.mean(np.abs(np.asarray(a) - np.asarray(b)))),    # unsorted: a worse plan
        lambda a, b: float(abs(np.mean(a) - np.mean(b))),                      # the difference of means
        lambda a, b: float(np.mean((np.sort(a) - np.sort(b)) ** 2)),           # squared (that is W2 squared)
    ],
    "05.gradient_penalty": [
        penalty_one_alpha,             # one α for the whole batch
        penalty_normal_alpha,          # α ~ N(0.5, 0.5): x̂ leaves the segment
        penalty_at_real,               # the gradient at the real points
        penalty_not_squared,           # |‖∇‖ − 1|
        penalty_without_minus_one,     # ‖∇‖²
        penalty_batch_norm,            # the norm of the whole batch's gradient
        penalty_of_mean_score,         # the gradient of the mean score
        penalty_norm_over_axis_1,      # the norm over axis 1 only (wrong for images)
    ],
    "05.critic_step": [
        lambda c, g, o, r, z, w: _step(c, g, o, r, z, w, lambda r_, f, gp, w_: r_ - f + w_ * gp),   # sign flipped
        lambda c, g, o, r, z, w: _step(c, g, o, r, z, w, lambda r_, f, gp, w_: f - r_),            # no penalty
        lambda c, g, o, r, z, w: _step(c, g, o, r, z, w, lambda r_, f, gp, w_: f - r_ + gp),       # λ forgotten
        lambda c, g, o, r, z, w: _step(c, g, o, r, z, w, lambda r_, f, gp, w_: f - r_ + w_ * gp,
                                       gp_in_tape=False),                                         # penalty outside the tape
        lambda c, g, o, r, z, w: _step(c, g, o, r, z, w, lambda r_, f, gp, w_: f - r_ + w_ * gp,
                                       gp=penalty_one_alpha),                                     # one α per batch
        _no_update,                    # the loss computed, the gradient never applied
        _updates_both,                 # the generator updated by the critic's step too
        lambda c, g, o, r, z, w: _step(c, g, o, r, z, w, lambda r_, f, gp, w_: f - r_ + 10.0 * gp),  # λ hard-coded 10
    ],
}

ACCEPTED = {   # other right answers the checks must accept (tests/test_exercises.py)
    "05.critic_step": [
        lambda c, g, o, r, z, w: _step(c, g, o, r, z, w, lambda r_, f, gp, w_: w_ * gp - (r_ - f)),   # terms reordered
        lambda c, g, o, r, z, gp_weight=10.0: step(c, g, o, r, z, gp_weight),                       # a default weight
    ],
}
