"""Model builders shared by the notebooks: generators take latents (None, d) and give tanh images (None, 28, 28, 1);
discriminators take those images and give one logit."""

from __future__ import annotations

import numpy as np


def dense_generator(z_dim: int = 100, hidden: tuple[int, ...] = (128,), slope: float = 0.01,
                    batch_norm: bool = False, name: str = "dense_generator"):
    """An MLP generator: Dense layers with LeakyReLU (optionally batch norm), then 784 tanh units as 28x28x1."""
    import keras
    from keras import layers

    model = [keras.Input((z_dim,))]
    for units in hidden:
        model.append(layers.Dense(units, use_bias=not batch_norm))
        if batch_norm:
            model.append(layers.BatchNormalization())
        model.append(layers.LeakyReLU(slope))
    model += [layers.Dense(28 * 28, activation="tanh"), layers.Reshape((28, 28, 1))]
    return keras.Sequential(model, name=name)


def dense_discriminator(hidden: tuple[int, ...] = (128,), slope: float = 0.01, dropout: float = 0.0,
                        name: str = "dense_discriminator"):
    """An MLP discriminator: flattened image, Dense layers with LeakyReLU (optionally dropout), one logit."""
    import keras
    from keras import layers

    model = [keras.Input((28, 28, 1)), layers.Flatten()]
    for units in hidden:
        model += [layers.Dense(units), layers.LeakyReLU(slope)]
        if dropout:
            model.append(layers.Dropout(dropout))
    model.append(layers.Dense(1))
    return keras.Sequential(model, name=name)


CLASSIC_DENSE = {
    "generator": {"z_dim": 100, "hidden": (128,), "slope": 0.01},
    "discriminator": {"hidden": (128,), "slope": 0.01},
    "lr": 1e-3, "beta_1": 0.9, "real_label": 1.0, "batch_size": 128,
}
"""The classic dense GAN of many first tutorials: one hidden layer of 128 units each, Adam's defaults."""

DENSE = {
    "generator": {"z_dim": 100, "hidden": (256, 512, 1024), "slope": 0.2},
    "discriminator": {"hidden": (512, 256), "slope": 0.2, "dropout": 0.3},
    "lr": 4e-4, "beta_1": 0.5, "real_label": 0.9, "batch_size": 128,
}
"""Notebook 02's dense GAN: wider and deeper, LeakyReLU 0.2, dropout in D, Adam(4e-4, 0.5), label smoothing."""


def dense_gan(design: dict):
    """Build (generator, discriminator, g_opt, d_opt) from a design dictionary such as DENSE."""
    return build_gan(design)


# ---------------------------------------------------------------- convolutional GANs (notebook 03 on)

def conv_output_size(size: int, kernel: int, stride: int, padding: str = "same") -> int:
    """Output width of a Conv2D: ceil(size / stride) with 'same' padding, floor((size - kernel) / stride) + 1 with 'valid'."""
    if padding == "same":
        return -(-size // stride)
    return (size - kernel) // stride + 1


def conv_transpose_output_size(size: int, kernel: int, stride: int, padding: str = "same") -> int:
    """Output width of a Conv2DTranspose: size * stride with 'same' padding, (size - 1) * stride + kernel with 'valid'."""
    if padding == "same":
        return size * stride
    return (size - 1) * stride + kernel


def dcgan_generator(z_dim: int = 100, width: int = 64, kernel: int = 4, hidden: int = 0,
                    name: str = "dcgan_generator"):
    """DCGAN generator: [Dense(hidden)], Dense to 7x7x(2*width), stride-2 Conv2DTranspose to 14x14x(width), 28x28x1."""
    import keras
    from keras import layers

    first = [layers.Dense(hidden, use_bias=False), layers.BatchNormalization(), layers.ReLU()] if hidden else []
    return keras.Sequential([
        keras.Input((z_dim,)), *first,
        layers.Dense(7 * 7 * 2 * width, use_bias=False), layers.BatchNormalization(), layers.ReLU(),
        layers.Reshape((7, 7, 2 * width)),
        layers.Conv2DTranspose(width, kernel, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.ReLU(),
        layers.Conv2DTranspose(1, kernel, strides=2, padding="same", activation="tanh"),
    ], name=name)


def dcgan_discriminator(width: int = 64, kernel: int = 4, slope: float = 0.2, batch_norm: bool = True,
                        dropout: float = 0.0, hidden: int = 0, name: str = "dcgan_discriminator"):
    """DCGAN discriminator: stride-2 Conv2D 28 -> 14 -> 7, LeakyReLU (batch norm or dropout), [Dense(hidden)], a logit."""
    import keras
    from keras import layers

    model = [keras.Input((28, 28, 1)), layers.Conv2D(width, kernel, strides=2, padding="same"), layers.LeakyReLU(slope)]
    if dropout:
        model.append(layers.Dropout(dropout))
    model.append(layers.Conv2D(2 * width, kernel, strides=2, padding="same", use_bias=not batch_norm))
    if batch_norm:
        model.append(layers.BatchNormalization())
    model.append(layers.LeakyReLU(slope))
    if dropout:
        model.append(layers.Dropout(dropout))
    model.append(layers.Flatten())
    if hidden:
        model += [layers.Dense(hidden, use_bias=not batch_norm)] + ([layers.BatchNormalization()] if batch_norm else [])
        model.append(layers.LeakyReLU(slope))
    return keras.Sequential(model + [layers.Dense(1)], name=name)


def tutorial_generator(z_dim: int = 100, name: str = "tutorial_generator"):
    """The TensorFlow DCGAN tutorial's generator: Dense 7x7x256, Conv2DTranspose 5x5 to 128, 64, 1 channels."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input((z_dim,)),
        layers.Dense(7 * 7 * 256, use_bias=False), layers.BatchNormalization(), layers.LeakyReLU(0.3),
        layers.Reshape((7, 7, 256)),
        layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(0.3),
        layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(0.3),
        layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False, activation="tanh"),
    ], name=name)


def tutorial_discriminator(name: str = "tutorial_discriminator"):
    """The TensorFlow DCGAN tutorial's discriminator: Conv2D 5x5 64 and 128, stride 2, LeakyReLU, dropout 0.3."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(64, 5, strides=2, padding="same"), layers.LeakyReLU(0.3), layers.Dropout(0.3),
        layers.Conv2D(128, 5, strides=2, padding="same"), layers.LeakyReLU(0.3), layers.Dropout(0.3),
        layers.Flatten(), layers.Dense(1),
    ], name=name)


TUTORIAL_DCGAN = {"builders": (tutorial_generator, tutorial_discriminator), "generator": {}, "discriminator": {},
                  "lr": 1e-4, "beta_1": 0.9, "real_label": 1.0, "batch_size": 256, "jit_compile": False}
"""The TensorFlow DCGAN tutorial's design and settings: 5x5 kernels, Adam(1e-4), batch 256."""

DCGAN = {"builders": (dcgan_generator, dcgan_discriminator),
         "generator": {"z_dim": 100, "width": 32, "kernel": 4, "hidden": 128},
         "discriminator": {"width": 32, "kernel": 4, "hidden": 128}, "lr": 4e-4, "beta_1": 0.5, "real_label": 1.0,
         "batch_size": 64, "jit_compile": True, "ema_decay": 0.999}
"""Notebook 03's DCGAN: 4x4 kernels with stride 2, 32 and 64 channels, a fully connected hidden layer of 128 units
in each network (as InfoGAN's MNIST networks), Adam(4e-4, beta_1 0.5) (the DCGAN paper's 2e-4 doubled, measured
faster here), batch 64, an XLA-compiled step, and an exponential moving average of G's weights (decay 0.999)."""


def cgan_generator(z_dim: int = 100, n_classes: int = 10, width: int = 64, kernel: int = 4, embed: int = 50,
                   name: str = "cgan_generator"):
    """Conditional DCGAN generator: inputs (z, label); the label's learned embedding is joined to z, then as dcgan_generator."""
    import keras
    from keras import layers

    z, label = keras.Input((z_dim,), name="z"), keras.Input((), dtype="int32", name="label")
    h = layers.Concatenate()([z, layers.Embedding(n_classes, embed)(label)])
    h = layers.ReLU()(layers.BatchNormalization()(layers.Dense(7 * 7 * 2 * width, use_bias=False)(h)))
    h = layers.Reshape((7, 7, 2 * width))(h)
    h = layers.Conv2DTranspose(width, kernel, strides=2, padding="same", use_bias=False)(h)
    h = layers.ReLU()(layers.BatchNormalization()(h))
    out = layers.Conv2DTranspose(1, kernel, strides=2, padding="same", activation="tanh")(h)
    return keras.Model([z, label], out, name=name)


def cgan_discriminator(n_classes: int = 10, width: int = 64, kernel: int = 4, slope: float = 0.2,
                       name: str = "cgan_discriminator"):
    """Conditional DCGAN discriminator: inputs (image, label); the label's embedding becomes a second image channel."""
    import keras
    from keras import layers

    image, label = keras.Input((28, 28, 1), name="image"), keras.Input((), dtype="int32", name="label")
    plane = layers.Reshape((28, 28, 1))(layers.Embedding(n_classes, 28 * 28)(label))
    h = layers.Concatenate()([image, plane])
    h = layers.LeakyReLU(slope)(layers.Conv2D(width, kernel, strides=2, padding="same")(h))
    h = layers.Conv2D(2 * width, kernel, strides=2, padding="same", use_bias=False)(h)
    h = layers.LeakyReLU(slope)(layers.BatchNormalization()(h))
    return keras.Model([image, label], layers.Dense(1)(layers.Flatten()(h)), name=name)


def transpose_overlaps(n: int, kernel: int, stride: int) -> np.ndarray:
    """How many input positions of a 1-D transposed convolution write to each output position ('valid' padding)."""
    counts = np.zeros((n - 1) * stride + kernel, dtype=np.int64)
    for i in range(n):
        counts[i * stride:i * stride + kernel] += 1
    return counts


def ema_update(average: np.ndarray, weights: np.ndarray, decay: float) -> np.ndarray:
    """One step of an exponential moving average: decay * average + (1 - decay) * weights."""
    return decay * np.asarray(average) + (1.0 - decay) * np.asarray(weights)


CGAN = {**DCGAN, "builders": (cgan_generator, cgan_discriminator),
        "generator": {"z_dim": 100, "width": 64, "kernel": 4, "embed": 50}, "discriminator": {"width": 64, "kernel": 4}}
"""Notebook 04's conditional GAN: notebook 03's settings and its convolutions (64 and 128 channels, no hidden Dense
layer: 03's first design), with label embeddings in G and D."""


WGAN_GP = {"builders": (dcgan_generator, dcgan_discriminator), "generator": {**DCGAN["generator"]},
           "discriminator": {**DCGAN["discriminator"], "batch_norm": False}, "lr": 1e-4, "beta_1": 0.0,
           "beta_2": 0.9, "n_critic": 5, "gp_weight": 10.0, "batch_size": 64, "jit_compile": True,
           "ema_decay": 0.999}
"""Notebook 05's WGAN-GP: notebook 03's networks, the critic without batch norm (the penalty is per sample),
and the paper's settings: Adam(1e-4, beta_1 0, beta_2 0.9), 5 critic steps per generator step, penalty weight 10."""


def one_hot(labels, n_classes: int = 10) -> np.ndarray:
    """Integer labels (N,) as float32 one-hot rows (N, n_classes)."""
    labels = np.asarray(labels)
    out = np.zeros((len(labels), n_classes), np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out


def per_class_agreement(asked, read, n_classes: int = 10) -> np.ndarray:
    """For each class c, the share of samples asked as c that were read as c."""
    asked, read = np.asarray(asked), np.asarray(read)
    return np.array([np.mean(read[asked == c] == c) if np.any(asked == c) else 0.0 for c in range(n_classes)])


def build_gan(design: dict):
    """Build (generator, discriminator, g_opt, d_opt) from a design dictionary such as DCGAN or DENSE."""
    import keras

    make_g, make_d = design.get("builders", (dense_generator, dense_discriminator))
    opt = lambda: keras.optimizers.Adam(design["lr"], beta_1=design["beta_1"],  # noqa: E731
                                        beta_2=design.get("beta_2", 0.999))
    return make_g(**design["generator"]), make_d(**design["discriminator"]), opt(), opt()


# ---------------------------------------------------------------- exercises of notebook 03

def _register_exercises() -> None:
    from helpers.exercises import Exercise, register

    conv_cases = lambda: [(28, 4, 2, "same"), (28, 5, 2, "valid"), (7, 3, 1, "valid"), (13, 4, 2, "same"),  # noqa: E731
                          (14, 5, 2, "valid"), (9, 3, 3, "same")]
    where = lambda a: f" for size={a[0]}, kernel={a[1]}, stride={a[2]}, padding={a[3]!r}"  # noqa: E731
    register(Exercise("03.conv_output_size", conv_output_size, conv_cases, describe=where,
                      hint="'same': ceil(size / stride), e.g. -(-size // stride); "
                           "'valid': (size - kernel) // stride + 1."))
    register(Exercise("03.conv_transpose_output_size", conv_transpose_output_size, conv_cases, describe=where,
                      hint="'same': size * stride; 'valid': (size - 1) * stride + kernel."))
    register(Exercise("03.transpose_overlaps", transpose_overlaps,
                      lambda: [(5, 3, 2), (5, 4, 2), (4, 5, 2), (3, 3, 3), (6, 2, 1)],
                      describe=lambda a: f" for n={a[0]}, kernel={a[1]}, stride={a[2]}",
                      hint="input i writes to outputs i*stride ... i*stride + kernel - 1; the output has "
                           "(n - 1) * stride + kernel positions."))
    rng = np.random.default_rng(5)
    register(Exercise("03.ema_update", ema_update,
                      lambda: [(rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), 0.999), (np.zeros(2), np.ones(2), 0.9)],
                      hint="the average keeps most of itself: decay * average + (1 - decay) * weights."))


    rng4 = np.random.default_rng(9)
    register(Exercise("04.one_hot", one_hot, lambda: [(np.array([0, 3, 9, 3]), 10), (np.array([2, 0, 1]), 3)],
                      hint="start from np.zeros((len(labels), n_classes)) and set one entry per row to 1: "
                           "out[np.arange(len(labels)), labels] = 1."))
    register(Exercise("04.embed", lambda labels, table: one_hot(labels, len(table)) @ table,
                      lambda: [(np.array([1, 0, 1, 2]), rng4.normal(size=(3, 5))), (np.array([4]), rng4.normal(size=(10, 2)))],
                      hint="one_hot(labels, len(table)) @ table picks one row of the table per label."))
    register(Exercise("04.per_class_agreement", per_class_agreement,
                      lambda: [(np.arange(100) % 10, np.where(np.arange(100) % 7 == 0, 1, np.arange(100) % 10)),
                               (np.repeat(np.arange(10), 3), np.repeat(np.arange(10), 3))],
                      hint="for each class c: np.mean(read[asked == c] == c)."))


_register_exercises()
