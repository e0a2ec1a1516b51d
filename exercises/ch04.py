"""The exercises of notebook 04 (a conditional GAN): an embedding written as a product, and a discriminator that
takes the label as one-hot planes stacked on the image (the chapter's D learns an embedding instead).

The discriminator is judged by behaviour. It is built (``make_discriminator(10)``) and called on a few images with
their labels: it must take ``[image, label]``, give one logit per image, and give different logits for different
labels, in a way that depends on the image (a score for the label *added* to a score for the image cannot tell a
matching pair from a mismatched one). Then it is trained for a few seconds on toy images whose class is obvious
(a bright square at one of ten places): real pairs are (image, its label), fake pairs (image, a wrong label). A
discriminator that uses the label scores the matching pair above the mismatched one for almost every image; a slow
learner gets up to TOY_ROUNDS rounds of training. The label must enter as one-hot planes, without an Embedding.
"""

from __future__ import annotations

import numpy as np

from exercises.checker import Exercise, register

SECTION_LABEL = "'Giving the networks the label' in notebook 04"
SECTION_D = "'Giving the networks the label' and 'The conditional discriminator' in notebook 04"

N_CLASSES = 10
TOY_STEPS = 150           # training steps of the toy case per round (each on 32 matching and 32 mismatched pairs)
TOY_ROUNDS = 4            # rounds at most: a slower learner (e.g. with batch norm) gets up to 600 steps
TOY_BATCH = 32
TOY_LR = 1e-3
OTHER_N_CLASSES = 7        # a second number of classes: a discriminator that ignores its argument shows it
TOY_PASS = 0.9            # share of toy images whose matching pair must score above a mismatched one


# ---------------------------------------------------------------- reference solutions

def embed(labels, table) -> np.ndarray:
    """An embedding lookup written as a product (notebook 04): one_hot(labels) @ table, one row of ``table`` per label."""
    labels, table = np.asarray(labels), np.asarray(table)
    one_hot = np.zeros((len(labels), len(table)))
    one_hot[np.arange(len(labels)), labels] = 1.0
    return one_hot @ table


def make_discriminator(n_classes: int = N_CLASSES):
    """Reference of notebook 04's exercise: a conditional discriminator, inputs [image, label], one logit.

    The label enters without a learned embedding: as ``n_classes`` one-hot planes (plane c all ones when the label
    is c, all zeros otherwise) stacked on the image as channels, (28, 28, 1 + n_classes), before the convolutions."""
    import keras
    from keras import layers

    image, label = keras.Input((28, 28, 1)), keras.Input((), dtype="int32")
    one_hot = layers.Reshape((1, 1, n_classes))(keras.ops.one_hot(label, n_classes))      # (N, 1, 1, n_classes)
    planes = layers.UpSampling2D(28)(one_hot)                                              # (N, 28, 28, n_classes)
    h = layers.Concatenate()([image, planes])                                              # (N, 28, 28, 1 + n)
    h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(h))           # 14x14x16
    h = layers.LeakyReLU(0.2)(layers.Conv2D(32, 4, strides=2, padding="same")(h))           # 7x7x32
    return keras.Model([image, label], layers.Dense(1)(layers.Flatten()(h)))


# ---------------------------------------------------------------- the toy case

def toy_images(labels, rng: np.random.Generator) -> np.ndarray:
    """Toy 28x28 "digits" whose class is obvious (notebook 04's exercise): class c is a bright square at one of
    ten places (two rows of five), on a dark, slightly noisy background; values in [-1, 1]."""
    labels = np.asarray(labels)
    x = (-1.0 + 0.2 * rng.random((len(labels), 28, 28, 1))).astype(np.float32)
    for i, c in enumerate(labels):
        row, col = divmod(int(c) % 10, 5)
        x[i, 4 + 12 * row:10 + 12 * row, 1 + 5 * col:7 + 5 * col] = 1.0
    return x


def _wrong_labels(labels, rng: np.random.Generator, n_classes: int = N_CLASSES) -> np.ndarray:
    """Another label than each of ``labels``, uniformly among the others."""
    return ((np.asarray(labels) + rng.integers(1, n_classes, len(labels))) % n_classes).astype("int32")


def toy_scores(model, steps: int = TOY_STEPS, seed: int = 0, rounds: int = 1,
               enough: float = 1.0) -> tuple[np.ndarray, np.ndarray, float]:
    """Train ``model`` (inputs [image, label], one logit) to tell matching from mismatched toy pairs for ``steps``
    steps, up to ``rounds`` times until the share of matching pairs scored above mismatched ones reaches
    ``enough``; return the logits of 100 new images with their own labels and with wrong ones, and the last loss
    (notebook 04's exercise)."""
    import keras
    import tensorflow as tf

    from helpers.train import discriminator_loss

    rng = np.random.default_rng(seed)
    opt = keras.optimizers.Adam(TOY_LR)

    @tf.function
    def step(x, y, wrong):
        with tf.GradientTape() as tape:
            loss = discriminator_loss(model([x, y], training=True), model([x, wrong], training=True))
        variables = model.trainable_variables
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    loss = np.nan
    test_rng = np.random.default_rng(seed + 1)
    y_test = np.repeat(np.arange(N_CLASSES), 10).astype("int32")
    x_test, wrong_test = toy_images(y_test, test_rng), _wrong_labels(y_test, test_rng)
    remapping = tf.config.optimizer.get_experimental_options().get("remapping", True)
    tf.config.optimizer.set_experimental_options({"remapping": False})   # its fusions log a harmless error here
    try:
        for done in range(rounds):
            for _ in range(steps):
                y = rng.integers(0, N_CLASSES, TOY_BATCH).astype("int32")
                loss = float(step(toy_images(y, rng), y, _wrong_labels(y, rng)))
            right = np.asarray(model([x_test, y_test], training=False), dtype=np.float64).reshape(len(y_test))
            wrong = np.asarray(model([x_test, wrong_test], training=False), dtype=np.float64).reshape(len(y_test))
            if not np.isfinite(loss) or np.mean(right > wrong) >= enough:
                break
    finally:
        tf.config.optimizer.set_experimental_options({"remapping": remapping})
    return right, wrong, loss


# ---------------------------------------------------------------- the judge

def _shape_text(shape) -> str:
    return str(tuple(None if s is None else int(s) for s in shape))


SQUASHING = ("sigmoid", "tanh", "softmax", "hard_sigmoid", "hard_tanh", "softsign", "hard_silu", "log_sigmoid")


def _final_activation(model) -> str:
    """The name of the activation the model's last layer applies ('' for none, or a linear one)."""
    last = model.layers[-1]
    activation = getattr(last, "activation", None)
    name = getattr(activation, "__name__", "")
    return "" if name == "linear" else name


def _layers_of(model) -> list:
    found = []
    for layer in getattr(model, "layers", []):
        found += _layers_of(layer) if hasattr(layer, "layers") else [layer]
    return found


def _judge_discriminator(call) -> str | None:
    """What is wrong with the student's make_discriminator, judged by what its model does; None when it is right."""
    import keras

    keras.utils.set_random_seed(0)               # the student's weights, and so the verdict, are the same every run
    model = call(N_CLASSES)
    if not isinstance(model, keras.Model):
        return (f"make_discriminator({N_CLASSES}) returned a {type(model).__name__}; return the keras.Model you "
                "built, e.g. keras.Model([image, label], logit).")
    shapes = [tuple(i.shape) for i in model.inputs]
    if len(shapes) != 2:
        return (f"your discriminator takes {len(shapes)} input{'s' if len(shapes) != 1 else ''} "
                f"({', '.join(_shape_text(s) for s in shapes)}); it needs two, [image, label]: "
                "image = keras.Input((28, 28, 1)), label = keras.Input((), dtype=\"int32\").")
    if len(shapes[0]) <= 2 and len(shapes[1]) == 4:
        return (f"your discriminator takes its inputs in the order {_shape_text(shapes[0])}, "
                f"{_shape_text(shapes[1])}: the label first. The training step calls D([image, label]): "
                "write keras.Model([image, label], ...).")
    rng = np.random.default_rng(1)
    y = np.arange(8, dtype="int32") % N_CLASSES
    x = toy_images(y, rng)
    try:
        out = np.asarray(model([x, y], training=False), dtype=np.float64)
    except Exception as e:  # noqa: BLE001  (whatever the model does with the inputs, say so)
        return (f"calling your discriminator on [8 images of shape (8, 28, 28, 1), 8 integer labels of shape (8,)] "
                f"raised {type(e).__name__}: {e}")
    if out.shape != (8, 1):
        per = f" ({out.shape[1]} numbers per image)" if out.ndim == 2 and out.shape[0] == 8 else ""
        return (f"for 8 images your discriminator outputs shape {out.shape}{per}; it should give one logit per "
                "image, shape (8, 1) (\"is this a real image of this label?\"), not a score per class: end with "
                "Dense(1).")
    if _final_activation(model) in SQUASHING:
        squash = _final_activation(model)
        bounds = "probabilities between 0 and 1" if squash != "tanh" else "numbers between -1 and 1"
        return (f"your discriminator ends in a {squash}, so it outputs {bounds}. The series' losses take a logit "
                "(any real number) and apply the sigmoid themselves: end with Dense(1), no activation.")
    if not np.all(np.isfinite(out)):
        return "your discriminator outputs NaN or infinity for ordinary images."
    logits = np.stack([np.asarray(model([x, np.full(8, c, "int32")], training=False), dtype=np.float64)[:, 0]
                       for c in range(N_CLASSES)], axis=1)           # (image, label asked)
    spread = np.abs(logits - logits[:, :1]).max()
    if spread <= 1e-6 * (1.0 + np.abs(logits).max()):
        return ("your discriminator gives the same logit for every label: the label never reaches it (is the "
                "label input used on the way to the output?).")
    shift = logits - logits[:, :1]                                   # how each label moves each image's logit
    if np.abs(shift - shift[:1]).max() <= 1e-4 * (1.0 + np.abs(shift).max()):
        return ("your discriminator's logit moves with the label by the same amount for every image: it adds a "
                "score for the label to a score for the image, so it cannot tell whether an image matches its "
                "label. Let the label meet the image before a nonlinear layer: stack its one-hot planes on the "
                "image, before the convolutions.")
    problem = _mechanism_problem(model, call)
    if problem:
        return problem
    right, wrong, loss = toy_scores(model, rounds=TOY_ROUNDS, enough=TOY_PASS)
    if not np.isfinite(loss) or not np.all(np.isfinite(right)) or not np.all(np.isfinite(wrong)):
        return "training your discriminator on the toy pairs made its loss or its logits NaN."
    share = float(np.mean(right > wrong))
    if share < TOY_PASS:
        return (f"trained for {TOY_STEPS * TOY_ROUNDS} steps on toy images whose class is obvious (a bright square "
                f"at one of ten places), with real = (image, its label) and fake = (image, a wrong label), your "
                f"discriminator scores the matching pair above the mismatched one for {share:.0%} of new images "
                f"(chance: 50%; a discriminator that uses the label: over {TOY_PASS:.0%}).")
    bound = float(max(np.abs(right).max(), np.abs(wrong).max()))
    if bound <= 1.0 + 1e-4:
        return (f"after training, your discriminator's outputs never leave [-1, 1] (the largest is {bound:.3g}): "
                "does something squash them (tanh, a clip)? The losses take a logit, any real number: end with "
                "Dense(1), no activation.")
    return None


def _first_conv_channels(model) -> int | None:
    import keras

    convs = [layer for layer in _layers_of(model) if isinstance(layer, keras.layers.Conv2D)]
    return int(convs[0].kernel.shape[2]) if convs else None


def _mechanism_problem(model, call) -> str | None:
    """A message if the label does not enter as one-hot planes stacked on the image (the exercise's mechanism),
    for n_classes = 10 and for another number of classes."""
    import keras

    found = _layers_of(model)
    if any(isinstance(layer, keras.layers.Embedding) for layer in found):
        return ("your discriminator learns an embedding of the label (an Embedding layer), as the chapter's does. "
                "This exercise asks for the label without one: as n_classes one-hot planes (plane c all ones when "
                "the label is c, zeros otherwise) stacked on the image as channels, (28, 28, 1 + n_classes).")
    convs = [layer for layer in found if isinstance(layer, keras.layers.Conv2D)]
    if not convs:
        return ("your discriminator has no Conv2D layer: stack the one-hot planes on the image, (28, 28, "
                "1 + n_classes), and judge the stack with convolutions, as the chapter's D judges image and plane.")
    channels = int(convs[0].kernel.shape[2])
    if channels != 1 + N_CLASSES:
        return (f"your first convolution sees {channels} channel{'s' if channels != 1 else ''}; with the label as "
                f"{N_CLASSES} one-hot planes stacked on the image it sees 1 + {N_CLASSES} = {1 + N_CLASSES}: "
                "concatenate the planes with the image before the first Conv2D.")
    other = call(OTHER_N_CLASSES)
    seen = _first_conv_channels(other) if isinstance(other, keras.Model) else None
    if seen != 1 + OTHER_N_CLASSES:
        return (f"make_discriminator({OTHER_N_CLASSES}) gives a first convolution that sees {seen} channels, where "
                f"1 + {OTHER_N_CLASSES} = {1 + OTHER_N_CLASSES} were expected: make the planes with the argument "
                "n_classes, not a fixed 10.")
    return None


# ---------------------------------------------------------------- the register

def _embed_cases() -> list[tuple]:
    rng = np.random.default_rng(9)
    return [(np.array([1, 0, 1, 2]), rng.normal(size=(3, 5))), (np.array([4]), rng.normal(size=(10, 2))),
            (np.arange(10)[::-1], rng.normal(size=(10, 3)))]


register(Exercise(
    "04.embed", embed, _embed_cases, section=SECTION_LABEL,
    hints=("row i of a one-hot matrix has a single 1, in column labels[i]; multiplying it by the table keeps "
           "exactly one row of the table.",
           "embed(labels, table) = one_hot(labels) @ table, where one_hot has shape (N, n_classes) and "
           "n_classes = len(table).",
           "one_hot = np.zeros((len(labels), len(table)))\n"
           "one_hot[np.arange(len(labels)), labels] = 1.0\n"
           "return one_hot @ table")))

register(Exercise(
    "04.conditional_discriminator", make_discriminator, judge=_judge_discriminator, time_limit=15.0, section=SECTION_D,
    hints=("the discriminator takes two inputs, [image, label], and gives one logit. Instead of a learned "
           "embedding, turn the label into n_classes planes of 28x28, plane c all ones when the label is c and all "
           "zeros otherwise, stack them on the image as channels, and judge the stack with convolutions.",
           "keras.ops.one_hot(label, n_classes) has shape (N, n_classes); Reshape((1, 1, n_classes)) makes it a 1x1 "
           "image with n_classes channels, and UpSampling2D(28) repeats it over 28x28 (keras.ops.broadcast_to "
           "works too). Concatenate()([image, planes]) gives (N, 28, 28, 1 + n_classes); then Conv2D layers, "
           "Flatten, Dense(1) with no activation.",
           "image, label = keras.Input((28, 28, 1)), keras.Input((), dtype='int32')\n"
           "planes = layers.UpSampling2D(28)(layers.Reshape((1, 1, n_classes))(keras.ops.one_hot(label, n_classes)))\n"
           "h = layers.Concatenate()([image, planes])\n"
           "h = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding='same')(h))\n"
           "h = layers.LeakyReLU(0.2)(layers.Conv2D(32, 4, strides=2, padding='same')(h))\n"
           "return keras.Model([image, label], layers.Dense(1)(layers.Flatten()(h)))")))
