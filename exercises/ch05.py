"""The exercises of notebook 05 (WGAN-GP): the 1-D earth mover's distance, the gradient penalty, the critic's step.

The last two are judged by what the student's code does: the critic it is given remembers every point where it
was evaluated, so the check sees the interpolates x̂ the code drew (and from them each sample's α), computes the
right penalty at exactly those points, and compares.
"""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, TRAINING_LIMIT_S, register

SECTION_W = "'1 · The earth mover's distance' above"
SECTION_GP = "'3 · The critic and the gradient penalty' above"


# ---------------------------------------------------------------- references

def wasserstein_samples(a, b) -> float:
    """W1 between two equally large 1-D samples (notebook 05): the mean absolute difference of their sorted values."""
    return float(np.mean(np.abs(np.sort(np.asarray(a, float)) - np.sort(np.asarray(b, float)))))


def gradient_penalty(critic, real, fake):
    """Reference of notebook 05's exercise: mean over samples of (||grad C(x_hat)|| - 1)^2, x_hat = a*real + (1-a)*fake,
    with a ~ U(0, 1) drawn once per sample."""
    import tensorflow as tf

    from helpers import train

    real, fake = tf.convert_to_tensor(real, tf.float32), tf.convert_to_tensor(fake, tf.float32)
    alpha = train.interpolation_weights(len(real), len(real.shape))
    return train.gradient_penalty(critic, real, fake, alpha)


def critic_step(critic, generator, c_opt, real, z, gp_weight=10.0):
    """Reference of notebook 05's exercise: one update of the critic on mean C(G(z)) - mean C(real) + gp_weight * penalty;
    returns that loss."""
    import tensorflow as tf

    real = tf.convert_to_tensor(real, tf.float32)
    fake = generator(z, training=True)
    with tf.GradientTape() as tape:
        loss = (tf.reduce_mean(critic(fake, training=True)) - tf.reduce_mean(critic(real, training=True))
                + gp_weight * gradient_penalty(critic, real, fake))
    grads = tape.gradient(loss, critic.trainable_variables)
    c_opt.apply_gradients(zip(grads, critic.trainable_variables))
    return loss


# ---------------------------------------------------------------- what the checks give the student's code

class _Watched:
    """A critic that remembers every batch it is evaluated on (None for a symbolic one, inside a tf.function)."""

    def __init__(self, model):
        self.model, self.points = model, []

    def __call__(self, x, *args, **kwargs):
        try:
            self.points.append(np.array(x, dtype=np.float64))
        except Exception:  # a symbolic tensor: the student's code runs as a tf.function
            self.points.append(None)
        return self.model(x, *args, **kwargs)

    def __getattr__(self, name):                   # trainable_variables, weights, ...: the model's
        return getattr(self.model, name)


def _dense(shape, units, activation=None, weights=None, flatten=False):
    """A small Keras network (Dense layers, zero-initialized so that building it draws no random numbers)."""
    import keras

    layers = [keras.Input(shape)] + ([keras.layers.Flatten()] if flatten else [])
    for i, u in enumerate(units):
        last = i == len(units) - 1
        layers.append(keras.layers.Dense(u, activation=None if last else activation, kernel_initializer="zeros",
                                         use_bias=weights is None or len(weights) > len(units)))
    model = keras.Sequential(layers)
    if weights is not None:
        model.set_weights([np.asarray(w, np.float32) for w in weights])
    return model


def _curved_weights(seed: int = 5) -> list[np.ndarray]:
    """Weights of a 2-16-1 tanh critic whose slope differs from point to point (about 0.5 to 3)."""
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 1.0, (2, 16)), rng.normal(0, 0.5, 16), rng.normal(0, 0.6, (16, 1)), np.zeros(1)]


def _linear_weights(dim: int, slope: float, seed: int = 6) -> list[np.ndarray]:
    """The kernel of a linear critic C(x) = w . x whose gradient has length ``slope`` everywhere."""
    w = np.random.default_rng(seed).normal(size=(dim, 1))
    return [w * slope / np.linalg.norm(w)]


def _penalty_cases() -> list[tuple]:
    """(the critic in words, what is expected in words or None, the critic, real, fake): a linear critic, a curved
    one, and a linear one on images."""
    rng = np.random.default_rng(21)
    vec = lambda n, d: rng.normal(size=(n, d)).astype(np.float32)  # noqa: E731
    return [
        ("a linear critic of slope 3 (its gradient's length is 3 at every point)", "(3 − 1)² = 4",
         _dense((3,), [1], weights=_linear_weights(3, 3.0)), vec(64, 3), vec(64, 3) + 2.0),
        ("a curved critic whose slope differs from point to point", None,
         _dense((2,), [16, 1], "tanh", _curved_weights()), vec(64, 2), vec(64, 2) * 0.5 + 1.5),
        ("a linear critic of slope 3 on 4×4 images (its gradient's length over all 16 pixels is 3)", "(3 − 1)² = 4",
         _dense((4, 4, 1), [1], weights=_linear_weights(16, 3.0), flatten=True),
         rng.normal(size=(64, 4, 4, 1)).astype(np.float32), rng.uniform(-1, 1, (64, 4, 4, 1)).astype(np.float32)),
    ]


# ---------------------------------------------------------------- what the student's code did

def _scalar(value, n: int, what: str) -> tuple[float | None, str | None]:
    """The student's returned value as a float, or what is wrong with it."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        arr = np.asarray(value, dtype=np.float64)
    except Exception:
        return None, f"your function returned a {type(value).__name__}; expected one number, the {what}."
    if arr.size == n and n > 1:
        return None, (f"your function returned {n} numbers, one per sample: the {what} is their mean, "
                      "one number (tf.reduce_mean).")
    if arr.size != 1:
        return None, f"your function returned an array of shape {arr.shape}; expected one number, the {what}."
    if not np.isfinite(arr).all():
        return None, f"your {what} is {float(arr.ravel()[0])}: NaN or infinity (a square root of 0?)."
    return float(arr.ravel()[0]), None


def _interpolates(points: list, real: np.ndarray, fake: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """The last batch of interpolates the critic saw, shaped like ``real``, or what went wrong in drawing them."""
    if not points:
        return None, "your function never called the critic: the penalty needs its gradient at x̂."
    if any(p is None for p in points):
        return None, ("the check could not see where your function evaluates the critic (does it run as a "
                      "tf.function?): write it as a plain Python function here.")
    n, r, f = len(real), real.reshape(len(real), -1).astype(np.float64), fake.reshape(len(fake), -1).astype(np.float64)
    d = r - f
    found, off = None, False
    for p in points:
        if p.size % r.size:
            off = True
            continue
        p = p.reshape(-1, r.shape[1])
        for c in range(len(p) // n):
            chunk = p[c * n:(c + 1) * n]
            if np.allclose(chunk, r, atol=1e-5) or np.allclose(chunk, f, atol=1e-5):
                continue
            alpha = np.sum((chunk - f) * d, axis=1) / np.sum(d * d, axis=1)
            miss = np.linalg.norm(chunk - f - alpha[:, None] * d, axis=1) / np.linalg.norm(d, axis=1)
            if miss.max() < 1e-3:
                found = (chunk, alpha)
            else:
                off = True
    if found is None:
        if off:
            return None, ("your function evaluated the critic at points that are not on the segment between each "
                          "real sample and its fake: x̂ = α·real + (1 − α)·fake, one α per sample for all of its "
                          "values (shape (N, 1), or (N, 1, 1, 1) for images), the i-th real with the i-th fake.")
        return None, ("your function evaluated the critic only at the real and fake points: is the gradient "
                      "taken at the interpolates x̂ = α·real + (1 − α)·fake?")
    chunk, alpha = found
    if alpha.min() < -1e-4 or alpha.max() > 1 + 1e-4:
        return None, (f"your α ranges from {alpha.min():.2f} to {alpha.max():.2f}: draw it uniformly on [0, 1] "
                      "(tf.random.uniform), so that every x̂ lies between its real and its fake sample.")
    if np.ptp(alpha) < 1e-4:
        return None, (f"your α is {alpha.mean():.2f} for every sample of the batch: draw one α per sample, shape "
                      "(N, 1) (or (N, 1, 1, 1) for images), so that the penalty looks all along the segments.")
    if alpha.min() > 0.2 or alpha.max() < 0.8:
        return None, (f"your {n} values of α all lie between {alpha.min():.2f} and {alpha.max():.2f}: draw them "
                      "uniformly on [0, 1].")
    return chunk.reshape(real.shape).astype(np.float32), None


def _gradients(critic, x: np.ndarray) -> np.ndarray:
    """The gradient of the critic's score with respect to each point of ``x``, one per sample."""
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = critic(x, training=True)
    return tape.gradient(score, x).numpy().astype(np.float64)


def _penalty_mistakes(critic, real: np.ndarray, x_hat: np.ndarray) -> dict[str, float]:
    """What plausible wrong penalties would give, at the same interpolates."""
    grads = _gradients(critic, x_hat)
    n = len(grads)
    g = np.sqrt(np.sum(grads.reshape(n, -1) ** 2, axis=1))
    at_real = np.sqrt(np.sum(_gradients(critic, real).reshape(n, -1) ** 2, axis=1))
    wrong = {
        "the mean of ‖∇C(x̂)‖²: the penalty without the − 1": np.mean(g ** 2),
        "the mean of |‖∇C(x̂)‖ − 1|: the penalty not squared": np.mean(np.abs(g - 1)),
        "the mean of (‖∇C(x̂)‖² − 1)²: the squared length where the length (its square root) belongs": np.mean((g ** 2 - 1) ** 2),
        "(‖g‖ − 1)² for the whole batch's gradient g: the length must be taken per sample, then averaged":
            (np.sqrt(np.sum(g ** 2)) - 1) ** 2,
        "the sum of (‖∇C(x̂)‖ − 1)² over the samples, not their mean": np.sum((g - 1) ** 2),
        "the penalty of the gradient of the batch's mean score, which is each sample's gradient divided by N: take "
        "the gradient of the scores themselves": np.mean((g / n - 1) ** 2),
        "the penalty with the gradient taken at the real points, not at the interpolates": np.mean((at_real - 1) ** 2),
    }
    if grads.ndim > 2:
        by_row = np.sqrt(np.sum(grads ** 2, axis=1))
        wrong["the penalty with each length taken over one axis only: sum the squares over every axis but the "
              "first (all of a sample's pixels)"] = np.mean((by_row - 1) ** 2)
    return wrong


def _reference_penalty(critic, x_hat: np.ndarray) -> float:
    grads = _gradients(critic, x_hat)
    return float(np.mean((np.sqrt(np.sum(grads.reshape(len(grads), -1) ** 2, axis=1)) - 1) ** 2))


def _explain(got: float, expected: float, candidates: dict[str, float]) -> str:
    """': it equals ...' for the first wrong formula that gives ``got``, or ''."""
    for what, value in candidates.items():
        if np.isclose(got, value, rtol=1e-3, atol=1e-5) and not np.isclose(value, expected, rtol=1e-3, atol=1e-5):
            return f": it equals {what}"
    return ""


def _judge_penalty(call) -> str | None:
    """Run the student's gradient_penalty(critic, real, fake) on three critics; say what it did wrong, or None."""
    for what, expected_in_words, critic, real, fake in _penalty_cases():
        watched = _Watched(critic)
        got = call(watched, real.copy(), fake.copy(), copy_inputs=False)
        value, problem = _scalar(got, len(real), "penalty")
        if problem:
            return problem
        x_hat, problem = _interpolates(watched.points, real, fake)
        if problem:
            return problem
        expected = _reference_penalty(critic, x_hat)
        if not np.isclose(value, expected, rtol=1e-3, atol=1e-5):
            because = _explain(value, expected, _penalty_mistakes(critic, real, x_hat))
            expected_in_words = expected_in_words or f"{expected:.4g} (at the points x̂ your code drew)"
            return f"your penalty is {value:.4g} for {what}, where {expected_in_words} is expected{because}."
    return None


def _judge_critic_step(call) -> str | None:
    """Run the student's critic_step once on a small critic and generator; compare the loss and the update."""
    import keras
    import tensorflow as tf

    lr, weight = 0.05, 4.0          # not the usual 10: a step that ignores its gp_weight shows it
    rng = np.random.default_rng(31)
    real = rng.normal(size=(64, 2)).astype(np.float32) + 1.0
    z = rng.normal(size=(64, 2)).astype(np.float32)
    generator = _dense((2,), [2], weights=[np.array([[0.8, 0.3], [-0.2, 0.6]]), np.array([-1.0, 0.5])])
    critic = _dense((2,), [16, 1], "tanh", _curved_weights())
    c_opt = keras.optimizers.SGD(learning_rate=lr)
    before, g_before = critic.get_weights(), generator.get_weights()
    fake = generator(z, training=True).numpy()
    watched = _Watched(critic)
    got = call(watched, generator, c_opt, real.copy(), z.copy(), weight, copy_inputs=False)
    if any(not np.array_equal(a, b) for a, b in zip(g_before, generator.get_weights())):
        return ("your step changed the generator's weights: the critic's step updates the critic only "
                "(c_opt.apply_gradients with critic.trainable_variables).")
    value, problem = _scalar(got, len(real), "critic's loss")
    if problem:
        return problem
    x_hat, problem = _interpolates(watched.points, real, fake)
    if problem:
        return problem

    fresh = _dense((2,), [16, 1], "tanh", before)               # the critic as it was, for the right answer
    x_hat = tf.convert_to_tensor(x_hat)
    parts = {}
    with tf.GradientTape(persistent=True) as tape:
        with tf.GradientTape() as inner:
            inner.watch(x_hat)
            score = fresh(x_hat, training=True)
        g = tf.sqrt(tf.reduce_sum(inner.gradient(score, x_hat) ** 2, axis=1) + 1e-12)
        parts["gp"] = tf.reduce_mean((g - 1.0) ** 2)
        parts["w"] = tf.reduce_mean(fresh(real, training=True)) - tf.reduce_mean(fresh(fake, training=True))
        critic_term = -parts["w"]
        loss = critic_term + weight * parts["gp"]
    grads = [x.numpy() for x in tape.gradient(loss, fresh.trainable_variables)]
    without_gp = [x.numpy() for x in tape.gradient(critic_term, fresh.trainable_variables)]
    w, gp, expected = float(parts["w"]), float(parts["gp"]), float(loss)
    if not np.isclose(value, expected, rtol=1e-4, atol=1e-5):
        because = _explain(value, expected, {
            "mean C(real) − mean C(fake) + gp_weight·penalty: the critic's two terms have the wrong sign (the critic "
            "pushes real scores up and fake scores down, so its loss is mean C(fake) − mean C(real))": w + weight * gp,
            "mean C(fake) − mean C(real) without the penalty": -w,
            "the loss with the penalty not multiplied by gp_weight": -w + gp,
            f"the loss with the penalty multiplied by 10, not by the gp_weight passed ({weight:g} in this check)":
                -w + 10.0 * gp,
            "the loss with the penalty subtracted instead of added": -w - weight * gp,
            "mean C(real) − mean C(fake), the estimate of W: the critic minimizes its negative, plus the penalty": w,
        })
        return (f"your step returned a loss of {value:.4g} where mean C(fake) − mean C(real) + gp_weight·penalty = "
                f"{expected:.4g} was expected (with the x̂ your code drew){because}.")
    after = critic.get_weights()

    def moved_to(target):
        return all(np.allclose(a, t, rtol=1e-4, atol=1e-5) for a, t in zip(after, target))

    if moved_to(before):
        return ("your step returned the right loss but did not change the critic's weights: take its gradient with "
                "respect to critic.trainable_variables and apply it with c_opt.apply_gradients.")
    if moved_to([b - lr * x for b, x in zip(before, grads)]):
        return None
    if moved_to([b + lr * x for b, x in zip(before, grads)]):
        return ("the critic's weights moved up its loss, not down: pass the gradient itself to c_opt.apply_gradients "
                "(the optimizer subtracts it).")
    if moved_to([b - lr * x for b, x in zip(before, without_gp)]):
        return ("your loss is right, but the critic's weights moved as if the penalty were not part of it: compute "
                "the penalty inside the GradientTape that records the loss, so that its gradient is taken too.")
    worst = max(float(np.max(np.abs(a - (b - lr * x)))) for a, b, x in zip(after, before, grads))
    return (f"your loss is right, but after your step the critic's weights differ by up to {worst:.3g} from one step "
            "of c_opt on that loss: take the gradient of the loss with respect to critic.trainable_variables, inside "
            "one GradientTape, and apply it once.")


# ---------------------------------------------------------------- cases of the first exercise

def _sample_pairs() -> list[tuple]:
    rng = np.random.default_rng(11)
    return [(rng.normal(size=200), rng.normal(2.0, 1.0, size=200)), (np.array([3.0, 1.0, 2.0]), np.array([0.0, 5.0, 1.0]))]


register(Exercise(
    "05.wasserstein_samples", wasserstein_samples, _sample_pairs, section=SECTION_W,
    hints=("In one dimension the cheapest plan never crosses: the smallest sample of `a` moves to the smallest of "
           "`b`, the second smallest to the second smallest, and so on (the diagram's arrows do not cross).",
           "With a and b sorted, each pair (a₍ᵢ₎, b₍ᵢ₎) carries mass 1/N over the distance |a₍ᵢ₎ − b₍ᵢ₎|: "
           "W = (1/N) Σᵢ |a₍ᵢ₎ − b₍ᵢ₎|.",
           "return float(np.mean(np.abs(np.sort(a) - np.sort(b))))")))

register(Exercise(
    "05.gradient_penalty", gradient_penalty, judge=_judge_penalty, measure=True, section=SECTION_GP,
    hints=("The penalty asks the critic's slope to be 1 at random points between real and fake samples: draw one "
           "α per sample, and differentiate the critic's scores with respect to those points (not its weights).",
           "α ~ U(0, 1) of shape (N, 1, ..., 1); x̂ = α·real + (1 − α)·fake; g = ∇ₓ̂ C(x̂); penalty = the mean over "
           "samples of (‖gᵢ‖ − 1)², where ‖gᵢ‖ sums the squares over every axis but the first, then takes the root.",
           "alpha = tf.random.uniform((len(real),) + (1,) * (real.ndim - 1))\n"
           "x_hat = alpha * real + (1 - alpha) * fake\n"
           "with tf.GradientTape() as tape:\n"
           "    tape.watch(x_hat)\n"
           "    score = critic(x_hat, training=True)\n"
           "grad = tape.gradient(score, x_hat)\n"
           "norm = tf.sqrt(tf.reduce_sum(grad ** 2, axis=list(range(1, grad.ndim))))\n"
           "return tf.reduce_mean((norm - 1.0) ** 2)")))

register(Exercise(
    "05.critic_step", critic_step, judge=_judge_critic_step, time_limit=TRAINING_LIMIT_S, measure=True, section=SECTION_GP,
    hints=("The critic minimizes the negative of its estimate of W plus the weighted penalty: record that loss on a "
           "GradientTape, then take one optimizer step on the critic's weights only.",
           "loss = mean C(G(z)) − mean C(real) + gp_weight · gradient_penalty(critic, real, fake); then "
           "c_opt.apply_gradients(zip(∇loss, critic.trainable_variables)); return the loss.",
           "fake = generator(z, training=True)\n"
           "with tf.GradientTape() as tape:\n"
           "    loss = (tf.reduce_mean(critic(fake, training=True)) - tf.reduce_mean(critic(real, training=True))\n"
           "            + gp_weight * gradient_penalty(critic, real, fake))\n"
           "grads = tape.gradient(loss, critic.trainable_variables)\n"
           "c_opt.apply_gradients(zip(grads, critic.trainable_variables))\n"
           "return loss")))
