"""Latent sliders: explore a generator's latent space with ipywidgets.

Pure functions do the work (``decode``, ``lerp``, ``slerp``, ``to_png``) so tests drive them without a
browser; ``LatentExplorer`` only wires sliders and buttons to them::

    LatentExplorer(generator).widget   # last line of a cell shows it
"""

from __future__ import annotations

import io

import numpy as np

from helpers.train import is_conditional, latent_size

__all__ = ["decode", "lerp", "slerp", "LatentExplorer"]


def latent_dim(generator) -> int:
    """Return the latent size of a generator mapping (N, d) latents (and labels) to (N, 28, 28, 1) images
    (notebook 02)."""
    import keras

    if not isinstance(generator, keras.Model):
        raise TypeError(f"expected a Keras generator model, got a {type(generator).__name__}")
    in_shape, out_shape = tuple(generator.inputs[0].shape), tuple(generator.outputs[0].shape)
    if len(in_shape) != 2 or out_shape[1:] != (28, 28, 1):
        raise ValueError(f"this model maps {in_shape} to {out_shape}; a generator here maps latents (None, d) to "
                         "images (None, 28, 28, 1). Did you pass the discriminator?")
    return latent_size(generator)


def decode(generator, z, label=None) -> np.ndarray:
    """Generate images for latents z of shape (d,) or (N, d) (and a digit label, for a conditional generator);
    return (28, 28) or (N, 28, 28) floats in [0, 1] (notebook 02)."""
    d = latent_dim(generator)
    z = np.asarray(z, dtype=np.float32)
    single = z.ndim == 1
    batch = z[None] if single else z
    if batch.ndim != 2 or batch.shape[1] != d:
        raise ValueError(f"this generator takes latent vectors of size {d}; got an array of shape {z.shape}")
    if is_conditional(generator):
        if label is None:
            raise ValueError("this generator is conditional: pass the digit to draw, e.g. decode(generator, z, label=3)")
        labels = np.broadcast_to(np.asarray(label, dtype=np.int32), (len(batch),))
        out = generator([batch, labels], training=False)
    else:
        out = generator(batch, training=False)
    images = np.clip((np.asarray(out)[..., 0] + 1) / 2, 0, 1)
    return images[0] if single else images


def lerp(z0: np.ndarray, z1: np.ndarray, t: float) -> np.ndarray:
    """Linear interpolation between two latents (notebook 03)."""
    return (1 - t) * np.asarray(z0) + t * np.asarray(z1)


def slerp(z0: np.ndarray, z1: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation: follows the sphere where Gaussian latents live instead of cutting through it
    (notebook 02)."""
    z0, z1 = np.asarray(z0, dtype=np.float64), np.asarray(z1, dtype=np.float64)
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:
        return lerp(z0, z1, t)
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


PNG_SCALE = 6
"""Each pixel of a 28x28 digit becomes a PNG_SCALE x PNG_SCALE square in the explorer's image."""


def to_png(image: np.ndarray, scale: int = PNG_SCALE) -> bytes:
    """Encode a [0, 1] grayscale image as PNG bytes, enlarged ``scale`` times without smoothing (notebook 02)."""
    from PIL import Image

    pixels = (np.clip(image, 0, 1) * 255).astype(np.uint8)
    pixels = np.kron(pixels, np.ones((scale, scale), dtype=np.uint8))
    buf = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buf, format="PNG")
    return buf.getvalue()


class LatentExplorer:
    """Sliders on the first latent coordinates, a 'new random z' button, an interpolation slider, and for a
    conditional generator a choice of digit (notebook 02)."""

    def __init__(self, generator, n_sliders: int = 6, seed: int = 0, spherical: bool = True):
        import ipywidgets as w

        self.generator = generator
        self.dim = latent_dim(generator)
        self.rng = np.random.default_rng(seed)
        self.spherical = spherical
        self.z = self.rng.normal(size=self.dim)
        self.z_end = self.rng.normal(size=self.dim)
        self.sliders = [w.FloatSlider(value=float(self.z[i]), min=-3, max=3, step=0.1, description=f"z[{i}]",
                                      continuous_update=True) for i in range(min(n_sliders, self.dim))]
        self.t = w.FloatSlider(value=0.0, min=0, max=1, step=0.05, description="to z_end")
        self.button = w.Button(description="new random z")
        side = f"{28 * PNG_SCALE}px"   # a fixed square: the row of sliders beside it must not stretch the digit
        self.image = w.Image(format="png", layout=w.Layout(width=side, height=side, flex="0 0 auto"))
        self.digit = w.Dropdown(options=list(range(10)), value=0, description="digit")
        self.digit.observe(lambda change: self.render(), names="value")
        for s in self.sliders:
            s.observe(self._on_slider, names="value")
        self.t.observe(lambda change: self.render(), names="value")
        self.button.on_click(lambda _: self.new_random())
        controls = ([self.digit] if is_conditional(generator) else []) + [*self.sliders, self.t, self.button]
        self.widget = w.HBox([self.image, w.VBox(controls)], layout=w.Layout(align_items="flex-start"))
        self.render()

    def current(self) -> np.ndarray:
        """The latent shown now: z moved towards z_end by the interpolation slider."""
        mix = slerp if self.spherical else lerp
        return mix(self.z, self.z_end, self.t.value)

    def render(self) -> None:
        """Decode the current latent into the image widget."""
        label = self.digit.value if is_conditional(self.generator) else None
        self.image.value = to_png(decode(self.generator, self.current(), label))

    def _on_slider(self, change) -> None:
        i = self.sliders.index(change["owner"])
        self.z[i] = change["new"]
        self.render()

    def new_random(self) -> None:
        """Draw a new z (and z_end) from N(0, I) and move the sliders to it."""
        self.z = self.rng.normal(size=self.dim)
        self.z_end = self.rng.normal(size=self.dim)
        for i, s in enumerate(self.sliders):
            s.unobserve(self._on_slider, names="value")
            s.value = float(np.clip(self.z[i], -3, 3))
            s.observe(self._on_slider, names="value")
        self.render()
