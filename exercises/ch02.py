"""The exercises of notebook 02 (a dense GAN on MNIST): the discriminator's loss, a training step with separate
batches (D updated on the real batch, then on the fakes, then G), and a training step with one bug to find.

The two step exercises are judged by behaviour: the student's step and the reference step each train a tiny GAN
(latents of size 4, 16 hidden units, batch norm in G, a layer in D that acts only in training mode, as dropout
does) from the same starting weights, on the same batches and
latents, for a few steps; the losses and the weights are compared after every step. When they differ, the judge
replays the chapter's step with one typical mistake at a time and, if one of them behaves exactly like the
student's, says what that mistake does.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from exercises.checker import Exercise, TRAINING_LIMIT_S, register

SECTION_IDEA = "'The idea in one formula' at the top of notebook 02"
SECTION_STEP = "'The idea in one formula' and 'The training step, written out' in notebook 02"

REAL_LABEL = 0.8          # the real label the judge passes: forgetting it, or using the notebook's 0.9, shows
NOTEBOOK_REAL_LABEL = 0.9  # the notebook's REAL_LABEL, which a step might use instead of its argument
STEPS = 2                 # steps the student's step and the reference take side by side
BATCH = 8
Z_DIM = 4
HIDDEN = 16
LR_G, LR_D = 0.05, 0.1    # plain SGD (no momentum): every difference in a gradient shows in the weights
RTOL, ATOL = 1e-4, 1e-5


# ---------------------------------------------------------------- reference solutions

def discriminator_loss(real_logit, fake_logit, real_label: float) -> float:
    """Reference of notebook 02's exercise: ``helpers.train.discriminator_loss`` as a float."""
    from helpers.train import discriminator_loss as loss  # imported here: helpers.train brings TensorFlow

    return float(loss(real_logit, fake_logit, real_label))


def chapter_step(generator, discriminator, g_opt, d_opt, real, z, real_label):
    """The chapter's step (notebook 02): one update of D on its BCE (real -> real_label, fakes -> 0), then one of G
    on the non-saturating loss, G(z) computed again and scored by the updated D; returns (d_loss, g_loss). The reference of
    the find-the-bug exercise."""
    import tensorflow as tf

    bce = tf.nn.sigmoid_cross_entropy_with_logits
    with tf.GradientTape() as tape:
        real_logit = discriminator(real, training=True)
        fake_logit = discriminator(generator(z, training=True), training=True)
        d_loss = (tf.reduce_mean(bce(labels=tf.fill(tf.shape(real_logit), real_label), logits=real_logit))
                  + tf.reduce_mean(bce(labels=tf.zeros_like(fake_logit), logits=fake_logit)))
    d_vars = discriminator.trainable_variables
    d_opt.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))

    with tf.GradientTape() as tape:
        fake_logit = discriminator(generator(z, training=True), training=True)
        g_loss = tf.reduce_mean(bce(labels=tf.ones_like(fake_logit), logits=fake_logit))
    g_vars = generator.trainable_variables
    g_opt.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
    return d_loss, g_loss


def train_step(generator, discriminator, g_opt, d_opt, real, z, real_label):
    """Reference of notebook 02's exercise 2, the step with separate batches: D updated twice, first on the real
    batch alone (BCE against real_label), then on the fakes alone (BCE against 0) with the D that update left,
    then G once on the non-saturating loss, G(z) computed again and scored by the twice-updated D. Returns (d_loss, g_loss),
    d_loss the sum of D's two losses, each computed before its own update."""
    import tensorflow as tf

    bce = tf.nn.sigmoid_cross_entropy_with_logits
    d_vars = discriminator.trainable_variables
    with tf.GradientTape() as tape:
        real_logit = discriminator(real, training=True)
        d_real_loss = tf.reduce_mean(bce(labels=tf.fill(tf.shape(real_logit), real_label), logits=real_logit))
    d_opt.apply_gradients(zip(tape.gradient(d_real_loss, d_vars), d_vars))

    with tf.GradientTape() as tape:
        fake_logit = discriminator(generator(z, training=True), training=True)
        d_fake_loss = tf.reduce_mean(bce(labels=tf.zeros_like(fake_logit), logits=fake_logit))
    d_opt.apply_gradients(zip(tape.gradient(d_fake_loss, d_vars), d_vars))

    with tf.GradientTape() as tape:
        fake_logit = discriminator(generator(z, training=True), training=True)
        g_loss = tf.reduce_mean(bce(labels=tf.ones_like(fake_logit), logits=fake_logit))
    g_vars = generator.trainable_variables
    g_opt.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
    return d_real_loss + d_fake_loss, g_loss


def step_with_a_bug(generator, discriminator, g_opt, d_opt, real, z, real_label):
    """The training step with one bug that notebook 02's last exercise gives the student (the same as in its cell)."""
    import keras
    import tensorflow as tf

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    gan = keras.Sequential([generator, discriminator])          # z -> G -> D -> logit
    with tf.GradientTape() as tape:
        real_logit = discriminator(real, training=True)
        fake_logit = gan(z, training=True)
        d_loss = (bce(tf.fill(tf.shape(real_logit), real_label), real_logit)
                  + bce(tf.zeros_like(fake_logit), fake_logit))
    grads = tape.gradient(d_loss, discriminator.trainable_variables)
    d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))

    with tf.GradientTape() as tape:
        fake_logit = gan(z, training=True)
        g_loss = bce(tf.ones_like(fake_logit), fake_logit)
    grads = tape.gradient(g_loss, gan.trainable_variables)
    g_opt.apply_gradients(zip(grads, gan.trainable_variables))
    return d_loss, g_loss


# ---------------------------------------------------------------- the tiny fixed problem

def _problem() -> tuple[np.ndarray, np.ndarray]:
    """STEPS batches of real images in [-1, 1] and of latents, fixed."""
    from helpers.config import IMAGE_SHAPE

    rng = np.random.default_rng(2)
    real = np.tanh(rng.normal(0.0, 1.5, (STEPS, BATCH, *IMAGE_SHAPE))).astype("float32")
    z = rng.normal(size=(STEPS, BATCH, Z_DIM)).astype("float32")
    return real, z


def _start(variable, rng) -> np.ndarray:
    """A starting value: kernels from a seeded Glorot-like draw; biases 0; batch norm's gamma 1, beta 0, mean 0,
    variance 1."""
    shape = tuple(variable.shape)
    if len(shape) == 2:
        return rng.normal(0.0, 1.0 / np.sqrt(shape[0]), shape).astype("float32")
    return np.full(shape, 1.0 if variable.path.endswith(("gamma", "variance")) else 0.0, "float32")


def _training_only_layer():
    """A layer that acts only in training mode, like the chapter's Dropout but the same every call: it halves a
    fixed half of D's hidden units when called with training=True and passes them unchanged otherwise."""
    import keras

    class TrainingOnly(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.keep = np.where(np.arange(HIDDEN) % 2 == 0, 1.0, 0.5).astype("float32")

        def call(self, x, training=None):
            return x * self.keep if training else x

    return TrainingOnly(name="training_only")


def _players():
    """A fresh tiny generator (with batch norm) and discriminator (with a layer that acts only in training mode, as
    the chapter's dropout does), always with the same starting weights, and fresh SGD optimizers (built by their
    first update, so that a step that misuses one shows it)."""
    import keras

    from helpers import layers

    g = layers.dense_generator(Z_DIM, (HIDDEN,), slope=0.2, batch_norm=True, name="tiny_generator")
    d = layers.dense_discriminator((HIDDEN,), slope=0.2, name="tiny_discriminator")
    d = keras.Sequential([keras.Input(d.input_shape[1:]), *d.layers[:-1], _training_only_layer(), d.layers[-1]],
                         name="tiny_discriminator")
    rng = np.random.default_rng(1)
    for model in (g, d):
        model.set_weights([_start(v, rng) for v in model.weights])
    return g, d, keras.optimizers.SGD(LR_G), keras.optimizers.SGD(LR_D)


def _weights(model) -> list[np.ndarray]:
    return [np.array(v) for v in model.trainable_variables]


def _max_diff(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))


def _close(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.allclose(x, y, rtol=RTOL, atol=ATOL) for x, y in zip(a, b))


def _losses(out) -> tuple[float, float]:
    """(d_loss, g_loss) as floats from what a step returned: a pair, or a dict with d_loss and g_loss."""
    if isinstance(out, dict):
        if "d_loss" not in out or "g_loss" not in out:
            raise _StepProblem(f"your function returned a dict with keys {sorted(out)}; return (d_loss, g_loss).")
        out = (out["d_loss"], out["g_loss"])
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise _StepProblem(f"your function returned a value of type {type(out).__name__}"
                          + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
                          + "; return the two losses as a pair: return d_loss, g_loss.")
    values = []
    for name, v in zip(("d_loss", "g_loss"), out):
        arr = np.asarray(v.numpy() if hasattr(v, "numpy") else v, dtype=np.float64)
        if arr.size != 1:
            raise _StepProblem(f"your {name} has shape {arr.shape}; return one number, the mean over the batch "
                              "(tf.reduce_mean).")
        values.append(float(arr.reshape(())))
    return values[0], values[1]


class _StepProblem(Exception):
    """The student's step returned something that is not two losses, or left a network frozen; carries the message."""


def _mean_score(d, x) -> float:
    """D's mean probability 'real' for the images x (training mode, as in the step)."""
    import tensorflow as tf

    return float(tf.reduce_mean(tf.sigmoid(d(x, training=True))))


def _run(step, call=None) -> list[dict]:
    """Train a fresh tiny GAN with ``step`` (or the student's, through ``call``) for STEPS steps; per step: both
    losses and both networks' weights before and after; after step 1 also D's mean scores on its real batch and
    on fakes."""
    g, d, g_opt, d_opt = _players()
    record = []
    for real, z in zip(*_problem()):
        g_before, d_before = _weights(g), _weights(d)
        args = (g, d, g_opt, d_opt, real.copy(), z.copy(), REAL_LABEL)
        out = call(*args, copy_inputs=False) if call is not None else step(*args)
        d_loss, g_loss = _losses(out)
        frozen = [name for name, model in (("generator", g), ("discriminator", d)) if not model.trainable]
        if frozen:
            raise _StepProblem(f"after step {len(record) + 1} your {' and '.join(frozen)} is left frozen "
                              "(trainable=False), so it cannot learn in the next step: a step must leave both "
                              "networks trainable.")
        record.append({"d_loss": d_loss, "g_loss": g_loss, "g_before": g_before, "d_before": d_before,
                       "g": _weights(g), "d": _weights(d)})
        if len(record) == 1:
            record[0].update(d_real=_mean_score(d, real), d_fake=_mean_score(d, g(z, training=True)))
    return record


def _same(a: dict, b: dict) -> bool:
    return (np.isclose(a["d_loss"], b["d_loss"], rtol=RTOL, atol=ATOL)
            and np.isclose(a["g_loss"], b["g_loss"], rtol=RTOL, atol=ATOL)
            and _close(a["g"], b["g"]) and _close(a["d"], b["d"]))


# ---------------------------------------------------------------- typical mistakes, replayed

def _mistake(kind: str, split: bool):
    """The reference step with one typical mistake (``kind``), to recognise a student's step that behaves like it:
    exercise 2's step (``split``: D updated on the real batch, then on the fakes) or the chapter's (one D update)."""
    import tensorflow as tf

    def bce(target, logit):
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.fill(tf.shape(logit), tf.cast(target, logit.dtype)), logits=logit))

    def step(generator, discriminator, g_opt, d_opt, real, z, real_label):
        train_g = kind != "training_off"
        train_d = kind not in ("training_off", "d_training_off")
        real_target, fake_target = {"real_label_ignored": (1.0, 0.0), "two_sided": (real_label, 1.0 - real_label),
                                    "labels_swapped": (0.0, real_label),
                                    "notebook_real_label": (NOTEBOOK_REAL_LABEL, 0.0)}.get(kind, (real_label, 0.0))
        d_vars, g_vars = discriminator.trainable_variables, generator.trainable_variables
        apply_d = kind != "no_d_update"
        if not split or kind == "joint":     # one update of D on the sum of its two losses
            with tf.GradientTape(persistent=True) as tape:
                real_logit = discriminator(real, training=train_d)
                fake_logit = discriminator(generator(z, training=train_g), training=train_d)
                d_loss = bce(real_target, real_logit) + bce(fake_target, fake_logit)
                if kind == "d_loss_halved":
                    d_loss = d_loss / 2
                stale_g_loss = bce(1.0, fake_logit)
            d_grads = tape.gradient(d_loss, d_vars)
            if kind == "stale_fakes":                 # both updates from one forward pass, before D's update
                g_loss = stale_g_loss
                g_grads = tape.gradient(g_loss, g_vars)
            if apply_d:
                d_opt.apply_gradients(zip(d_grads, d_vars))
        else:                                  # two updates of D: the real batch, then the fakes
            losses = {}
            for part in (("fake", "real") if kind == "fakes_first" else ("real", "fake")):
                with tf.GradientTape(persistent=True) as tape:
                    if part == "real":
                        losses[part] = bce(real_target, discriminator(real, training=train_d))
                    else:
                        fake_logit = discriminator(generator(z, training=train_g), training=train_d)
                        losses[part] = bce(fake_target, fake_logit)
                        stale_g_loss, stale_tape = bce(1.0, fake_logit), tape
                if apply_d:
                    d_opt.apply_gradients(zip(tape.gradient(losses[part], d_vars), d_vars))
            d_loss = losses["real"] + losses["fake"]
            if kind == "d_loss_halved":
                d_loss = d_loss / 2
            if kind == "stale_fakes":                 # G scored on the fakes of D's second update, before it
                g_loss = stale_g_loss
                g_grads = stale_tape.gradient(g_loss, g_vars)
        if kind != "stale_fakes":
            with tf.GradientTape() as g_tape:
                logit = discriminator(generator(z, training=train_g), training=train_d)
                g_loss = {"saturating": -bce(0.0, logit), "g_on_d_loss": bce(0.0, logit),
                          "g_target_real_label": bce(real_label, logit)}.get(kind, bce(1.0, logit))
            if kind == "g_update_changes_d":
                g_vars = g_vars + d_vars
            g_grads = g_tape.gradient(g_loss, g_vars)
        if kind != "no_g_update":
            g_opt.apply_gradients(zip(g_grads, g_vars))
        return d_loss, g_loss

    return step


def _explain(kind: str, yours: list[dict], ref: list[dict]) -> str:
    """What the mistake ``kind`` does, said with the student's and the reference's numbers."""
    y, r = yours[0], ref[0]
    d_text = f"at step 1 your D loss was {y['d_loss']:.4f}, the reference's {r['d_loss']:.4f}"
    g_text = f"at step 1 your G loss was {y['g_loss']:.4f}, the reference's {r['g_loss']:.4f}"
    return {
        "real_label_ignored": f"{d_text}; yours is what scoring the real images against the target 1 gives. Is the "
                              "real label applied? Real images are scored against real_label "
                              f"({REAL_LABEL} in this check).",
        "notebook_real_label": f"{d_text}; yours is what scoring the real images against {NOTEBOOK_REAL_LABEL}, the "
                               "notebook's REAL_LABEL, gives. Use the argument real_label (the check passes "
                               f"{REAL_LABEL}).",
        "two_sided": f"{d_text}; yours is what scoring the fakes against 1 - real_label gives. The smoothing is "
                     "one-sided: only the real images' target moves to real_label, the fakes keep the target 0.",
        "labels_swapped": f"your D is trained to call real images fake and fakes real: after step 1 your D scores "
                          f"the real batch {y['d_real']:.3f} on average (the reference's {r['d_real']:.3f}) and the "
                          f"fakes {y['d_fake']:.3f} (the reference's {r['d_fake']:.3f}).",
        "d_loss_halved": f"{d_text}, half of it: the D loss is a sum of two means, the mean BCE over the real batch "
                         "plus the mean BCE over the fakes, not one mean over both.",
        "no_d_update": "your discriminator's weights did not change in step 1: the step must apply D's gradients "
                       "to D's weights with d_opt.",
        "no_g_update": "your generator's weights did not change in step 1, while your D loss and G loss matched the "
                       "reference's: the step must apply G's gradients to G's weights with g_opt.",
        "saturating": f"{g_text}; yours is the saturating loss log(1 - D(G(z))), which gives G almost no gradient "
                      "while D confidently rejects its fakes. Train G on the non-saturating -log D(G(z)).",
        "g_on_d_loss": f"{g_text}; yours is D's loss on the fakes (fakes -> 0), so your generator is trained to "
                       "make its fakes look fake. G wants D to call its fakes real.",
        "g_target_real_label": f"{g_text}; yours scores the fakes against real_label. G's target for its fakes is "
                               "1: the smoothing is only for D's real targets.",
        "stale_fakes": f"{g_text}; yours is what scoring the fakes with D as it was before its update gives (G's "
                       "loss taken from D's forward pass, notebook 01's order). This exercise asks for notebook 02's "
                       "order: update D first, then compute G(z) again inside G's tape and let the updated D score it.",
        "joint": f"{d_text}; yours is what the chapter's step gives: one update of D on the sum of its two losses, "
                 "both computed by D before the update. This exercise asks for two updates of D: first on the real "
                 "batch alone, then on the fakes alone, scored by the D that the first update left.",
        "fakes_first": f"{d_text}; yours is what updating D on the fakes first, then on the real batch gives. This "
                       "exercise asks for the real batch first, then the fakes.",
        "d_training_off": "your losses match the discriminator run in inference mode (training=False, or no "
                          "training argument). In a training step run D with training=True too: the chapter's D "
                          "has dropout, which acts only in training mode (this check's D has a layer that does "
                          "the same).",
        "g_update_changes_d": f"the discriminator's weights changed during G's update: after step 1 your D differs "
                              f"from the reference's by up to {_max_diff(y['d'], r['d']):.3g} although your D loss "
                              f"and G loss matched, and it scores the fakes {y['d_fake']:.3f} on average where the "
                              f"reference's D scores them {r['d_fake']:.3f}: G's update also trains D to call the "
                              "fakes real. Only G's weights should move in G's update.",
        "training_off": "your losses match the networks run in inference mode (training=False). In a training "
                        "step run both networks with training=True (this generator has batch normalization, which "
                        "then normalizes with the batch's own statistics).",
    }[kind]


MISTAKES_RECOGNISED = {   # by what they change first: D's loss at step 1, else G's loss at step 1, else the weights
    "d_loss": ("joint", "fakes_first", "real_label_ignored", "notebook_real_label", "labels_swapped", "two_sided",
               "d_loss_halved", "training_off", "d_training_off"),
    "g_loss": ("saturating", "g_on_d_loss", "stale_fakes", "g_target_real_label", "no_d_update"),
    "weights": ("g_update_changes_d", "no_g_update"),
}


def _first_difference(yours: list[dict], ref: list[dict]) -> str:
    """Say where the student's run first departs from the reference's."""
    for k, (y, r) in enumerate(zip(yours, ref), 1):
        after = f"after step {k}"
        start = ("both GANs start from the same weights, so the loss itself is computed differently" if k == 1
                 else f"step {k - 1} matched, so the difference comes from how step {k - 1} updated the networks")
        if not np.isclose(y["d_loss"], r["d_loss"], rtol=RTOL, atol=ATOL):
            return f"at step {k} your D loss was {y['d_loss']:.4f}, the reference's {r['d_loss']:.4f} ({start})."
        if _close(y["d"], y["d_before"]) and not _close(r["d"], r["d_before"]):
            return f"your discriminator's weights did not change in step {k}: apply D's gradients with d_opt."
        if _close(y["g"], y["g_before"]) and not _close(r["g"], r["g_before"]):
            return f"your generator's weights did not change in step {k}: apply G's gradients with g_opt."
        if not np.isclose(y["g_loss"], r["g_loss"], rtol=RTOL, atol=ATOL):
            why = ("G's loss is computed differently, or D's update before it went differently" if k == 1
                   else start)
            return (f"at step {k} your G loss was {y['g_loss']:.4f}, the reference's {r['g_loss']:.4f}, while your "
                    f"D loss matched ({why}).")
        if not _close(y["d"], r["d"]):
            return (f"{after} your discriminator's weights differ from the reference's by up to "
                    f"{_max_diff(y['d'], r['d']):.3g}, although the losses matched: D should change only in D's "
                    "update, by d_opt, on the D loss.")
        if not _close(y["g"], r["g"]):
            return (f"{after} your generator's weights differ from the reference's by up to "
                    f"{_max_diff(y['g'], r['g']):.3g}, although the losses matched: G should change only in G's "
                    "update, by g_opt, on the G loss.")
    return "your step behaves differently from the reference's."


@lru_cache(maxsize=None)
def _replay(kind: str, split: bool) -> tuple[dict, ...]:
    """The record of the reference step (kind "") or of one typical mistake; the same every time, so kept."""
    if not kind:
        return tuple(_run(train_step if split else chapter_step))
    return tuple(_run(_mistake(kind, split)))


def _judge(call, split: bool, symptoms_only: bool = False) -> str | None:
    """What is wrong with the student's training step, judged by training a tiny GAN beside the reference (``split``:
    exercise 2's step, else the chapter's); ``symptoms_only``: say what the step does, not which mistake it is."""
    try:
        yours = _run(None, call)
    except _StepProblem as e:
        return str(e)
    except Exception as e:  # noqa: BLE001  (a verdict from the caller, or an optimizer given foreign variables)
        verdict = getattr(e, "verdict", None)
        if verdict is not None and "Unknown variable" in verdict.message:
            return ("your step applied gradients with an optimizer to variables it did not start with (Keras "
                    "raised 'Unknown variable'): each optimizer updates one network, g_opt the generator's "
                    "weights and d_opt the discriminator's.")
        raise
    ref = _replay("", split)
    if all(_same(y, r) for y, r in zip(yours, ref)):
        return None
    if not _same(yours[0], ref[0]):   # step 1 differs: is it one of the typical mistakes?
        y, r = yours[0], ref[0]
        first = ("d_loss" if not np.isclose(y["d_loss"], r["d_loss"], rtol=RTOL, atol=ATOL) else
                 "g_loss" if not np.isclose(y["g_loss"], r["g_loss"], rtol=RTOL, atol=ATOL) else "weights")
        for kind in MISTAKES_RECOGNISED[first]:
            if kind in ("joint", "fakes_first") and not split:
                continue
            try:
                replay = _replay(kind, split)
            except Exception:  # noqa: BLE001  (a replay that cannot run matches nothing)
                continue
            if all(_same(a, b) for a, b in zip(yours, replay)):
                said = _explain(kind, yours, ref)
                if symptoms_only and ": G's update also" in said:    # the symptom, not the line at fault
                    said = said.split(": G's update also")[0] + " (as if D had also been trained to call the fakes real)."
                return said
    return _first_difference(yours, ref)


def _judge_step(call) -> str | None:
    """What is wrong with the student's step of exercise 2 (D on the real batch, then on the fakes, then G)."""
    return _judge(call, split=True)


def _judge_fixed_step(call) -> str | None:
    """What is wrong with the student's fix of the find-the-bug step (the chapter's step is the reference); the
    step as given is described by what it does, never by the line at fault."""
    return _judge(call, split=False, symptoms_only=True)


# ---------------------------------------------------------------- the register

def _logit_cases() -> list[tuple]:
    rng = np.random.default_rng(3)
    return [(rng.normal(0, 3, 64).astype(np.float32), rng.normal(0, 3, 64).astype(np.float32), 0.9),
            (np.array([2.0, -1.0], np.float32), np.array([-3.0, 0.5], np.float32), 1.0)]


register(Exercise(
    "02.discriminator_loss", discriminator_loss, _logit_cases, section=SECTION_IDEA,
    hints=("D's loss is a binary cross-entropy on each side: real logits against the target real_label, fake "
           "logits against the target 0; average each over its batch and add the two.",
           "BCE(y, l) = -y log sigmoid(l) - (1 - y) log(1 - sigmoid(l)), computed stably as "
           "max(l, 0) - l*y + log(1 + exp(-|l|)); the loss is mean BCE(real_label, real_logit) + "
           "mean BCE(0, fake_logit).",
           "bce = tf.nn.sigmoid_cross_entropy_with_logits\n"
           "real_logit, fake_logit = tf.constant(real_logit), tf.constant(fake_logit)\n"
           "return float(tf.reduce_mean(bce(labels=tf.fill(tf.shape(real_logit), real_label), logits=real_logit))\n"
           "             + tf.reduce_mean(bce(labels=tf.zeros_like(fake_logit), logits=fake_logit)))")))

_STEP_HINTS = (
    "three updates, one after the other, each with its own tf.GradientTape: D on the real batch alone, then D on "
    "the fakes alone (scored by the D the first update left), then G on G(z), computed again inside G's tape and scored by the twice-updated D. "
    "Each takes the gradient of its own loss with respect to one network's weights and applies it with that "
    "network's optimizer. Both networks run with training=True.",
    "d_real_loss = mean BCE(real_label, D(real)); d_fake_loss = mean BCE(0, D(G(z))); g_loss = mean BCE(1, D(G(z))) "
    "= -mean log D(G(z)), all on logits (tf.nn.sigmoid_cross_entropy_with_logits). Return "
    "(d_real_loss + d_fake_loss, g_loss), each of D's losses as computed before its own update.",
    "bce = keras.losses.BinaryCrossentropy(from_logits=True)\n"
    "d_vars = discriminator.trainable_variables\n"
    "with tf.GradientTape() as tape:\n"
    "    real_logit = discriminator(real, training=True)\n"
    "    d_real_loss = bce(tf.fill(tf.shape(real_logit), real_label), real_logit)\n"
    "d_opt.apply_gradients(zip(tape.gradient(d_real_loss, d_vars), d_vars))\n"
    "with tf.GradientTape() as tape:\n"
    "    fake_logit = discriminator(generator(z, training=True), training=True)\n"
    "    d_fake_loss = bce(tf.zeros_like(fake_logit), fake_logit)\n"
    "d_opt.apply_gradients(zip(tape.gradient(d_fake_loss, d_vars), d_vars))\n"
    "with tf.GradientTape() as tape:\n"
    "    fake_logit = discriminator(generator(z, training=True), training=True)\n"
    "    g_loss = bce(tf.ones_like(fake_logit), fake_logit)\n"
    "grads = tape.gradient(g_loss, generator.trainable_variables)\n"
    "g_opt.apply_gradients(zip(grads, generator.trainable_variables))\n"
    "return d_real_loss + d_fake_loss, g_loss")

register(Exercise("02.train_step", train_step, judge=_judge_step, section=SECTION_STEP, hints=_STEP_HINTS,
                  time_limit=TRAINING_LIMIT_S, measure=True))

register(Exercise(
    "02.find_the_bug", chapter_step, judge=_judge_fixed_step, time_limit=TRAINING_LIMIT_S, measure=True,
    section="'The training step, written out' in notebook 02",
    hints=("the verdict says what this step does that the chapter's does not. Read the step one update at a time "
           "and compare it with the chapter's step: what does each update compute, and what does it change?",
           "the check says which network changed when it should not have. For each update, list the weights that "
           "tape.gradient differentiates and apply_gradients changes: in D's update only D's, in G's update only "
           "G's.",
           "a model that stacks G and D (z -> G -> D) owns the weights of both: gan.trainable_variables is "
           "generator.trainable_variables + discriminator.trainable_variables. In G's update, differentiate and "
           "apply to the generator's weights only:\n"
           "grads = tape.gradient(g_loss, generator.trainable_variables)\n"
           "g_opt.apply_gradients(zip(grads, generator.trainable_variables))")))
