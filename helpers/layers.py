"""The networks and designs of the series (notebooks 02 to 07).

Generators take latents (None, d) drawn from N(0, I) and give tanh images shaped ``IMAGE_SHAPE``;
discriminators take those images and give one logit (no sigmoid). A ``Design`` is a small typed spec:
how each network is built, the optimizer's settings, and the training settings that go with them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple, Protocol

from helpers.config import IMAGE_SHAPE, N_CLASSES

__all__ = ["dense_generator", "dense_discriminator", "tutorial_generator", "ConvG", "ConvD", "CondConvG", "CondConvD",
           "Adam", "Players", "Design", "CLASSIC_DENSE", "DENSE", "TUTORIAL_DCGAN", "DCGAN", "CGAN", "WGAN_GP", "FASHION", "OWN_IMAGES"]

PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1] * IMAGE_SHAPE[2]


def dense_generator(z_dim: int = 100, hidden: tuple[int, ...] = (128,), slope: float = 0.01,
                    batch_norm: bool = False, name: str = "dense_generator"):
    """An MLP generator (notebook 02): Dense layers with LeakyReLU (optionally batch norm), then one tanh unit per pixel, reshaped to an image."""
    import keras
    from keras import layers

    model = [keras.Input((z_dim,))]
    for units in hidden:
        model.append(layers.Dense(units, use_bias=not batch_norm))
        if batch_norm:
            model.append(layers.BatchNormalization())
        model.append(layers.LeakyReLU(slope))
    model += [layers.Dense(PIXELS, activation="tanh"), layers.Reshape(IMAGE_SHAPE)]
    return keras.Sequential(model, name=name)


def dense_discriminator(hidden: tuple[int, ...] = (128,), slope: float = 0.01, dropout: float = 0.0,
                        name: str = "dense_discriminator"):
    """An MLP discriminator (notebook 02): flattened image, Dense layers with LeakyReLU (optionally dropout), one logit."""
    import keras
    from keras import layers

    model = [keras.Input(IMAGE_SHAPE), layers.Flatten()]
    for units in hidden:
        model += [layers.Dense(units), layers.LeakyReLU(slope)]
        if dropout:
            model.append(layers.Dropout(dropout))
    model.append(layers.Dense(1))
    return keras.Sequential(model, name=name)


# ---------------------------------------------------------------- convolutional GANs (notebook 03 on)

def conv_output_size(size: int, kernel: int, stride: int, padding: str = "same") -> int:
    """Output width of a Conv2D (notebook 03): ceil(size / stride) with 'same' padding, floor((size - kernel) / stride) + 1 with 'valid'."""
    if padding == "same":
        return -(-size // stride)
    return (size - kernel) // stride + 1


def conv_transpose_output_size(size: int, kernel: int, stride: int, padding: str = "same") -> int:
    """Output width of a Conv2DTranspose (notebook 03): size * stride with 'same' padding; with 'valid',
    (size - 1) * stride + kernel when kernel >= stride, else size * stride."""
    if padding == "same":
        return size * stride
    return (size - 1) * stride + max(kernel, stride)


def check_image_shape(image_shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """Refuse an image shape the two-stride DCGAN cannot make: square, side divisible by 4, 1 or 3 channels (notebook 07)."""
    shape = tuple(int(n) for n in image_shape)
    if len(shape) != 3 or shape[0] != shape[1] or shape[0] % 4 or shape[2] not in (1, 3):
        raise ValueError(f"image_shape {image_shape}: the DCGAN makes square images whose side is divisible by 4, "
                         "with 1 (grey) or 3 (colour) channels, e.g. (28, 28, 1) or (32, 32, 3)")
    return shape


def dcgan_generator(z_dim: int = 100, width: int = 64, kernel: int = 4, hidden: int = 0,
                    image_shape: tuple[int, int, int] = IMAGE_SHAPE, name: str = "dcgan_generator"):
    """DCGAN generator (notebook 03): [Dense(hidden)], Dense to 7x7x(2*width), stride-2 Conv2DTranspose to 14x14x(width), 28x28x1
    (any side divisible by 4 and 1 or 3 channels: notebook 07)."""
    import keras
    from keras import layers

    side, _, channels = check_image_shape(image_shape)
    start = side // 4
    first = [layers.Dense(hidden, use_bias=False), layers.BatchNormalization(), layers.ReLU()] if hidden else []
    return keras.Sequential([
        keras.Input((z_dim,)), *first,
        layers.Dense(start * start * 2 * width, use_bias=False), layers.BatchNormalization(), layers.ReLU(),
        layers.Reshape((start, start, 2 * width)),
        layers.Conv2DTranspose(width, kernel, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.ReLU(),
        layers.Conv2DTranspose(channels, kernel, strides=2, padding="same", activation="tanh"),
    ], name=name)


def dcgan_discriminator(width: int = 64, kernel: int = 4, slope: float = 0.2, batch_norm: bool = True,
                        dropout: float = 0.0, hidden: int = 0, image_shape: tuple[int, int, int] = IMAGE_SHAPE,
                        name: str = "dcgan_discriminator"):
    """DCGAN discriminator (notebook 03): stride-2 Conv2D 28 -> 14 -> 7, LeakyReLU (batch norm or dropout), [Dense(hidden)], a logit
    (other image shapes: notebook 07)."""
    import keras
    from keras import layers

    model = [keras.Input(check_image_shape(image_shape)), layers.Conv2D(width, kernel, strides=2, padding="same"), layers.LeakyReLU(slope)]
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
    """The TensorFlow DCGAN tutorial's generator (notebook 03): Dense 7x7x256, Conv2DTranspose 5x5 to 128, 64, 1 channels."""
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
    """The TensorFlow DCGAN tutorial's discriminator (notebook 03): Conv2D 5x5 64 and 128, stride 2, LeakyReLU, dropout 0.3."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        layers.Conv2D(64, 5, strides=2, padding="same"), layers.LeakyReLU(0.3), layers.Dropout(0.3),
        layers.Conv2D(128, 5, strides=2, padding="same"), layers.LeakyReLU(0.3), layers.Dropout(0.3),
        layers.Flatten(), layers.Dense(1),
    ], name=name)





def cgan_generator(z_dim: int = 100, n_classes: int = N_CLASSES, width: int = 32, kernel: int = 4, embed: int = 50,
                   hidden: int = 128, name: str = "cgan_generator"):
    """Conditional DCGAN generator (notebook 04): inputs (z, label); the label's learned embedding is joined to z, then as dcgan_generator."""
    import keras
    from keras import layers

    z, label = keras.Input((z_dim,), name="z"), keras.Input((), dtype="int32", name="label")
    h = layers.Concatenate()([z, layers.Embedding(n_classes, embed)(label)])
    if hidden:
        h = layers.ReLU()(layers.BatchNormalization()(layers.Dense(hidden, use_bias=False)(h)))
    h = layers.ReLU()(layers.BatchNormalization()(layers.Dense(7 * 7 * 2 * width, use_bias=False)(h)))
    h = layers.Reshape((7, 7, 2 * width))(h)
    h = layers.Conv2DTranspose(width, kernel, strides=2, padding="same", use_bias=False)(h)
    h = layers.ReLU()(layers.BatchNormalization()(h))
    out = layers.Conv2DTranspose(1, kernel, strides=2, padding="same", activation="tanh")(h)
    return keras.Model([z, label], out, name=name)


def cgan_discriminator(n_classes: int = N_CLASSES, width: int = 32, kernel: int = 4, slope: float = 0.2, hidden: int = 128,
                       projection: bool = True, name: str = "cgan_discriminator"):
    """Conditional DCGAN discriminator (notebook 04): inputs (image, label); the label's embedding becomes a second image
    channel, and with ``projection`` a second embedding's dot product with D's last features is added to the logit."""
    import keras
    from keras import layers

    image, label = keras.Input(IMAGE_SHAPE, name="image"), keras.Input((), dtype="int32", name="label")
    plane = layers.Reshape(IMAGE_SHAPE[:2] + (1,))(layers.Embedding(n_classes, IMAGE_SHAPE[0] * IMAGE_SHAPE[1])(label))
    h = layers.Concatenate()([image, plane])
    h = layers.LeakyReLU(slope)(layers.Conv2D(width, kernel, strides=2, padding="same")(h))
    h = layers.Conv2D(2 * width, kernel, strides=2, padding="same", use_bias=False)(h)
    h = layers.Flatten()(layers.LeakyReLU(slope)(layers.BatchNormalization()(h)))
    if hidden:
        h = layers.LeakyReLU(slope)(layers.BatchNormalization()(layers.Dense(hidden, use_bias=False)(h)))
    logit = layers.Dense(1)(h)
    if projection:
        p_y = layers.Embedding(n_classes, h.shape[-1])(label)
        logit = layers.Add()([logit, layers.Dot(axes=1)([h, p_y])])
    return keras.Model([image, label], logit, name=name)


# ---------------------------------------------------------------- specs: what to build, typed

class NetSpec(Protocol):
    """What every network spec below offers: ``build()`` returns a fresh Keras model (notebook 02)."""

    def build(self): ...


@dataclass(frozen=True)
class DenseG:
    """An MLP generator (notebook 02)."""

    z_dim: int = 100                      # latent size
    hidden: tuple[int, ...] = (128,)      # units of each hidden layer
    slope: float = 0.01                   # LeakyReLU's negative slope
    batch_norm: bool = False

    def build(self):
        """A fresh generator of this spec."""
        return dense_generator(self.z_dim, self.hidden, self.slope, self.batch_norm)


@dataclass(frozen=True)
class DenseD:
    """An MLP discriminator (notebook 02)."""

    hidden: tuple[int, ...] = (128,)
    slope: float = 0.01
    dropout: float = 0.0                  # dropout after each hidden layer

    def build(self):
        """A fresh discriminator of this spec."""
        return dense_discriminator(self.hidden, self.slope, self.dropout)


@dataclass(frozen=True)
class ConvG:
    """A DCGAN generator (notebook 03)."""

    z_dim: int = 100
    width: int = 64                       # channels of the 14x14 layer (twice as many at 7x7)
    kernel: int = 4                       # 4 with stride 2: no checkerboard
    hidden: int = 0                       # units of a Dense layer between z and the projection (0: none)
    image_shape: tuple[int, int, int] = IMAGE_SHAPE   # (side, side, 1 or 3), side divisible by 4 (notebook 07)

    def build(self):
        """A fresh generator of this spec."""
        return dcgan_generator(self.z_dim, self.width, self.kernel, self.hidden, self.image_shape)


@dataclass(frozen=True)
class ConvD:
    """A DCGAN discriminator, or a WGAN critic without batch norm (notebooks 03 and 05)."""

    width: int = 64
    kernel: int = 4
    slope: float = 0.2
    batch_norm: bool = True
    dropout: float = 0.0
    hidden: int = 0                       # units of a Dense layer before the logit (0: none)
    image_shape: tuple[int, int, int] = IMAGE_SHAPE   # (side, side, 1 or 3), side divisible by 4 (notebook 07)

    def build(self):
        """A fresh discriminator of this spec."""
        return dcgan_discriminator(self.width, self.kernel, self.slope, self.batch_norm, self.dropout, self.hidden,
                                   self.image_shape)


@dataclass(frozen=True)
class TutorialG:
    """The TensorFlow DCGAN tutorial's generator (notebook 03)."""

    z_dim: int = 100

    def build(self):
        """A fresh generator of this spec."""
        return tutorial_generator(self.z_dim)


@dataclass(frozen=True)
class TutorialD:
    """The TensorFlow DCGAN tutorial's discriminator (notebook 03)."""

    def build(self):
        """A fresh discriminator of this spec."""
        return tutorial_discriminator()


@dataclass(frozen=True)
class CondConvG:
    """A conditional DCGAN generator, inputs (z, label) (notebook 04)."""

    z_dim: int = 100
    width: int = 32
    kernel: int = 4
    embed: int = 50                       # size of each label's learned embedding
    hidden: int = 128                     # units of the Dense layer after the join (0: none)

    def build(self):
        """A fresh generator of this spec."""
        return cgan_generator(self.z_dim, N_CLASSES, self.width, self.kernel, self.embed, self.hidden)


@dataclass(frozen=True)
class CondConvD:
    """A conditional DCGAN discriminator, inputs (image, label) (notebook 04)."""

    width: int = 32
    kernel: int = 4
    slope: float = 0.2
    hidden: int = 128                     # units of the Dense layer before the logit (0: none)
    projection: bool = True               # add the dot product of a label embedding with D's last features

    def build(self):
        """A fresh discriminator of this spec."""
        return cgan_discriminator(N_CLASSES, self.width, self.kernel, self.slope, self.hidden, self.projection)


@dataclass(frozen=True)
class Adam:
    """Adam's settings; each player gets its own optimizer with them (notebook 02)."""

    lr: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999

    def build(self):
        """A fresh Adam optimizer with these settings."""
        import keras

        return keras.optimizers.Adam(self.lr, beta_1=self.beta_1, beta_2=self.beta_2)


class Players(NamedTuple):
    """The two networks of a GAN and one optimizer for each (notebook 04)."""

    generator: object
    discriminator: object
    g_opt: object
    d_opt: object


LOSSES = ("gan", "wgan-gp")
"""The losses a design can train with: the non-saturating GAN (notebook 02) and WGAN-GP (notebook 05)."""


@dataclass(frozen=True)
class Design:
    """A GAN design: both networks, the optimizer, and the training settings that go with them (notebook 02)."""

    generator: NetSpec
    discriminator: NetSpec
    adam: Adam = Adam()
    loss: str = "gan"                     # "gan" (non-saturating, notebook 02) or "wgan-gp" (notebook 05)
    batch_size: int = 64
    real_label: float = 1.0               # the target for real images; 0.9 is one-sided label smoothing
    ema_decay: float | None = None        # keep a moving average of G's weights with this decay (notebook 02)
    jit_compile: bool = False             # compile the training step with XLA (notebook 03)
    n_critic: int = 1                     # WGAN-GP: critic updates per generator update
    gp_weight: float = 0.0                # WGAN-GP: the gradient penalty's weight lambda

    def __post_init__(self) -> None:
        """Refuse a design that cannot train as written, naming the field to change."""
        if self.loss not in LOSSES:
            raise ValueError(f"loss={self.loss!r}: a design's loss is 'gan' or 'wgan-gp'")
        if self.loss == "gan" and (self.n_critic != 1 or self.gp_weight != 0.0):
            raise ValueError("n_critic and gp_weight belong to loss='wgan-gp'; a 'gan' design updates D once a step "
                             "and has no gradient penalty")
        if self.loss == "wgan-gp" and not (self.n_critic >= 1 and self.gp_weight > 0):
            raise ValueError(f"a 'wgan-gp' design needs n_critic >= 1 and gp_weight > 0, not {self.n_critic} and "
                             f"{self.gp_weight}")
        if self.ema_decay is not None and not 0.0 < self.ema_decay < 1.0:
            raise ValueError(f"ema_decay={self.ema_decay}: a decay between 0 and 1 (e.g. 0.999), or None")
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size={self.batch_size!r}: a whole number of at least 1")

    @property
    def z_dim(self) -> int:
        """The latent size of the generator."""
        return self.generator.z_dim

    def build(self) -> Players:
        """Fresh networks and optimizers of this design."""
        return Players(self.generator.build(), self.discriminator.build(), self.adam.build(), self.adam.build())

    def replace(self, **changes) -> Design:
        """A copy of this design with some fields changed, e.g. ``DENSE.replace(real_label=1.0)``."""
        return replace(self, **changes)

    def for_images(self, image_shape: tuple[int, int, int]) -> Design:
        """This design for images of another shape, e.g. (32, 32, 3): both networks' ``image_shape`` changed
        (notebook 07)."""
        shape = check_image_shape(image_shape)
        if not all(hasattr(spec, "image_shape") for spec in (self.generator, self.discriminator)):
            raise ValueError("only the DCGAN specs (ConvG, ConvD) take other image shapes")
        return replace(self, generator=replace(self.generator, image_shape=shape),
                       discriminator=replace(self.discriminator, image_shape=shape))


CLASSIC_DENSE = Design(DenseG(hidden=(128,), slope=0.01), DenseD(hidden=(128,), slope=0.01),
                       Adam(1e-3, beta_1=0.9), batch_size=128)
"""The classic dense GAN of many first tutorials: one hidden layer of 128 units each, Adam's defaults (notebook 02)."""

DENSE = Design(DenseG(hidden=(256, 512, 1024), slope=0.2), DenseD(hidden=(512, 256), slope=0.2, dropout=0.3),
               Adam(4e-4, beta_1=0.5), batch_size=128, real_label=0.9, ema_decay=0.999)
"""Notebook 02's dense GAN: wider and deeper, LeakyReLU 0.2, dropout in D, Adam(4e-4, 0.5), label smoothing,
samples from a weight average of G."""

TUTORIAL_DCGAN = Design(TutorialG(), TutorialD(), Adam(1e-4, beta_1=0.9), batch_size=256)
"""The TensorFlow DCGAN tutorial's design and settings: 5x5 kernels, Adam(1e-4), batch 256 (notebook 03)."""

DCGAN = Design(ConvG(width=32, kernel=4, hidden=128), ConvD(width=32, kernel=4, hidden=128),
               Adam(4e-4, beta_1=0.5), batch_size=64, jit_compile=True, ema_decay=0.9995)
"""Notebook 03's DCGAN: 4x4 kernels with stride 2, 32 and 64 channels, a Dense layer of 128 units in each network,
Adam(4e-4, beta_1 0.5), batch 64, an XLA-compiled step and a moving average of G's weights with decay 0.9995
(appendix A2: it scored better than notebook 02's 0.999 on every seed but one)."""

CGAN = DCGAN.replace(generator=CondConvG(), discriminator=CondConvD(), ema_decay=0.999)
"""Notebook 04's conditional GAN: notebook 03's DCGAN and settings, with label embeddings in G and D and a projection
term in D, and the weight average's decay at 0.999 (0.9995 scored worse here: benchmarks/cgan_designs.py)."""

WGAN_GP = DCGAN.replace(discriminator=replace(DCGAN.discriminator, batch_norm=False), adam=Adam(1e-4, 0.0, 0.9),
                        loss="wgan-gp", n_critic=5, gp_weight=10.0)
"""Notebook 05's WGAN-GP: notebook 03's networks, the critic without batch norm (the penalty is per sample), and
the paper's settings: Adam(1e-4, beta_1 0, beta_2 0.9), 5 critic steps per generator step, penalty weight 10."""

FASHION = DCGAN
"""Notebook 07's design for Fashion-MNIST: notebook 03's, unchanged (07's runs stop before step 8,990, where the
weight average's warm-up (1 + t)/(10 + t) reaches 0.999, so decays of 0.999 and 0.9995 give the same average there);
of the changes compared in benchmarks/fashion.py (wider, no Dense layer, a lower learning rate) none scored better
in the same time."""

OWN_IMAGES = DCGAN
"""Notebook 07's design for a folder of images: notebook 03's, unchanged but for the image shape, set with
``OWN_IMAGES.for_images((32, 32, 3))``; in benchmarks/patches.py, 64 and 128 channels without the Dense hidden
layers scored no better in the same time."""
