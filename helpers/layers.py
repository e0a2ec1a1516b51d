"""Model builders shared by the notebooks: generators take latents (None, d) and give tanh images (None, 28, 28, 1);
discriminators take those images and give one logit."""

from __future__ import annotations


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
    import keras

    opt = lambda: keras.optimizers.Adam(design["lr"], beta_1=design["beta_1"])  # noqa: E731
    return dense_generator(**design["generator"]), dense_discriminator(**design["discriminator"]), opt(), opt()
