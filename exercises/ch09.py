"""The exercises of notebook 09 (a trained restorer): a PatchGAN's receptive field, the restorer's loss
(L1 + adversarial, with the damaged input passed to the discriminator), and the skip connection that lets a
network pass sharp details through.

The loss is judged on a small conditional discriminator the check builds, whose value and gradient the check
computes itself; the skip connection by training the student's network and the network without skips for the
same steps on the same task and comparing their errors.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from exercises.checker import Caller, Exercise, TRAINING_LIMIT_S, register
from helpers.repair import receptive_field

SECTION_PATCH = "'The judge: a PatchGAN' in notebook 09"
SECTION_LOSS = "'The idea in one formula' and 'The training step, written out' in notebook 09"
SECTION_UNET = "'The restorer: a U-Net' in notebook 09"
L1_WEIGHT = 10.0        # the checks' lambda: small enough that the adversarial term shows in the sum
SKIP_WIDTH = 8          # the checks' networks: small, so that training them takes seconds
SKIP_STEPS = 150
SKIP_RATIO = 0.5        # the network with the skip must end with at most this share of the other's error


# ---------------------------------------------------------------- the receptive field

def _field_cases() -> list[tuple]:
    return [([(4, 2), (4, 2), (3, 1)],), ([(3, 1), (3, 1), (3, 1)],), ([(5, 2), (3, 2), (3, 2)],),
            ([(7, 1)],), ([(2, 2), (2, 2), (2, 2), (2, 2)],), ([(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)],)]


register(Exercise(
    "09.receptive_field", receptive_field, _field_cases, section=SECTION_PATCH, atol=0,
    describe=lambda args: f" (layers {args[0]})",
    hints=("walk through the layers from the input: a layer of kernel k widens the square by k - 1 positions of "
           "its input, and one position of its input is as many pixels apart as the product of the strides "
           "before it.",
           "side = 1 and jump = 1; for each (k, s): side += (k - 1) * jump, then jump *= s.",
           "side, jump = 1, 1\n"
           "for kernel, stride in layers:\n"
           "    side += (kernel - 1) * jump\n"
           "    jump *= stride\n"
           "return side")))


# ---------------------------------------------------------------- the restorer's loss

class ConditionalJudge:
    """The check's discriminator: called as D([damaged, candidate]), a 14x14 grid of logits (a conv on the pair)."""

    def __init__(self):
        import keras

        damaged, candidate = keras.Input((28, 28, 1)), keras.Input((28, 28, 1))
        pair = keras.layers.Concatenate()([damaged, candidate])
        conv = keras.layers.Conv2D(1, 4, 2, "same")
        self.model = keras.Model([damaged, candidate], conv(pair))
        rng = np.random.default_rng(90)
        kernel = rng.normal(0.0, 0.5, (4, 4, 2, 1)).astype("float32")
        kernel[:, :, 0] *= 0.3          # the damaged input counts less than the candidate: swapping them shows
        conv.set_weights([kernel, np.array([0.2], "float32")])

    def __call__(self, inputs, training=False):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("this discriminator is conditional: call it with a list of two batches, "
                             "discriminator([damaged, candidate])")
        return self.model(list(inputs), training=training)

    def logits(self, damaged, candidate) -> np.ndarray:
        """The logits in float64, for the check's own sums."""
        return np.asarray(self.model([damaged, candidate], training=False), np.float64)


def restorer_loss(discriminator, damaged, real, fake, l1_weight: float):
    """Reference of notebook 09's exercise: -mean log D(damaged, fake) over all patches, plus l1_weight times the
    mean absolute difference of real and fake; a TensorFlow scalar."""
    import tensorflow as tf

    logits = discriminator([damaged, fake], training=False)
    adversarial = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(logits), logits=logits))
    return adversarial + l1_weight * tf.reduce_mean(tf.abs(real - fake))


def _softplus(v: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, v)


def _loss_problem():
    rng = np.random.default_rng(91)
    real = rng.uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    damaged = (real * (rng.uniform(size=real.shape) > 0.3)).astype("float32")
    fake = np.clip(real + rng.normal(0, 0.4, real.shape), -1, 1).astype("float32")
    return damaged, real, fake


def _value_and_gradient(answer, d, damaged, real, fake, lam):
    """The student's loss with fake as a variable: ("ok", value, d loss / d fake), or a word on what went wrong."""
    import tensorflow as tf

    fv = tf.Variable(fake)
    with tf.GradientTape() as tape:
        loss = answer(d, tf.constant(damaged), tf.constant(real), fv, lam)
        if loss is None:
            return None
        if not tf.is_tensor(loss):
            return ("not a tensor", type(loss).__name__, None)
    grad = tape.gradient(loss, fv)
    return ("ok", np.asarray(loss, np.float64), None if grad is None else grad.numpy())


def _judge_restorer_loss(call: Caller) -> str | None:
    """What is wrong with the student's restorer_loss(discriminator, damaged, real, fake, l1_weight)."""
    d = ConditionalJudge()
    damaged, real, fake = _loss_problem()
    lam = L1_WEIGHT
    worded = Caller(call.ex, lambda *args: _value_and_gradient(call.answer, *args))(
        d, damaged, real, fake, lam, copy_inputs=False)
    if worded[0] == "not a tensor":
        return (f"your loss is a {worded[1]}, not a TensorFlow tensor: the restorer is trained on its gradient. "
                "Use tf operations (tf.reduce_mean, tf.abs, tf.nn.sigmoid_cross_entropy_with_logits).")
    value = worded[1]
    if value.size != 1:
        return (f"your loss has shape {value.shape}; the restorer's loss is one number for the batch: take the mean "
                "over the patch verdicts and over the pixels.")
    value = float(value.reshape(()))
    f64, r64 = fake.astype(np.float64), real.astype(np.float64)
    fake_logits, real_logits = d.logits(damaged, fake), d.logits(damaged, real)
    adv, l1 = _softplus(-fake_logits).mean(), np.abs(r64 - f64).mean()
    expected = adv + lam * l1
    if not np.isclose(value, expected, rtol=1e-4, atol=1e-4):
        variants = {
            "the discriminator's inputs are swapped: it takes [damaged, candidate], in that order.":
                _softplus(-d.logits(fake, damaged)).mean() + lam * l1,
            "your adversarial term judges the real digit; it must judge the restorer's repair, "
            "discriminator([damaged, fake]).": _softplus(-real_logits).mean() + lam * l1,
            "your adversarial term is the saturating one, mean log(1 - D); the restorer minimizes "
            "-mean log D(damaged, fake), the cross-entropy of the logits against the label 1.":
                -_softplus(fake_logits).mean() + lam * l1,
            "your adversarial term uses the label 0 (the discriminator's loss on fakes); the restorer wants its "
            "repairs called real, label 1.": _softplus(fake_logits).mean() + lam * l1,
            "your distance is squared (L2); pix2pix's is the mean absolute difference (L1), tf.abs.":
                adv + lam * np.mean((r64 - f64) ** 2),
            "l1_weight multiplies the adversarial term; it weighs the L1 term: adv + l1_weight * L1.":
                lam * adv + l1,
            "your loss has no adversarial term: add the mean cross-entropy of discriminator([damaged, fake]) "
            "against the label 1.": lam * l1,
            "your loss has no L1 term: add l1_weight * mean |real - fake|.": adv,
            "your L1 term is a sum over the pixels; take the mean, as the formula's expectation does.":
                adv + lam * np.abs(r64 - f64).sum(),
            "your adversarial term is a sum over the patch verdicts; take their mean.":
                _softplus(-fake_logits).sum() + lam * l1,
        }
        for message, other in variants.items():
            if np.isclose(value, other, rtol=1e-4, atol=1e-4):
                return f"On the check's batch, {message}"
        return (f"on the check's batch your loss is {value:.6g}; -mean log D(damaged, fake) + l1_weight * mean "
                f"|real - fake| is {expected:.6g} (adversarial {adv:.6g}, L1 {l1:.6g}, l1_weight {lam}).")
    grad = worded[2]
    if grad is None:
        return ("TensorFlow cannot differentiate your loss with respect to the repairs `fake`: did a .numpy() or a "
                "NumPy function break the chain?")
    import tensorflow as tf

    fv = tf.Variable(fake)
    with tf.GradientTape() as tape:
        reference = restorer_loss(d, tf.constant(damaged), tf.constant(real), fv, lam)
    expected_grad = tape.gradient(reference, fv).numpy()
    if not np.allclose(grad, expected_grad, rtol=1e-3, atol=1e-5):
        return ("your loss has the right value, but its gradient with respect to `fake` is not the formula's: is "
                "part of it cut off (tf.stop_gradient, a constant made from fake)?")
    return None


# ---------------------------------------------------------------- the skip connection

def no_skips(width: int):
    """The encoder-decoder of notebook 09's exercise: 28 -> 14 -> 7 -> 14 -> 28, no skip connections."""
    import keras
    from keras import layers

    x = keras.Input((28, 28, 1))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(width, 4, 2, "same")(x))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(2 * width, 4, 2, "same")(h))
    h = layers.ReLU()(layers.Conv2DTranspose(width, 4, 2, "same")(h))
    h = layers.ReLU()(layers.Conv2DTranspose(width, 4, 2, "same")(h))
    return keras.Model(x, layers.Conv2D(1, 3, 1, "same")(h))


def with_skip(width: int):
    """Reference of notebook 09's exercise: ``no_skips`` with the input concatenated to the last features."""
    import keras
    from keras import layers

    x = keras.Input((28, 28, 1))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(width, 4, 2, "same")(x))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(2 * width, 4, 2, "same")(h))
    h = layers.ReLU()(layers.Conv2DTranspose(width, 4, 2, "same")(h))
    h = layers.ReLU()(layers.Conv2DTranspose(width, 4, 2, "same")(h))
    h = layers.Concatenate()([h, x])
    return keras.Model(x, layers.Conv2D(1, 3, 1, "same")(h))


def _pictures() -> tuple[np.ndarray, np.ndarray]:
    """Random pictures in [-1, 1], every pixel its own: more numbers than a 7x7 bottleneck of width 4 carries."""
    rng = np.random.default_rng(92)
    return (rng.uniform(-1, 1, (2048, 28, 28, 1)).astype("float32"),
            rng.uniform(-1, 1, (256, 28, 28, 1)).astype("float32"))


def pass_through_error(model, steps: int = SKIP_STEPS, seed: int = 9) -> float:
    """Train ``model`` for ``steps`` Adam steps to return its input picture, then its mean squared error on held-out
    pictures."""
    import keras
    import tensorflow as tf

    train, test = _pictures()
    keras.utils.set_random_seed(seed)
    fresh = keras.models.clone_model(model)              # the same network, its weights drawn from the seed
    opt = keras.optimizers.Adam(3e-3)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(fresh(x, training=True) - x))
        opt.apply_gradients(zip(tape.gradient(loss, fresh.trainable_variables), fresh.trainable_variables))

    rng = np.random.default_rng(seed)
    before = tf.config.optimizer.get_experimental_options().get("remapping", True)
    tf.config.optimizer.set_experimental_options({"remapping": False})   # else TF logs a harmless graph-rewrite error
    try:
        for _ in range(steps):
            step(train[rng.integers(0, len(train), 32)])
    finally:
        tf.config.optimizer.set_experimental_options({"remapping": before})
    return float(np.mean((np.asarray(fresh(test, training=False)) - test) ** 2))


@lru_cache(maxsize=1)
def _no_skips_error() -> float:
    return pass_through_error(no_skips(SKIP_WIDTH))


def _judge_skip(call: Caller) -> str | None:
    """What is wrong with the student's with_skip(width): its shapes, then what training it shows."""
    import keras

    model = call(SKIP_WIDTH, copy_inputs=False)
    if not isinstance(model, keras.Model):
        return f"your function returned a {type(model).__name__}; expected a keras.Model, e.g. keras.Model(x, out)."
    if tuple(model.input_shape[1:]) != (28, 28, 1) or tuple(model.output_shape[1:]) != (28, 28, 1):
        return (f"your network maps {model.input_shape[1:]} to {model.output_shape[1:]}; it must map a (28, 28, 1) "
                "image to a (28, 28, 1) image. Concatenate before the last Conv2D, not after it.")
    if not any(isinstance(layer, (keras.layers.Concatenate, keras.layers.Add)) for layer in model.layers):
        return ("your network has no Concatenate (or Add) layer: a skip connection joins the input to later "
                "features, layers.Concatenate()([h, x]).")
    yours, theirs = pass_through_error(model), _no_skips_error()
    if yours > SKIP_RATIO * theirs:
        return (f"trained {SKIP_STEPS} steps to pass random pictures through, your network's error is {yours:.4f} and the "
                f"network without skips {theirs:.4f}; a skip that carries the input to the last layer brings it "
                f"below {SKIP_RATIO:g} times that. Does the joined tensor feed the output layer, and is it the "
                "input image x?")
    return None


register(Exercise(
    "09.restorer_loss", restorer_loss, judge=_judge_restorer_loss, measure=True, section=SECTION_LOSS,
    hints=("two terms: the discriminator's verdicts on the repairs, seen beside the damaged inputs, should say "
           "'real'; and the repairs should be close to the real digits, pixel by pixel, weighted by l1_weight.",
           "loss = mean over patches of BCE(1, D([damaged, fake])) + l1_weight * mean |real - fake|; the BCE "
           "from logits is tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(logits), logits=logits).",
           "logits = discriminator([damaged, fake], training=False)\n"
           "adv = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(logits), "
           "logits=logits))\n"
           "return adv + l1_weight * tf.reduce_mean(tf.abs(real - fake))")))

register(Exercise(
    "09.skip", with_skip, judge=_judge_skip, time_limit=TRAINING_LIMIT_S, section=SECTION_UNET,
    hints=("the input x already holds every sharp detail; let the last layer see it directly, beside the "
           "decoder's features, instead of only what squeezed through the 7x7 bottleneck.",
           "h = the decoder's 28x28 features; h = Concatenate()([h, x]); out = Conv2D(1, 3, 1, 'same')(h).",
           "copy no_skips, and before its last line add\n"
           "h = layers.Concatenate()([h, x])\n"
           "return keras.Model(x, layers.Conv2D(1, 3, 1, \"same\")(h))")))
