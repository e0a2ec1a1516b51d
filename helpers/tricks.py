"""The training tricks of appendix A2, each one switch on a baseline design, and the step that applies them.

A ``Trick`` is a small typed spec: which switches it sets. ``make_tricks_step`` is notebook 02's step (one D
update, then G) with every switch written out; with no switch set it is the same step. ``train_arm`` trains
one design with one trick for a number of steps and scores the weight average and the raw generator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from helpers.layers import DCGAN, Adam, Design
from helpers.toy import MLP

__all__ = ["Trick", "TRICKS", "trick", "MNIST_BASE", "RING_BASE", "RING_TRICKS", "make_tricks_step", "train_arm",
           "compare", "compare_pairs", "summarise", "markdown", "t_975"]

LOSSES = ("gan", "hinge")


@dataclass(frozen=True)
class Trick:
    """One change to a baseline design and its step (appendix A2); the defaults change nothing."""

    name: str = "baseline"
    real_label: float = 1.0        # 0.9: one-sided label smoothing
    flip: float = 0.0              # noisy labels: the share of D's targets swapped at random
    d_steps: int = 1               # D updates per G update
    g_lr_scale: float = 1.0        # TTUR: G's learning rate times this (D's unchanged)
    beta_1: float | None = None    # Adam's beta_1 for both players (None: the design's)
    loss: str = "gan"              # "gan" (non-saturating) or "hinge"
    r1: float = 0.0                # R1 penalty weight gamma: gamma / 2 * E ||grad_x D(x)||^2 on real images
    augment: bool = False          # the same kind of random shift and cutout on real and fake images before D
    spectral_norm: bool = False    # every Dense and Conv2D layer of D spectrally normalised
    minibatch_std: bool = False    # D sees the batch's feature spread as one more channel
    d_batch_norm: bool | None = None   # batch norm in D (None: the design's)
    d_slope: float | None = None   # D's LeakyReLU slope (0: ReLU; None: the design's)
    d_dropout: float | None = None     # dropout in D (None: the design's)
    batch_size: int | None = None  # None: the design's
    raw: bool = False              # score the generator itself, not its weight average (the same runs)

    def __post_init__(self) -> None:
        """Refuse a trick that cannot train as written, naming the field to change."""
        if self.loss not in LOSSES:
            raise ValueError(f"loss={self.loss!r}: 'gan' or 'hinge'")
        if not 0.0 <= self.flip < 0.5 or not 0.5 < self.real_label <= 1.0:
            raise ValueError("flip is a share in [0, 0.5) and real_label a target in (0.5, 1]")
        if self.d_steps < 1 or self.r1 < 0 or self.g_lr_scale <= 0:
            raise ValueError("d_steps >= 1, r1 >= 0 and g_lr_scale > 0")

    def design(self, base: Design) -> Design:
        """The baseline design with this trick's changes to its networks, optimizer and batch size."""
        d_changes = {k: v for k, v in (("batch_norm", self.d_batch_norm), ("slope", self.d_slope),
                                       ("dropout", self.d_dropout)) if v is not None}
        adam = base.adam if self.beta_1 is None else replace(base.adam, beta_1=self.beta_1)
        return base.replace(discriminator=replace(base.discriminator, **d_changes), adam=adam,
                            batch_size=self.batch_size or base.batch_size, real_label=self.real_label)


TRICKS = (
    Trick(),
    Trick("label smoothing 0.9", real_label=0.9),
    Trick("noisy labels 5%", flip=0.05),
    Trick("no batch norm in D", d_batch_norm=False),
    Trick("ReLU, not LeakyReLU, in D", d_slope=0.0),
    Trick("dropout 0.3 in D", d_dropout=0.3),
    Trick("Adam beta_1 0.9, not 0.5", beta_1=0.9),
    Trick("TTUR: G's rate / 4", g_lr_scale=0.25),
    Trick("2 D steps per G step", d_steps=2),
    Trick("no weight average", raw=True),
    Trick("spectral norm in D", spectral_norm=True),
    Trick("R1 penalty 0.1", r1=0.1),
    Trick("hinge loss", loss="hinge"),
    Trick("minibatch std in D", minibatch_std=True),
    Trick("differentiable augmentation", augment=True),
    Trick("batch 32", batch_size=32),
    Trick("batch 128", batch_size=128),
)
"""The tricks appendix A2 measures, each alone on notebook 03's DCGAN (the first is the baseline itself)."""


def trick(name: str) -> Trick:
    """The trick of ``TRICKS`` with this name (appendix A2)."""
    for t in TRICKS:
        if t.name == name:
            return t
    raise KeyError(f"no trick {name!r}; the tricks are: {', '.join(t.name for t in TRICKS)}")


MNIST_BASE = DCGAN.replace(ema_decay=0.999)
"""The baseline on digits: notebook 03's DCGAN with notebook 02's decay 0.999 for the weight average (appendix A2
measures notebook 03's 0.9995 against it)."""

RING_BASE = Design(MLP(16, 2), MLP(2, 1), Adam(1e-3, beta_1=0.9), batch_size=256, ema_decay=0.999)
"""The baseline on the ring of 8 Gaussians: notebook 01's standard GAN (Adam 1e-3 with its default beta_1 0.9,
batch 256) with a weight average kept beside it."""

RING_TRICKS = tuple(trick(name) for name in (
    "baseline", "label smoothing 0.9", "noisy labels 5%", "TTUR: G's rate / 4", "2 D steps per G step",
    "no weight average", "spectral norm in D", "R1 penalty 0.1", "hinge loss", "minibatch std in D")) + (
    Trick("Adam beta_1 0.5, not 0.9", beta_1=0.5), Trick("batch 64", batch_size=64),
    Trick("batch 1024", batch_size=1024))
"""The tricks that apply to points on a plane (no images: no augmentation, no batch norm), on the ring (appendix A2)."""


# ---------------------------------------------------------------- networks

def minibatch_std_layer():
    """A layer that appends the batch's mean feature standard deviation as one more channel (appendix A2)."""
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="gan_notebooks")
    class MinibatchStd(keras.layers.Layer):
        """Appends mean over features of the standard deviation over the batch, as a constant channel."""

        def call(self, x):
            spread = ops.mean(ops.sqrt(ops.var(x, axis=0) + 1e-8))   # + 1e-8: a finite gradient at 0 spread
            extra = ops.ones_like(x[..., :1]) * spread
            return ops.concatenate([x, extra], axis=-1)

        def compute_output_shape(self, shape):
            return (*shape[:-1], shape[-1] + 1)

    return MinibatchStd()


def discriminator_with(d, spectral_norm: bool = False, minibatch_std: bool = False):
    """A fresh copy of a Sequential discriminator with its Dense/Conv2D layers spectrally normalised and/or a
    minibatch-std channel before its Flatten (or before its last layer) (appendix A2)."""
    import keras
    from keras import layers

    flatten_at = next((i for i, layer in enumerate(d.layers) if isinstance(layer, layers.Flatten)), len(d.layers) - 1)
    model = [keras.Input(d.input_shape[1:])]
    for i, layer in enumerate(d.layers):
        if minibatch_std and i == flatten_at:
            model.append(minibatch_std_layer())
        fresh = type(layer).from_config(layer.get_config())
        if spectral_norm and isinstance(fresh, (layers.Dense, layers.Conv2D)):
            fresh = layers.SpectralNormalization(fresh)
        model.append(fresh)
    return keras.Sequential(model, name=d.name)


# ---------------------------------------------------------------- the step

def augment(x, seed):
    """Shift each image by up to 1/8 of its side and blank a square of just under half its side, at random (appendix A2).

    Pixels shifted in and blanked take the background value -1; both operations pass gradients to ``x``.
    """
    import tensorflow as tf

    n, side = tf.shape(x)[0], x.shape[1]
    reach = side // 8
    shift = tf.random.stateless_uniform((2, n), seed=seed, minval=-reach, maxval=reach + 1, dtype=tf.int32)
    grid = tf.range(side)
    rows = tf.one_hot(grid[None, :] - shift[0][:, None], side)          # (n, side, side): row i takes i - shift
    cols = tf.one_hot(grid[None, :] - shift[1][:, None], side)
    lifted = tf.transpose(x + 1.0, (0, 3, 1, 2))                         # background 0, (n, c, h, w)
    moved = tf.einsum("nij,ncjk,nlk->ncil", rows, lifted, cols)
    centre = tf.random.stateless_uniform((2, n), seed=seed + 1, minval=0, maxval=side, dtype=tf.int32)
    inside = lambda c: tf.abs(grid[None, :] - c[:, None]) < side // 4    # noqa: E731
    hole = tf.cast(inside(centre[0])[:, :, None] & inside(centre[1])[:, None, :], x.dtype)
    return tf.transpose(moved * (1.0 - hole[:, None]), (0, 2, 3, 1)) - 1.0


def make_tricks_step(generator, discriminator, g_opt, d_opt, t: Trick = Trick(), *, ema=None,
                     ema_decay: float = 0.999, jit_compile: bool = False):
    """A GanStep(real, z) with the trick ``t``: a D update every call, a G update every ``t.d_steps`` calls (appendix A2).

    With no switch set, it is notebook 02's step. Random choices (flipped labels, augmentations) are seeded by
    the update count, so a run repeats exactly.
    """
    import tensorflow as tf

    from helpers import train

    train._build_optimizers(((g_opt, generator), (d_opt, discriminator)))
    g_loss_var = tf.Variable(0.0, trainable=False)
    bce = tf.nn.sigmoid_cross_entropy_with_logits

    def look(x, seed):
        return augment(x, seed) if t.augment else x

    def d_loss_of(real_logit, fake_logit, seed):
        if t.loss == "hinge":
            return tf.reduce_mean(tf.nn.relu(1.0 - real_logit)) + tf.reduce_mean(tf.nn.relu(1.0 + fake_logit))
        real_target = tf.fill(tf.shape(real_logit), t.real_label)
        fake_target = tf.zeros_like(fake_logit)
        if t.flip:
            swap = tf.random.stateless_uniform(tf.shape(real_logit), seed=seed + 2) < t.flip
            real_target = tf.where(swap, 0.0, real_target)
            swap = tf.random.stateless_uniform(tf.shape(fake_logit), seed=seed + 3) < t.flip
            fake_target = tf.where(swap, 1.0, fake_target)
        return tf.reduce_mean(bce(real_target, real_logit)) + tf.reduce_mean(bce(fake_target, fake_logit))

    def d_update(real, z, seed):
        with tf.GradientTape() as d_tape:
            fake = generator(z, training=True)
            real_in = look(real, seed)
            if t.r1:
                with tf.GradientTape() as r1_tape:
                    r1_tape.watch(real_in)
                    real_logit = discriminator(real_in, training=True)
                    total = tf.reduce_sum(real_logit)
                grad = r1_tape.gradient(total, real_in)
                penalty = tf.reduce_mean(tf.reduce_sum(tf.square(grad), axis=list(range(1, len(real.shape)))))
            else:
                real_logit, penalty = discriminator(real_in, training=True), 0.0
            fake_logit = discriminator(look(fake, seed + 10), training=True)
            d_loss = d_loss_of(real_logit, fake_logit, seed) + t.r1 / 2 * penalty
        d_opt.apply_gradients(zip(d_tape.gradient(d_loss, discriminator.trainable_variables),
                                  discriminator.trainable_variables))
        return {"d_loss": d_loss, "d_real": tf.reduce_mean(tf.sigmoid(real_logit)),
                "d_fake": tf.reduce_mean(tf.sigmoid(fake_logit))}

    def g_update(z, seed):
        with tf.GradientTape() as g_tape:
            logit = discriminator(look(generator(z, training=True), seed + 20), training=True)
            g_loss = -tf.reduce_mean(logit) if t.loss == "hinge" else train.generator_loss(logit)
        g_opt.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables),
                                  generator.trainable_variables))
        if ema is not None:
            train.update_average(ema, generator, g_opt.iterations, ema_decay)
        g_loss_var.assign(g_loss)

    def seed_now():
        return tf.stack([tf.constant(7, tf.int64), tf.cast(d_opt.iterations, tf.int64)]) * 4

    def d_only(real, z):
        out = d_update(tf.convert_to_tensor(real), z, seed_now())
        return {**out, "g_loss": g_loss_var.read_value()}

    def d_then_g(real, z):
        seed = seed_now()
        out = d_update(tf.convert_to_tensor(real), z, seed)
        g_update(z, seed)
        return {**out, "g_loss": g_loss_var.read_value()}

    both, alone = tf.function(d_then_g, jit_compile=jit_compile), tf.function(d_only, jit_compile=jit_compile)

    def step(real, z):
        """D every call; G too on every ``t.d_steps``-th call (two compiled functions: no branch inside)."""
        return both(real, z) if (int(d_opt.iterations) + 1) % t.d_steps == 0 else alone(real, z)

    settings = train._step_settings("gan+trick", generator, discriminator, g_opt, d_opt, trick=repr(t),
                                    ema_decay=ema_decay if ema is not None else None)
    return train.GanStep(step, generator, discriminator, g_opt, d_opt,
                         settings, ema, state={"last_g_loss": g_loss_var})


# ---------------------------------------------------------------- one run

def build_arm(base: Design, t: Trick):
    """The players, weight average and step of ``base`` with the trick ``t`` (appendix A2)."""
    from helpers import train

    design = t.design(base)
    g, d, g_opt, d_opt = design.build()
    if t.spectral_norm or t.minibatch_std:
        d = discriminator_with(d, t.spectral_norm, t.minibatch_std)
    g_opt.learning_rate = base.adam.lr * t.g_lr_scale
    ema = train.ema_copy(g)
    step = make_tricks_step(g, d, g_opt, d_opt, t, ema=ema, ema_decay=design.ema_decay or 0.999,
                            jit_compile=design.jit_compile)
    return design, step


def train_arm(base: Design, t: Trick, sample_real: Callable[[int, np.random.Generator], np.ndarray], steps: int,
              seed: int = 0, score: Callable | None = None, marks: tuple[int, ...] = (),
              decays: tuple[float, ...] = ()) -> dict:
    """Train ``base`` with trick ``t`` for ``steps`` D updates from ``seed`` on batches ``sample_real(n, rng)``; return
    ``score(G)`` of the weight average and of the raw generator at each mark and at the end, and the time (appendix A2).
    Each of ``decays`` keeps one more weight average of the same run, scored as ``"average <decay>"``."""
    import keras
    import tensorflow as tf

    from helpers import train

    keras.utils.set_random_seed(seed)
    design, step = build_arm(base, t)
    more = {f"average {d}": (d, train.ema_copy(step.generator)) for d in decays}
    update_more = tf.function(lambda: [train.update_average(a, step.generator, step.g_opt.iterations, d)
                                       for d, a in more.values()])
    rng, noise = np.random.default_rng(seed), tf.random.Generator.from_seed(seed)
    batch, z_dim, spent, scores = design.batch_size, design.z_dim, 0.0, {}
    for s in range(1, steps + 1):
        real = sample_real(batch, rng)
        t0 = time.perf_counter()
        losses = step(real, noise.normal((batch, z_dim)))
        if s <= t.d_steps:
            float(losses["d_loss"])   # the first calls compile: not counted
        else:
            spent += time.perf_counter() - t0
        if more and s % t.d_steps == 0:
            update_more()
        if score is not None and (s in marks or s == steps):
            scores[s] = {"average": score(step.ema), "raw": score(step.generator),
                         **{name: score(a) for name, (_, a) in more.items()}}
    return {"steps": steps, "seconds": spent, "seconds_per_step": spent / max(steps - t.d_steps, 1), "scores": scores,
            "final_d_loss": float(losses["d_loss"])}


# ---------------------------------------------------------------- comparing runs

T_975 = (12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.20, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11,
         2.10, 2.09, 2.09)
"""The 97.5% quantile of Student's t for 1, 2, ... 20 degrees of freedom (1.96 beyond)."""


def t_975(df: float) -> float:
    """Student's t quantile for a two-sided 95% interval with ``df`` degrees of freedom, rounded down (appendix A2)."""
    k = max(1, int(df))
    return T_975[k - 1] if k <= len(T_975) else 1.96


def metric_of(run: dict, kind: str, raw: bool = False) -> float:
    """The metric fixed in advance: FCD of the weight average (MNIST) or modes it covers (ring); the raw G's if
    ``raw``; NaN for a run whose samples could not be scored (its training broke down) (appendix A2)."""
    scores = run["raw" if raw else "average"]
    value = scores.get("fcd" if kind == "mnist" else "modes")
    return float("nan") if value is None else float(value)


def compare(values: list[float], baseline: list[float]) -> dict:
    """Mean, standard deviation and 95% interval of ``values``, and the difference of means from ``baseline`` with
    its 95% (Welch) interval (appendix A2)."""
    a, b = np.asarray(values, float), np.asarray(baseline, float)
    sd_a, sd_b = (a.std(ddof=1) if len(a) > 1 else np.nan), (b.std(ddof=1) if len(b) > 1 else np.nan)
    va, vb = sd_a ** 2 / len(a), sd_b ** 2 / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if va + vb > 0 else 1e9
    half = t_975(df) * np.sqrt(va + vb)
    diff = a.mean() - b.mean()
    return {"n": len(a), "mean": a.mean(), "sd": sd_a, "low": a.mean() - t_975(len(a) - 1) * sd_a / np.sqrt(len(a)),
            "high": a.mean() + t_975(len(a) - 1) * sd_a / np.sqrt(len(a)), "diff": diff,
            "diff_low": diff - half, "diff_high": diff + half}


def compare_pairs(values: list[float], baseline: list[float]) -> dict:
    """The mean of ``values`` minus ``baseline``, pair by pair (two scores of the same run), with its 95% interval."""
    d = np.asarray(values, float) - np.asarray(baseline, float)
    half = t_975(len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
    return {"n": len(d), "diff": d.mean(), "diff_low": d.mean() - half, "diff_high": d.mean() + half}


def summarise(runs: list[dict], kind: str) -> list[dict]:
    """One row per trick: its name, values over seeds, ``compare`` against the baseline, steps, and a verdict
    ("helps", "hurts" or "no clear difference": whether the difference's interval excludes 0) (appendix A2)."""
    better = -1 if kind == "mnist" else 1      # lower FCD, more modes
    by_trick: dict[str, list[dict]] = {}
    for run in runs:
        by_trick.setdefault(run["trick"], []).append(run)
    base = [metric_of(r, kind) for r in by_trick.get("baseline", [])]
    rows = []
    names = [t.name for t in (TRICKS if kind == "mnist" else RING_TRICKS)]
    for name in names:
        raw = name == "no weight average"
        group = by_trick.get("baseline" if raw else name, [])
        if not group or not base:
            continue
        values = [metric_of(r, kind, raw) for r in group]
        scored = [v for v in values if np.isfinite(v)]
        row = {"trick": name, "values": values, "steps": group[0]["steps"], "broke": len(values) - len(scored),
               **compare(scored or [np.nan], base)}
        if name == "baseline":
            row["verdict"] = ""
        elif row["broke"]:
            row["verdict"] = "hurts"          # a run that breaks down is worse than any score
        elif min(row["diff_low"] * better, row["diff_high"] * better) > 0:
            row["verdict"] = "helps"
        elif max(row["diff_low"] * better, row["diff_high"] * better) < 0:
            row["verdict"] = "hurts"
        else:
            row["verdict"] = "no clear difference"
        rows.append(row)
    return rows


def markdown(rows: list[dict], kind: str) -> str:
    """The rows of ``summarise`` as a Markdown table (appendix A2)."""
    unit = "FCD (lower is better)" if kind == "mnist" else "modes covered of 8"
    lines = [f"| trick | steps | {unit}: each seed | mean ± sd | change from baseline (95% interval) | verdict |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        each = ", ".join("broke down" if not np.isfinite(v) else f"{v:.2f}" if kind == "mnist" else f"{v:.0f}"
                         for v in r["values"])
        lines.append(f"| {r['trick']} | {r['steps']:,} | {each} | {r['mean']:.2f} ± {r['sd']:.2f} | "
                     f"{r['diff']:+.2f} ({r['diff_low']:+.2f} to {r['diff_high']:+.2f}) | {r['verdict']} |")
    return "\n".join(lines)
