"""The GAN playground: a 2-D GAN trained live in the notebook, after GAN Lab (Kahng et al., 2018).

    from helpers.playground import Playground
    playground = Playground(data="ring", loss="non-saturating", seed=0)
    history = playground.run(300)   # train 300 steps without a display; a dict of per-step lists
    fig = playground.figure()       # the current state as a static figure (readable without a kernel)
    playground.widget               # the live view and its controls (the last line of a cell shows it)

What is drawn: real points (green) and generated points (purple) over the discriminator's surface, shaded:
D(x), the probability that x is real, for the two GAN losses, or the critic's score C(x) for WGAN-GP. On each
generated point an arrow points along -dl/dx, where l is that point's term of the generator's loss: the way the
generator's next update pushes the point. Beside it: both losses over the steps, and the number of the data's
modes that the generated points cover (``helpers.toy.mode_coverage``; for the ring and the grid).

Play runs the training as an asyncio task on the kernel's event loop, one frame at a time (about
``updates_per_frame`` updates of D, then one redraw), and yields between frames, so that the kernel handles
button clicks and slider changes while it trains. Each frame redraws only what moves (matplotlib's blitting)
and sends a JPEG.

Its training loop is compiled here rather than taken from ``helpers.toy``: to keep a live frame rate it runs up
to 200 steps in one call of one graph, drawing batches and latents inside the graph from a seeded
``tf.random.Generator``, with ``d_steps`` updates of D before each update of G. Its losses are the series' own
(``train.discriminator_loss``, ``train.gradient_penalty``) and it reports them per step, as every step does.
Used in notebooks 01 and 05.
"""

from __future__ import annotations

import asyncio
import io
import math
import time
import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from helpers.toy import mlp, mode_coverage, ring_modes, sample_ring

__all__ = ["MAX_FPS", "Playground", "PlaygroundModel"]

DATA_SOURCES = ("ring", "grid", "moons")
"""The named data sets: 8 Gaussians on a circle, 25 Gaussians on a 5x5 grid, two interleaved half-moons."""

LOSSES = ("minimax", "non-saturating", "wgan-gp")
"""The losses: the minimax game (G minimises log(1 - D(G(z))), the saturating loss), the non-saturating
loss (G minimises -log D(G(z))), and WGAN-GP (a critic C with a gradient penalty; G minimises -C(G(z)))."""

WIDTHS = (4, 8, 16, 32, 64, 128, 256)
"""Hidden-layer widths offered by the widget (each network has two hidden layers)."""

Z_DIM = 2
"""The generator's latent size: it maps points of a 2-D Gaussian to points of the plane."""

MODE_SIGMA = 0.05
"""Standard deviation of each Gaussian of the ring and the grid (as in ``helpers.toy``)."""

POOL_SIZE = 10_000
"""Points drawn once from a named data set; training batches are drawn from them."""

GP_WEIGHT = 10.0
"""Weight of WGAN-GP's gradient penalty."""

D_STEPS = {"minimax": 1, "non-saturating": 1, "wgan-gp": 5}
"""D's updates per G update unless ``d_steps`` is given: WGAN-GP's critic must be trained closer to its optimum."""

SHOW = 256
"""Real and generated points drawn (the generated ones from fixed latents, so that they move smoothly)."""

SURFACE_RESOLUTION = 48
"""The discriminator's surface is evaluated on a SURFACE_RESOLUTION x SURFACE_RESOLUTION grid."""

ARROW_MAX = 0.09
"""The longest arrow, as a fraction of the plot's width."""

ARROW_GRADIENT = 0.25
"""Gradient length (in the model's coordinates) at which an arrow reaches 76% of ARROW_MAX (tanh(1)):
arrows grow with the gradient and level off, so that a vanishing gradient shows as a short arrow."""

MAX_FPS = 20.0
"""The play loop waits if it would draw more frames per second than this (leaving CPU for the browser)."""

REAL_COLOR, FAKE_COLOR, ARROW_COLOR = "#1b7837", "#762a83", "#40004b"
SURFACE_CMAP = "PiYG"   # purple where D says "generated", green where it says "real"


# ---------------------------------------------------------------- data

def grid_modes(n: int = 5, spacing: float = 1.0) -> np.ndarray:
    """Return the centres of an n x n grid of Gaussians, centred on the origin, shape (n * n, 2) (notebook 01)."""
    axis = spacing * (np.arange(n) - (n - 1) / 2)
    return np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)


def sample_moons(n: int, rng: np.random.Generator, noise: float = 0.1) -> np.ndarray:
    """Draw ``n`` points from two interleaved half-moons (centred, radius 1.3), float32 of shape (n, 2)
    (notebook 01)."""
    t = rng.uniform(0, np.pi, size=n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    points = np.stack([x - 0.5, y - 0.25], axis=1) + noise * rng.normal(size=(n, 2))
    return (1.3 * points).astype(np.float32)


@dataclass(frozen=True)
class Data:
    """A data set for the playground: its points in the model's coordinates, how to map them back, its modes
    (notebook 01)."""

    name: str                  # "ring", "grid", "moons" or "array"
    points: np.ndarray         # (N, 2) float32, in the model's coordinates
    center: np.ndarray         # a point x of the data is (x - center) / scale in the model's coordinates
    scale: float
    modes: np.ndarray | None   # centres of the data's Gaussians (model's coordinates), or None
    label: str                 # how the widget names it

    @cached_property
    def shown(self) -> np.ndarray:
        """SHOW points of the data drawn at random (the same ones every frame), in the model's coordinates."""
        rng = np.random.default_rng(len(self.points))
        return self.points[rng.choice(len(self.points), SHOW, replace=len(self.points) < SHOW)]

    @cached_property
    def reach(self) -> float:
        """Half the side of the square drawn around the data (in the model's coordinates)."""
        return max(1.0, 1.25 * float(np.percentile(np.abs(self.points), 99.5)))

    def to_model(self, x: np.ndarray) -> np.ndarray:
        """Data coordinates -> the model's coordinates."""
        return ((np.asarray(x, dtype=np.float64) - self.center) / self.scale).astype(np.float32)

    def to_data(self, x: np.ndarray) -> np.ndarray:
        """The model's coordinates -> data coordinates."""
        return np.asarray(x, dtype=np.float64) * self.scale + self.center


def check_array(points) -> np.ndarray:
    """Return ``points`` as a float64 array of shape (N, 2), or raise a ValueError that says what is expected
    (notebook 01)."""
    try:
        x = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"data must be one of {', '.join(map(repr, DATA_SOURCES))} or an array of points of "
                         f"shape (N, 2); got a {type(points).__name__} that is not an array of numbers") from None
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"data given as an array must have shape (N, 2), one 2-D point per row; got shape "
                         f"{x.shape}" + (" (pass the points as rows: data.T)" if x.ndim == 2 and x.shape[0] == 2
                                         else ""))
    if len(x) < 2:
        raise ValueError(f"data given as an array needs at least 2 points; got {len(x)}")
    if not np.all(np.isfinite(x)):
        raise ValueError("data given as an array contains NaN or infinite values; remove those rows")
    return x


def make_data(data, seed: int = 0) -> Data:
    """Build a ``Data`` from a name in DATA_SOURCES or from an (N, 2) array of points (notebook 01)."""
    rng = np.random.default_rng([seed, 7])
    if isinstance(data, str):
        if data == "ring":
            modes = ring_modes()
            return Data("ring", sample_ring(POOL_SIZE, rng, MODE_SIGMA, modes), np.zeros(2), 1.0, modes,
                        "ring (8 Gaussians)")
        if data == "grid":
            modes = grid_modes()
            return Data("grid", sample_ring(POOL_SIZE, rng, MODE_SIGMA, modes), np.zeros(2), 1.0, modes,
                        "grid (25 Gaussians)")
        if data == "moons":
            return Data("moons", sample_moons(POOL_SIZE, rng), np.zeros(2), 1.0, None, "moons")
        raise ValueError(f"unknown data {data!r}: choose one of {', '.join(map(repr, DATA_SOURCES))}, "
                         "or pass an array of points of shape (N, 2)")
    x = check_array(data)
    lo, hi = np.percentile(x, [0.5, 99.5], axis=0)
    center = (lo + hi) / 2
    radius = float(np.percentile(np.linalg.norm(x - center, axis=1), 99))
    scale = radius / 2 if radius > 0 else 1.0   # the model sees the data within a radius of about 2
    return Data("array", ((x - center) / scale).astype(np.float32), center, scale, None,
                f"your array ({len(x)} points)")


# ---------------------------------------------------------------- the losses, per generated point

def generator_losses(output, loss: str):
    """Each generated point's term of the generator's loss, from D's logits (or the critic's scores) on them
    (notebook 01).

    minimax: log(1 - D(x)) = -softplus(logit); non-saturating: -log D(x) = softplus(-logit); wgan-gp: -C(x).
    The generator's loss is their mean.
    """
    import tensorflow as tf

    output = output[:, 0]
    if loss == "minimax":
        return -tf.nn.softplus(output)
    if loss == "non-saturating":
        return tf.nn.softplus(-output)
    return -output


def arrow_lengths(push: np.ndarray, width: float) -> np.ndarray:
    """Scale gradient vectors (N, 2) for drawing: the same directions, lengths ARROW_MAX * width * tanh(|g| /
    ARROW_GRADIENT) (notebook 01)."""
    norm = np.linalg.norm(push, axis=1, keepdims=True)
    length = ARROW_MAX * width * np.tanh(norm / ARROW_GRADIENT)
    return np.where(norm > 0, push / np.maximum(norm, 1e-30) * length, 0.0)


# ---------------------------------------------------------------- checks

def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
    return int(value)


def _positive_float(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not (
            math.isfinite(value) and value > 0):
        raise ValueError(f"{name} is a learning rate: a positive number such as 1e-3; got {value!r}")
    return float(value)


def _check_loss(loss) -> str:
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}: choose one of {', '.join(map(repr, LOSSES))} "
                         "('minimax' is the saturating generator loss log(1 - D(G(z))))")
    return loss


def _nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is >= x."""
    p = 10 ** math.floor(math.log10(max(x, 1)))
    return next(m * p for m in (1, 2, 5, 10) if m * p >= x)


def _block_means(values, n_max: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) averaged over consecutive blocks so that at most ``n_max`` points are drawn."""
    v = np.asarray(values, dtype=np.float64)
    k = max(1, math.ceil(len(v) / n_max))
    n = len(v) // k * k
    if n == 0:
        return np.arange(1, len(v) + 1, dtype=np.float64), v
    steps = np.arange(1, n + 1, dtype=np.float64).reshape(-1, k).mean(axis=1)
    return steps, v[:n].reshape(-1, k).mean(axis=1)


# ---------------------------------------------------------------- drawing

class _Drawing:
    """The playground's figure: the plane (surface, points, arrows) on the left, losses and modes on the right.

    With ``animated``, the moving artists are left out of ``canvas.draw()`` and drawn over a saved background
    (blitting); ``update`` redraws everything only when an axis' limits must change.
    """

    def __init__(self, fig, animated: bool):
        self.fig, self.animated = fig, animated
        grid = fig.add_gridspec(2, 2, width_ratios=(1.0, 1.15), height_ratios=(1.6, 1.0), left=0.06, right=0.98,
                                bottom=0.16, top=0.9, wspace=0.22, hspace=0.42)
        self.plane = fig.add_subplot(grid[:, 0])
        self.losses = fig.add_subplot(grid[0, 1])
        self.modes = fig.add_subplot(grid[1, 1], sharex=self.losses)
        a = dict(animated=animated)
        self.surface = self.plane.imshow(np.zeros((2, 2)), origin="lower", cmap=SURFACE_CMAP, alpha=0.75,
                                         interpolation="bilinear", aspect="equal", **a)
        self.real = self.plane.scatter([], [], s=7, color=REAL_COLOR, label="real", **a)
        self.fake = self.plane.scatter([], [], s=7, color=FAKE_COLOR, label="generated", **a)
        self.arrows = self.plane.quiver(*np.zeros((4, SHOW)), angles="xy",
                                        scale_units="xy", scale=1, width=0.004, headwidth=3.5, headlength=4,
                                        color=ARROW_COLOR, alpha=0.7, **a)
        fig.legend(handles=[self.real, self.fake], loc="lower left", bbox_to_anchor=(0.06, 0.0), ncol=2,
                   fontsize=8, markerscale=1.8, frameon=False)   # outside the plane: the surface never covers it
        self.d_line, = self.losses.plot([], [], color=REAL_COLOR, lw=1.2, label="D's loss", **a)
        self.g_line, = self.losses.plot([], [], color=FAKE_COLOR, lw=1.2, label="G's loss", **a)
        self.losses.legend(loc="upper right", fontsize=7)
        self.losses.set_title("losses", fontsize=9)
        self.losses.tick_params(labelsize=7, labelbottom=False)
        self.m_line, = self.modes.plot([], [], color=FAKE_COLOR, lw=1.2, **a)
        self.modes.tick_params(labelsize=7)
        self.modes.set_xlabel("step", fontsize=8)
        self.modes_na = self.modes.text(0.5, 0.5, "", ha="center", va="center", fontsize=8,
                                        transform=self.modes.transAxes)
        self.plane.tick_params(labelsize=7)
        self.plane.grid(False)   # no lines over the surface
        self.title = fig.text(0.02, 0.965, "", fontsize=10, va="center")   # static figures only: the live
        # view shows the step, the modes and the losses in the widget's labels (text is slow to draw)
        self.background = None
        self.limits = None

    def _limits(self, state: dict) -> tuple:
        """The axes' limits for this state: they change by jumps, so that most frames keep the background."""
        step = state["step"]
        xmax = _nice_ceiling(max(step, 50) * 1.05)
        d, g = state["d_curve"][1], state["g_curve"][1]
        if len(d):
            lo, hi = float(min(d.min(), g.min())), float(max(d.max(), g.max()))
            pad = 0.1 * max(hi - lo, 0.2)
            lo, hi = lo - pad, hi + pad
            old = self.limits
            inside = old is not None and old[0] == xmax and old[1] <= lo and hi <= old[2]
            if inside and (hi - lo) > 0.4 * (old[2] - old[1]):
                lo, hi = old[1], old[2]   # keep the old limits while the curves stay inside and fill them
            else:
                pad = 0.25 * (hi - lo)    # new limits with room to spare
                lo, hi = lo - pad, hi + pad
        else:
            lo, hi = 0.0, 1.0
        return xmax, lo, hi, state["data_key"]

    def _static(self, state: dict, limits) -> None:
        """Set what changes only by jumps: limits, labels, the extent of the plane."""
        xmax, lo, hi, _ = limits
        x0, x1, y0, y1 = state["extent"]
        self.plane.set_xlim(x0, x1)
        self.plane.set_ylim(y0, y1)
        self.surface.set_extent(state["extent"])
        self.plane.set_title(state["surface_title"], fontsize=9)
        self.losses.set_xlim(0, xmax)
        self.losses.set_ylim(lo, hi)
        n_modes = state["n_modes"]
        if n_modes:
            self.modes.set_ylim(-0.3, n_modes + 0.6)
            self.modes.set_title(f"modes covered (of {n_modes})", fontsize=9)
            self.modes_na.set_text("")
        else:
            self.modes.set_ylim(0, 1)
            self.modes.set_title("modes covered", fontsize=9)
            self.modes_na.set_text("n/a: this data set has no listed modes")

    def _moving(self, state: dict) -> None:
        """Set what changes every frame."""
        self.surface.set_data(state["surface"])
        self.surface.set_clim(*state["surface_clim"])
        self.real.set_offsets(state["real"])
        self.fake.set_offsets(state["fake"])
        self.arrows.set_offsets(state["fake"])
        self.arrows.set_UVC(state["arrows"][:, 0], state["arrows"][:, 1])
        self.d_line.set_data(*state["d_curve"])
        self.g_line.set_data(*state["g_curve"])
        self.m_line.set_data(*state["m_curve"])
        self.title.set_text("" if self.animated else state["title"])

    def update(self, state: dict) -> None:
        """Draw ``state``; for an animated drawing, redraw the background only if the limits changed."""
        limits = self._limits(state)
        self._moving(state)
        if not self.animated:
            self._static(state, limits)
            return
        canvas = self.fig.canvas
        if limits != self.limits or self.background is None:
            self._static(state, limits)
            self.limits = limits
            canvas.draw()
            self.background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self.background)
        for ax, artists in ((self.plane, (self.surface, self.real, self.fake, self.arrows)),
                            (self.losses, (self.d_line, self.g_line)), (self.modes, (self.m_line,))):
            for artist in artists:
                ax.draw_artist(artist)

    def jpeg(self, quality: int = 88) -> bytes:
        """The canvas as JPEG bytes."""
        from PIL import Image

        canvas = self.fig.canvas
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="jpeg", quality=quality)
        return out.getvalue()


# ---------------------------------------------------------------- the playground

class PlaygroundModel:
    """The playground without its view: a 2-D GAN, its settings, its training and its state (notebook 01).

    Its arguments are ``Playground``'s. Nothing here draws: ``Playground`` adds the figure, the live view and
    its controls.
    """

    def __init__(self, data="ring", loss: str = "non-saturating", *, lr_d: float = 1e-3, lr_g: float = 1e-3,
                 d_steps: int | None = None, width_d: int = 64, width_g: int = 64, batch: int = 256,
                 seed: int = 0, updates_per_frame: int = 10):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")
        self.seed = int(seed)
        self._user_data = None if isinstance(data, str) else check_array(data)
        self.data = make_data(data, self.seed)
        self.loss = _check_loss(loss)
        self.lr_d, self.lr_g = _positive_float("lr_d", lr_d), _positive_float("lr_g", lr_g)
        self._d_steps_chosen = d_steps is not None   # else it follows the loss (D_STEPS)
        self.d_steps = _positive_int("d_steps", d_steps) if d_steps is not None else D_STEPS[self.loss]
        self.width_d, self.width_g = _positive_int("width_d", width_d), _positive_int("width_g", width_g)
        self.batch = _positive_int("batch", batch)
        self.updates_per_frame = _positive_int("updates_per_frame", updates_per_frame)
        self.step = 0
        self.history: dict[str, list] = {}
        self._build()
        self.reset()

    def _changed(self, reset: bool = False, draw: bool = True) -> None:
        """Called after every change of state (``reset``: back to step 0); a view redraws here."""

    # ------------------------------------------------ networks, optimizers, compiled steps

    def _build(self) -> None:
        """Create G, D, their optimizers and the fixed tensors, for the current widths, batch and data."""
        from helpers.config import import_tensorflow_quietly

        tf = import_tensorflow_quietly()
        import keras

        self.generator = mlp(Z_DIM, 2, self.width_g, name="generator")
        self.discriminator = mlp(2, 1, self.width_d, name="discriminator")
        # beta_1 = 0.5 for every loss; beta_2 = 0.9 as WGAN-GP's authors use (and fine for the GAN losses)
        self.g_opt = keras.optimizers.Adam(self.lr_g, beta_1=0.5, beta_2=0.9)
        self.d_opt = keras.optimizers.Adam(self.lr_d, beta_1=0.5, beta_2=0.9)
        self.g_opt.build(self.generator.trainable_variables)
        self.d_opt.build(self.discriminator.trainable_variables)
        self._initial_opt = [[v.numpy() for v in opt.variables] for opt in (self.g_opt, self.d_opt)]
        self._pool = tf.Variable(self.data.points, shape=tf.TensorShape([None, 2]), trainable=False)
        self._rng = tf.random.Generator.from_seed(self.seed)
        self._real_shown = self.data.shown
        self._z_show = np.random.default_rng([self.seed, 1]).normal(size=(SHOW, Z_DIM)).astype(np.float32)
        self._compiled: dict[str, tuple] = {}

    def _initial_weights(self, model, salt: int) -> list[np.ndarray]:
        """Glorot-uniform kernels and zero biases drawn from the seed (the global random state is left alone)."""
        rng = np.random.default_rng([self.seed, salt])
        out = []
        for w in model.weights:
            shape = tuple(w.shape)
            if len(shape) == 2:
                limit = math.sqrt(6.0 / sum(shape))
                out.append(rng.uniform(-limit, limit, size=shape).astype(np.float32))
            else:
                out.append(np.zeros(shape, np.float32))
        return out

    def _functions(self) -> tuple:
        """The compiled (train, view) pair for the current loss, traced once per loss and networks."""
        if self.loss not in self._compiled:
            self._compiled[self.loss] = self._compile(self.loss)
        return self._compiled[self.loss]

    def _compile(self, loss: str) -> tuple:
        import tensorflow as tf

        from helpers.train import discriminator_loss, gradient_penalty

        G, D, g_opt, d_opt = self.generator, self.discriminator, self.g_opt, self.d_opt
        pool, rng, batch = self._pool, self._rng, self.batch
        wgan = loss == "wgan-gp"

        def d_update():
            real = tf.gather(pool, rng.uniform((batch,), 0, tf.shape(pool)[0], dtype=tf.int32))
            z = rng.normal((batch, Z_DIM))
            with tf.GradientTape() as tape:
                fake = G(z, training=True)
                real_out, fake_out = D(real, training=True), D(fake, training=True)
                if wgan:   # the critic's loss: mean C(fake) - mean C(real) + the gradient penalty
                    alpha = rng.uniform((batch, 1))
                    d_loss = (tf.reduce_mean(fake_out) - tf.reduce_mean(real_out)
                              + GP_WEIGHT * gradient_penalty(D, real, fake, alpha))
                else:      # binary cross-entropy: real as 1, generated as 0
                    d_loss = discriminator_loss(real_out, fake_out)
            d_opt.apply_gradients(zip(tape.gradient(d_loss, D.trainable_variables), D.trainable_variables))
            return d_loss

        @tf.function
        def train(n_steps, d_steps):
            d_losses = tf.TensorArray(tf.float32, size=n_steps)
            g_losses = tf.TensorArray(tf.float32, size=n_steps)
            fakes = tf.TensorArray(tf.float32, size=n_steps)
            for i in tf.range(n_steps):
                d_loss = tf.constant(0.0)
                for _ in tf.range(d_steps):
                    d_loss = d_update()
                z = rng.normal((batch, Z_DIM))
                with tf.GradientTape() as tape:
                    fake = G(z, training=True)
                    g_loss = tf.reduce_mean(generator_losses(D(fake, training=True), loss))
                g_opt.apply_gradients(zip(tape.gradient(g_loss, G.trainable_variables), G.trainable_variables))
                d_losses = d_losses.write(i, d_loss)
                g_losses = g_losses.write(i, g_loss)
                fakes = fakes.write(i, fake)
            return d_losses.stack(), g_losses.stack(), fakes.stack()

        @tf.function
        def view(z, grid):
            fake = G(z, training=False)
            with tf.GradientTape() as tape:
                tape.watch(fake)
                per_point = generator_losses(D(fake, training=False), loss)
            push = -tape.gradient(per_point, fake)   # each point's own term of G's loss, downhill
            surface = D(grid, training=False)[:, 0]
            return fake, push, surface if wgan else tf.sigmoid(surface)

        return train, view

    # ------------------------------------------------ state changes

    def reset(self) -> None:
        """Start again from step 0: the initial weights, fresh optimizers, the same batches (fixed by the seed)."""
        self.generator.set_weights(self._initial_weights(self.generator, 1))
        self.discriminator.set_weights(self._initial_weights(self.discriminator, 2))
        for opt, values in zip((self.g_opt, self.d_opt), self._initial_opt):
            for v, value in zip(opt.variables, values):
                v.assign(value)
        self.g_opt.learning_rate, self.d_opt.learning_rate = self.lr_g, self.lr_d
        self._rng.reset_from_seed(self.seed)
        self.step = 0
        self.history = {"d_loss": [], "g_loss": [], "modes": [], "near_modes": []}
        self._changed(reset=True)

    def set(self, **changes) -> None:
        """Change settings by keyword, as the widget's controls do: ``data``, ``loss``, ``width_d``, ``width_g``
        and ``batch`` reset the training; ``lr_d``, ``lr_g`` and ``d_steps`` apply from the next step."""
        allowed = {"data", "loss", "lr_d", "lr_g", "d_steps", "width_d", "width_g", "batch", "updates_per_frame"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot set {', '.join(sorted(unknown))}: settable are {', '.join(sorted(allowed))}")
        rebuild = reset = False
        if "data" in changes:
            data = changes["data"]
            if isinstance(data, str) and data == "array":
                if self._user_data is None:
                    raise ValueError("no array was given to the constructor: pass data=points (shape (N, 2))")
                data = self._user_data
            elif not isinstance(data, str):
                self._user_data = check_array(data)
            new = make_data(data, self.seed)
            self.data = new
            self._pool.assign(new.points)
            self._real_shown = new.shown
            reset = True
        if "loss" in changes:
            self.loss = _check_loss(changes["loss"])
            if not self._d_steps_chosen and "d_steps" not in changes:
                self.d_steps = D_STEPS[self.loss]
            reset = True
        for name in ("width_d", "width_g", "batch"):
            if name in changes:
                value = _positive_int(name, changes[name])
                if value != getattr(self, name):
                    setattr(self, name, value)
                    rebuild = True
        if "updates_per_frame" in changes:
            self.updates_per_frame = _positive_int("updates_per_frame", changes["updates_per_frame"])
        if "d_steps" in changes:
            self.d_steps = _positive_int("d_steps", changes["d_steps"])
            self._d_steps_chosen = True
        if "lr_d" in changes:
            self.lr_d = _positive_float("lr_d", changes["lr_d"])
            self.d_opt.learning_rate = self.lr_d
        if "lr_g" in changes:
            self.lr_g = _positive_float("lr_g", changes["lr_g"])
            self.g_opt.learning_rate = self.lr_g
        if rebuild:
            self._build()
        if rebuild or reset:
            self.reset()
        else:
            self._changed(draw=False)

    # ------------------------------------------------ training

    def run(self, steps: int) -> dict:
        """Train ``steps`` steps (each: ``d_steps`` updates of D, then one of G) without drawing; return the history.

        The history holds one entry per step since the last reset: ``d_loss``, ``g_loss``, ``modes`` (modes
        covered by that step's batch of generated points, ``helpers.toy.mode_coverage``) and ``near_modes``
        (the share of those points within 3 standard deviations of a mode); both None for data without modes.
        """
        steps = int(steps) if isinstance(steps, (int, np.integer)) and not isinstance(steps, bool) else steps
        if not isinstance(steps, int) or steps < 0:
            raise ValueError(f"steps must be a whole number >= 0; got {steps!r}")
        self._train(steps)
        self._changed()
        return {k: list(v) for k, v in self.history.items()}

    def _train(self, steps: int) -> None:
        import tensorflow as tf

        train, _ = self._functions()
        done = 0
        while done < steps:
            n = min(steps - done, 200)
            d_losses, g_losses, fakes = train(tf.constant(n), tf.constant(self.d_steps))
            self._record(d_losses.numpy(), g_losses.numpy(), fakes.numpy())
            done += n

    def _record(self, d_losses, g_losses, fakes) -> None:
        self.history["d_loss"] += d_losses.astype(float).tolist()
        self.history["g_loss"] += g_losses.astype(float).tolist()
        for fake in fakes:
            covered, near = self._coverage(fake)
            self.history["modes"].append(covered)
            self.history["near_modes"].append(near)
        self.step += len(d_losses)

    def _coverage(self, fake_model: np.ndarray) -> tuple:
        if self.data.modes is None:
            return None, None
        return mode_coverage(fake_model, self.data.modes, MODE_SIGMA)

    def modes_covered(self) -> int | None:
        """Modes covered now: by the last step's generated batch (by the shown points at step 0); None without modes."""
        if self.data.modes is None:
            return None
        if self.history["modes"]:
            return self.history["modes"][-1]
        fake, _, _ = self._view()
        return self._coverage(fake)[0]

    @property
    def steps_per_frame(self) -> int:
        """Training steps per frame of the live view: about ``updates_per_frame`` updates of D."""
        return max(1, self.updates_per_frame // self.d_steps)

    @property
    def n_modes(self) -> int | None:
        """The number of modes of the data (8 for the ring, 25 for the grid), or None."""
        return None if self.data.modes is None else len(self.data.modes)

    # ------------------------------------------------ what is drawn

    def extent(self) -> tuple[float, float, float, float]:
        """The drawn part of the plane, (x0, x1, y0, y1) in the model's coordinates: a square around the data."""
        reach = self.data.reach
        return -reach, reach, -reach, reach

    def _view(self):
        _, view = self._functions()
        x0, x1, y0, y1 = self.extent()
        xs, ys = np.linspace(x0, x1, SURFACE_RESOLUTION), np.linspace(y0, y1, SURFACE_RESOLUTION)
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(np.float32)
        fake, push, surface = view(self._z_show, grid)
        return fake.numpy(), push.numpy(), surface.numpy().reshape(SURFACE_RESOLUTION, SURFACE_RESOLUTION)

    def state(self) -> dict:
        """Everything drawn, in data coordinates: ``real``, ``fake`` (SHOW points each), ``arrows`` (scaled for
        drawing; the gradient itself is ``push``: -dl/dx for each point's term l of G's loss), ``surface`` on
        the ``extent`` (D(x) in [0, 1], or the critic's score), the curves, the title."""
        fake, push, surface = self._view()
        d = self.data
        x0, x1, y0, y1 = self.extent()
        extent = tuple(float(v) for v in (*d.to_data([x0, y0]), *d.to_data([x1, y1])))
        extent = (extent[0], extent[2], extent[1], extent[3])
        real = d.to_data(self._real_shown)
        if self.loss == "wgan-gp":
            lo, hi = np.percentile(surface, [2, 98])
            spread = max(hi - lo, 1e-6)
            clim = (lo - 0.05 * spread, hi + 0.05 * spread)
            surface_title = "critic's score C(x): green = higher (judged more real)"
        else:
            clim = (0.0, 1.0)
            surface_title = "D(x), the probability of real: green = real, purple = generated"
        covered = (None if self.data.modes is None else self.history["modes"][-1] if self.history["modes"]
                   else self._coverage(fake)[0])
        modes_text = f"{covered}/{self.n_modes}" if covered is not None else "n/a"
        h = self.history
        title = f"step {self.step:,}  ·  {self.loss}  ·  {d.label}  ·  modes covered {modes_text}"
        if h["d_loss"]:
            title += f"  ·  D loss {h['d_loss'][-1]:.3f}  ·  G loss {h['g_loss'][-1]:.3f}"
        m_curve = (_block_means(h["modes"]) if self.n_modes and h["modes"]
                   else (np.zeros(0), np.zeros(0)))
        return {
            "step": self.step, "real": real, "fake": d.to_data(fake), "push": push / d.scale,
            "arrows": arrow_lengths(push, x1 - x0) * d.scale, "surface": surface, "surface_clim": clim,
            "surface_title": surface_title, "extent": extent, "title": title, "modes_text": modes_text,
            "n_modes": self.n_modes, "d_curve": _block_means(h["d_loss"]), "g_curve": _block_means(h["g_loss"]),
            "m_curve": m_curve, "data_key": (d.name, self.loss, id(self.data)),
        }

    def generator_loss_at(self, points) -> np.ndarray:
        """Each point's term of the generator's loss under the current D (points in data coordinates, (N, 2))."""
        x = self.data.to_model(check_array(points))
        return np.asarray(generator_losses(self.discriminator(x, training=False), self.loss), dtype=np.float64)


class Playground(PlaygroundModel):
    """A 2-D GAN to train, watch and steer: ``run(steps)``, ``figure()``, and the live ``widget`` (notebook 01).

    ``data``: "ring" (8 Gaussians), "grid" (5x5 Gaussians), "moons", or an array of points of shape (N, 2).
    ``loss``: "minimax" (the saturating generator loss), "non-saturating", or "wgan-gp".
    ``lr_d``, ``lr_g``: Adam's learning rates of D and G; ``d_steps``: D's updates per G update (by default 1
    for the GAN losses, 5 for WGAN-GP: ``D_STEPS``);
    ``width_d``, ``width_g``: hidden units per layer (two hidden layers each); ``batch``: points per batch;
    ``seed``: fixes the data, the initial weights and the batches; ``updates_per_frame``: D's updates between
    two frames of the live view (a frame trains max(1, updates_per_frame // d_steps) steps).
    Changing the data, the loss or a width resets the training; learning rates and ``d_steps`` apply at once.

    ``PlaygroundModel`` holds the GAN and its training; this class adds what is drawn: a static figure, the
    live view's frames, its controls and its play loop.
    """

    # the view's state until the view is first used (instances then keep their own)
    frames: int = 0
    error: str | None = None
    _controls: dict | None = None
    _widget = None
    _drawing = None
    _task = None
    _playing: bool = False
    _syncing: bool = False

    def _changed(self, reset: bool = False, draw: bool = True) -> None:
        if reset:
            self.error = None
            if self._controls is not None:
                self._controls["message"].value = ""
        self._refresh(draw=draw)

    def figure(self, size: float = 9.0):
        """The current state as a matplotlib figure: the points over D's surface with the generator's arrows,
        the losses so far and the modes covered (drawn by pyplot, so that a notebook shows it)."""
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(size, size * 0.47))
        _Drawing(fig, animated=False).update(self.state())
        return fig

    # ------------------------------------------------ the live view

    def frame(self, steps: int | None = None) -> bytes:
        """Train ``steps`` steps (by default ``steps_per_frame``) and redraw the live view; return the frame (JPEG).

        This is what the play loop does once per frame.
        """
        self._train(self.steps_per_frame if steps is None else steps)
        return self._refresh(force=True)

    def render(self) -> bytes:
        """Draw the current state into the live view's canvas and return it as JPEG bytes."""
        if self._drawing is None:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            fig = Figure(figsize=(9.0, 4.2), dpi=80)
            FigureCanvasAgg(fig)
            self._drawing = _Drawing(fig, animated=True)
        state = self.state()
        self._drawing.update(state)
        self._status(state)
        self.frames += 1
        return self._drawing.jpeg()

    def _refresh(self, draw: bool = True, force: bool = False) -> bytes | None:
        """Bring the widget (if shown) up to date with the state."""
        if self._widget is None and not force:
            return None
        if self._widget is not None:
            self._sync_controls()
        if not draw:
            return None
        frame = self.render()
        if self._widget is not None:
            self._controls["image"].value = frame
        return frame

    def _status(self, state: dict) -> None:
        if self._controls is None:
            return
        c = self._controls
        c["step_label"].value = f"step {state['step']:,}"
        c["modes_label"].value = f"modes covered {state['modes_text']}"
        h = self.history
        c["losses_label"].value = (f"D's loss {h['d_loss'][-1]:.3f} · G's loss {h['g_loss'][-1]:.3f}"
                                   if h["d_loss"] else "")

    @property
    def playing(self) -> bool:
        """True while the play loop runs."""
        return self._task is not None and not self._task.done()

    def play(self) -> None:
        """Start training and drawing frame after frame on the running event loop (a Jupyter kernel's)."""
        if self.playing:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            try:
                from IPython import get_ipython

                shell = get_ipython()
            except ImportError:
                shell = None
            if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
                raise RuntimeError("play needs a running event loop, as in a Jupyter kernel; outside one, call "
                                   "run(steps) and figure()") from None
            loop = asyncio.get_event_loop()
        for other in list(_PLAYING):
            if other is not self:
                other.pause()   # one live playground at a time: the CPU is shared
        self._playing = True
        _PLAYING.add(self)
        self._task = loop.create_task(self._loop())
        self._sync_buttons()

    def pause(self) -> None:
        """Stop after the current frame."""
        self._playing = False
        self._sync_buttons()

    async def _loop(self) -> None:
        try:
            while self._playing:
                start = time.perf_counter()
                self.frame()
                wait = 1.0 / MAX_FPS - (time.perf_counter() - start)
                await asyncio.sleep(max(wait, 0.0))   # the kernel handles clicks and slider changes here
        except Exception as error:   # shown in the widget: a background task has no cell to print into
            self.error = f"{type(error).__name__}: {error}"
            if self._controls is not None:
                self._controls["message"].value = f"stopped: {self.error}"
        finally:
            self._playing = False
            _PLAYING.discard(self)
            self._sync_buttons()

    @property
    def controls(self) -> dict:
        """The widget's parts by name: play, pause, step, reset, data, loss, lr_d, lr_g, d_steps, width_d,
        width_g (controls), image, step_label, modes_label, losses_label, message (views)."""
        if self._controls is None:
            self._make_widget()
        return self._controls

    @property
    def widget(self):
        """The live view: controls above, the frame below (the last line of a cell shows it)."""
        if self._widget is None:
            self._make_widget()
        return self._widget

    def _make_widget(self) -> None:
        import ipywidgets as w

        options = [("ring (8 Gaussians)", "ring"), ("grid (5x5 Gaussians)", "grid"), ("moons", "moons")]
        if self._user_data is not None:
            options.append((f"your array ({len(self._user_data)} points)", "array"))
        widths = sorted(set(WIDTHS) | {self.width_d, self.width_g})
        lr_min = min(1e-4, self.lr_d, self.lr_g)
        lr_max = max(1e-1, self.lr_d, self.lr_g)
        def label(name):
            text = w.Label(value="", layout=w.Layout(width="auto", margin="0 0 0 14px"))
            text.add_class(f"gan-playground-{name.replace('_', '-')}")
            return text

        def button(name, icon, tip):
            b = w.Button(description=name, icon=icon, tooltip=tip, layout=w.Layout(width="90px"))
            b.add_class(f"gan-playground-{name}")
            return b

        def lr_slider(label, value):
            return w.FloatLogSlider(value=value, base=10, min=math.log10(lr_min), max=math.log10(lr_max), step=0.1,
                                    description=label, readout_format=".1e", continuous_update=False,
                                    style={"description_width": "80px"})

        c = {
            "play": button("play", "play", "train and redraw, frame after frame"),
            "pause": button("pause", "pause", "stop after this frame"),
            "step": button("step", "step-forward", "one training step"),
            "reset": button("reset", "undo", "back to step 0"),
            "data": w.Dropdown(options=options, value=self.data.name, description="data",
                               style={"description_width": "80px"}),
            "loss": w.Dropdown(options=[("minimax (saturating)", "minimax"), ("non-saturating", "non-saturating"),
                                        ("WGAN-GP", "wgan-gp")], value=self.loss, description="loss",
                               style={"description_width": "80px"}),
            "d_steps": w.IntSlider(value=self.d_steps, min=1, max=max(10, self.d_steps), description="D steps / G step",
                                   continuous_update=False, style={"description_width": "110px"}),
            "lr_d": lr_slider("D's rate", self.lr_d),
            "lr_g": lr_slider("G's rate", self.lr_g),
            "width_d": w.Dropdown(options=widths, value=self.width_d, description="D's width",
                                  style={"description_width": "80px"}, layout=w.Layout(width="180px")),
            "width_g": w.Dropdown(options=widths, value=self.width_g, description="G's width",
                                  style={"description_width": "80px"}, layout=w.Layout(width="180px")),
            "image": w.Image(format="jpeg", layout=w.Layout(width="720px", height="336px")),
            "step_label": label("step_label"),
            "modes_label": label("modes_label"),
            "losses_label": label("losses_label"),
            "message": label("message"),
        }
        c["image"].add_class("gan-playground-image")
        c["play"].on_click(lambda _: self.play())
        c["pause"].on_click(lambda _: self.pause())
        c["step"].on_click(lambda _: self._one_step())
        c["reset"].on_click(lambda _: self.reset())
        for name in ("data", "loss", "d_steps", "lr_d", "lr_g", "width_d", "width_g"):
            c[name].observe(self._on_control, names="value")
        self._controls = c
        bar = w.HBox([c["play"], c["pause"], c["step"], c["reset"], c["step_label"], c["modes_label"],
                      c["losses_label"], c["message"]],
                     layout=w.Layout(align_items="center"))
        settings = w.HBox([w.VBox([c["data"], c["loss"], c["d_steps"]]), w.VBox([c["lr_d"], c["lr_g"]]),
                           w.VBox([c["width_d"], c["width_g"]])])
        self._widget = w.VBox([bar, c["image"], settings])
        self._widget.add_class("gan-playground")
        self._sync_buttons()
        self._refresh()

    def _one_step(self) -> None:
        self.pause()
        self.frame(steps=1)

    def _on_control(self, change) -> None:
        if self._syncing:
            return
        name = next(k for k, v in self._controls.items() if v is change["owner"])
        try:
            self.set(**{name: change["new"]})
        except Exception as error:   # a control's value the playground refuses: say so where the user looks
            self._controls["message"].value = f"not applied: {error}"

    def _sync_controls(self) -> None:
        """Show the playground's settings on the controls (after a change made in code)."""
        if self._controls is None:
            return
        self._syncing = True
        try:
            c = self._controls
            for name in ("loss", "d_steps", "lr_d", "lr_g", "width_d", "width_g"):
                if c[name].value != getattr(self, name):
                    c[name].value = getattr(self, name)
            if self._user_data is not None:
                array = (f"your array ({len(self._user_data)} points)", "array")
                options = [o for o in c["data"].options if o[1] != "array"] + [array]
                if list(c["data"].options) != options:
                    c["data"].options = options
            if c["data"].value != self.data.name:
                c["data"].value = self.data.name
        finally:
            self._syncing = False

    def _sync_buttons(self) -> None:
        if self._controls is None:
            return
        playing = self._playing
        self._controls["play"].disabled = playing
        self._controls["pause"].disabled = not playing


_PLAYING: weakref.WeakSet = weakref.WeakSet()   # playgrounds whose play loop runs
