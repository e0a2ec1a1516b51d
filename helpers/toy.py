"""Toy densities, the GAN formulas in closed form, and small GANs on 1-D and 2-D data (notebooks 01 and 05)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from helpers.train import latent_size

__all__ = ["Mixture1D", "gaussian", "DATA_1D", "mass_interval", "optimal_discriminator", "value", "non_saturating_loss",
           "jsd", "wasserstein_1d", "value_at_optimum", "histogram_jsd", "ring_modes", "sample_ring", "mode_coverage",
           "mlp", "make_gan_step", "train_toy_gan", "generate"]

LOG4 = float(np.log(4.0))
EPS = 1e-12


# ---------------------------------------------------------------- densities

@dataclass(frozen=True)
class Mixture1D:
    """A 1-D mixture of Gaussians: weights, means and standard deviations (notebook 01)."""

    means: tuple[float, ...]
    sigmas: tuple[float, ...]
    weights: tuple[float, ...]

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """Return the density at ``x``."""
        x = np.asarray(x, dtype=np.float64)[..., None]
        m, s, w = (np.asarray(v, dtype=np.float64) for v in (self.means, self.sigmas, self.weights))
        return np.sum(w * np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi)), axis=-1)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` samples as float32 of shape (n, 1)."""
        k = rng.choice(len(self.weights), size=n, p=np.asarray(self.weights) / np.sum(self.weights))
        x = rng.normal(np.asarray(self.means)[k], np.asarray(self.sigmas)[k])
        return x.astype(np.float32)[:, None]

    def shifted(self, t: float) -> Mixture1D:
        """Return the same density moved by ``t``."""
        return Mixture1D(tuple(m + t for m in self.means), self.sigmas, self.weights)


def gaussian(mean: float, sigma: float) -> Mixture1D:
    """Return a single Gaussian as a one-component mixture (notebook 01)."""
    return Mixture1D((mean,), (sigma,), (1.0,))


DATA_1D = Mixture1D(means=(-1.5, 1.5), sigmas=(0.45, 0.45), weights=(0.5, 0.5))
"""The data density of notebook 01: two bumps."""


def mass_interval(density: Mixture1D, mass: float = 0.99, lo: float = -20, hi: float = 20) -> tuple[float, float]:
    """Return the central interval holding ``mass`` of the density (by numerical integration) (notebook 01)."""
    x = np.linspace(lo, hi, 40001)
    cdf = np.cumsum(density.pdf(x))
    cdf /= cdf[-1]
    tail = (1 - mass) / 2
    return float(x[np.searchsorted(cdf, tail)]), float(x[np.searchsorted(cdf, 1 - tail)])


# ---------------------------------------------------------------- the formulas

def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) (notebook 01)."""
    p_data, p_g = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    return p_data / (p_data + p_g)


def value(d_real: np.ndarray, d_fake: np.ndarray) -> float:
    """V(D, G) estimated from samples: mean log D(x) + mean log(1 - D(G(z))) (notebook 01)."""
    return float(np.mean(np.log(np.asarray(d_real, dtype=np.float64)))
                 + np.mean(np.log1p(-np.asarray(d_fake, dtype=np.float64))))


def non_saturating_loss(d_fake: np.ndarray) -> float:
    """The generator's non-saturating loss: -mean log D(G(z)) (notebook 01)."""
    return float(-np.mean(np.log(np.asarray(d_fake, dtype=np.float64))))


def integrate(y: np.ndarray, x: np.ndarray) -> float:
    """Trapezoidal integral of y over the grid x (notebook 01)."""
    return float(np.trapezoid(y, x))


def jsd(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    """Jensen-Shannon divergence (natural log) of two densities given on the grid x (notebook 01)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    m = (p + q) / 2
    kl_pm = np.where(p > 0, p * np.log(np.maximum(p, EPS) / np.maximum(m, EPS)), 0.0)
    kl_qm = np.where(q > 0, q * np.log(np.maximum(q, EPS) / np.maximum(m, EPS)), 0.0)
    return 0.5 * integrate(kl_pm, x) + 0.5 * integrate(kl_qm, x)


def wasserstein_1d(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    """The Wasserstein-1 distance between two densities on a grid: the area between their cumulative distributions
    (notebook 05)."""
    dx = np.diff(x)
    cdf = lambda d: np.concatenate([[0.0], np.cumsum((d[1:] + d[:-1]) / 2 * dx)])  # noqa: E731
    return integrate(np.abs(cdf(np.asarray(p, float)) - cdf(np.asarray(q, float))), x)


def value_at_optimum(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    """V(D*, G) = integral of p log D* + q log(1 - D*), computed directly on the grid x (notebook 01)."""
    d = optimal_discriminator(np.maximum(p, EPS), np.maximum(q, EPS))
    return integrate(p * np.log(d) + q * np.log1p(-d), x)


def histogram_jsd(samples: np.ndarray, density: Mixture1D, lo: float = -6, hi: float = 6, bins: int = 60) -> float:
    """JSD between the histogram of 1-D samples and a density, both as probabilities over the same bins
    (notebook 01)."""
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(np.clip(np.ravel(samples), lo, hi), bins=edges)
    p = counts / max(counts.sum(), 1)
    fine = np.linspace(lo, hi, bins * 50 + 1)
    cdf = np.concatenate([[0.0], np.cumsum((density.pdf(fine[1:]) + density.pdf(fine[:-1])) / 2 * np.diff(fine))])
    q = np.diff(np.interp(edges, fine, cdf))
    q = q / q.sum()
    m = (p + q) / 2
    kl = lambda a: np.sum(np.where(a > 0, a * np.log(np.maximum(a, EPS) / np.maximum(m, EPS)), 0.0))  # noqa: E731
    return float(0.5 * kl(p) + 0.5 * kl(q))


# ---------------------------------------------------------------- the 2-D ring

def ring_modes(n: int = 8, radius: float = 2.0) -> np.ndarray:
    """Return the centres of ``n`` Gaussians equally spaced on a circle, shape (n, 2) (notebook 01)."""
    angles = 2 * np.pi * np.arange(n) / n
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def sample_ring(n: int, rng: np.random.Generator, sigma: float = 0.05, modes: np.ndarray | None = None) -> np.ndarray:
    """Draw ``n`` points from the ring mixture (equal weights), float32 of shape (n, 2) (notebook 01)."""
    modes = ring_modes() if modes is None else modes
    k = rng.integers(0, len(modes), size=n)
    return (modes[k] + sigma * rng.normal(size=(n, 2))).astype(np.float32)


def mode_coverage(samples: np.ndarray, modes: np.ndarray | None = None, sigma: float = 0.05,
                  min_share: float = 0.01) -> tuple[int, float]:
    """Return (modes holding >= min_share of samples within 3 sigma, fraction of samples within 3 sigma of a mode)
    (notebook 01)."""
    modes = ring_modes() if modes is None else modes
    samples = np.asarray(samples, dtype=np.float64)
    dist = np.linalg.norm(samples[:, None, :] - modes[None], axis=-1)
    nearest, close = dist.argmin(axis=1), dist.min(axis=1) <= 3 * sigma
    shares = np.bincount(nearest[close], minlength=len(modes)) / len(samples)
    return int(np.sum(shares >= min_share)), float(close.mean())


# ---------------------------------------------------------------- small GANs

def mlp(in_dim: int, out_dim: int, width: int = 64, depth: int = 2, name: str = "mlp"):
    """A small multilayer perceptron with LeakyReLU hidden layers and a linear output (notebook 01)."""
    import keras

    layers = [keras.Input((in_dim,))]
    for _ in range(depth):
        layers += [keras.layers.Dense(width), keras.layers.LeakyReLU(0.2)]
    layers.append(keras.layers.Dense(out_dim))
    return keras.Sequential(layers, name=name)


@dataclass(frozen=True)
class MLP:
    """A small MLP as a network spec, so a toy GAN can be a ``layers.Design`` (appendix A2)."""

    in_dim: int
    out_dim: int
    width: int = 128
    depth: int = 3

    @property
    def z_dim(self) -> int:
        """The input size: the latent size when the MLP is a generator."""
        return self.in_dim

    def build(self):
        """A fresh MLP of this spec."""
        return mlp(self.in_dim, self.out_dim, self.width, self.depth)


def make_gan_step(gen, disc, g_opt, d_opt, loss: str = "non-saturating", pack: int = 1) -> Callable:
    """Return a compiled step(real, z) that updates D and G once from one forward pass and returns their losses.

    ``loss`` is the generator's loss: "non-saturating" (-log D(G(z))) or "saturating" (log(1 - D(G(z)))).
    ``pack`` > 1 lets D judge ``pack`` samples at once (PacGAN), a remedy for mode collapse. Like the series'
    packaged steps it returns a dict of named numbers: d_loss, g_loss, d_real (mean D(x)), d_fake (mean D(G(z))).
    Notebook 01 writes this step out (section 4) and asserts that it returns the same numbers.
    """
    import tensorflow as tf

    if loss not in ("non-saturating", "saturating"):
        raise ValueError(f"loss must be 'non-saturating' or 'saturating', not {loss!r}")
    bce = tf.nn.sigmoid_cross_entropy_with_logits

    def packed(x):
        return tf.reshape(x, (-1, x.shape[-1] * pack))

    @tf.function
    def step(real, z):
        with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
            fake = gen(z, training=True)
            real_logit = disc(packed(real), training=True)
            fake_logit = disc(packed(fake), training=True)
            d_loss = tf.reduce_mean(bce(tf.ones_like(real_logit), real_logit)
                                    + bce(tf.zeros_like(fake_logit), fake_logit))
            if loss == "non-saturating":
                g_loss = tf.reduce_mean(bce(tf.ones_like(fake_logit), fake_logit))  # -log D(G(z))
            else:
                g_loss = -tf.reduce_mean(bce(tf.zeros_like(fake_logit), fake_logit))  # log(1 - D(G(z)))
        d_opt.apply_gradients(zip(d_tape.gradient(d_loss, disc.trainable_variables), disc.trainable_variables))
        g_opt.apply_gradients(zip(g_tape.gradient(g_loss, gen.trainable_variables), gen.trainable_variables))
        return {"d_loss": d_loss, "g_loss": g_loss,
                "d_real": tf.reduce_mean(tf.sigmoid(real_logit)), "d_fake": tf.reduce_mean(tf.sigmoid(fake_logit))}

    return step


def train_toy_gan(sample_real: Callable[[int, np.random.Generator], np.ndarray], gen, disc, steps: int,
                  batch: int = 256, loss: str = "non-saturating", lr: float = 1e-3, pack: int = 1,
                  every: int = 100, on_snapshot: Callable[[int], None] | None = None, seed: int = 0,
                  g_opt=None, d_opt=None, step: Callable | None = None) -> dict:
    """Train a toy GAN for ``steps`` steps; record what each step reports; call on_snapshot(step) every ``every``
    (notebook 01).

    Both players use Adam(lr, beta_1=0.5) unless an optimizer is passed for either; ``step`` replaces the
    standard GAN step (e.g. ``helpers.train.make_wgan_step``). A step returns a dict of named numbers; the
    history keeps a list of each.
    """
    import keras

    rng = np.random.default_rng(seed)
    z_dim = latent_size(gen)
    g_opt = g_opt or keras.optimizers.Adam(lr, beta_1=0.5)
    d_opt = d_opt or keras.optimizers.Adam(lr, beta_1=0.5)
    step = step or make_gan_step(gen, disc, g_opt, d_opt, loss=loss, pack=pack)
    history: dict[str, list[float]] = {}
    if on_snapshot:
        on_snapshot(0)
    for i in range(1, steps + 1):
        real = sample_real(batch, rng)
        z = rng.normal(size=(batch, z_dim)).astype(np.float32)
        for key, v in step(real, z).items():
            history.setdefault(key, []).append(float(v))
        if on_snapshot and (i % every == 0 or i == steps):
            on_snapshot(i)
    return history


def generate(gen, n: int, seed: int = 1) -> np.ndarray:
    """Draw ``n`` samples from a generator with latents from N(0, I), as a numpy array (notebook 01)."""
    z = np.random.default_rng(seed).normal(size=(n, latent_size(gen))).astype(np.float32)
    return np.asarray(gen(z, training=False))
