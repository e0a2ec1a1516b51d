"""Plots shared by the notebooks: a grid of images and training curves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["to_display", "image_grid", "loss_curves", "tile", "animated_gif"]


def to_display(images) -> np.ndarray:
    """Return images as float (N, H, W) or colour (N, H, W, 3) in [0, 1], from uint8 [0, 255] or tanh [-1, 1] input
    (notebook 07)."""
    x = np.asarray(images)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim == 2 or (x.ndim == 3 and x.shape[-1] == 3):
        x = x[None]                      # one grey (H, W) or one colour (H, W, 3) image
    if not (x.ndim == 3 or (x.ndim == 4 and x.shape[-1] == 3)):
        raise ValueError(
            f"image_grid expects images of shape (N, H, W), (N, H, W, 1) or (N, H, W, 3), got {x.shape}; "
            "for a single image use images[None]"
        )
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 255.0
    x = x.astype(np.float32)
    if x.min() < -1e-6:  # tanh output in [-1, 1]
        return np.clip((x + 1) / 2, 0, 1)
    return np.clip(x, 0, 1) if x.max() <= 1 + 1e-6 else np.clip(x / 255.0, 0, 1)


def image_grid(images, ncols: int | None = None, titles: Sequence[str] | None = None,
               title: str | None = None, size: float = 1.0) -> Figure:
    """Draw images (uint8 or tanh-scaled) in a grid, square by default, and return the figure (notebook 00)."""
    x = to_display(images)
    n = len(x)
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if title else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(x[i], cmap="gray", vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    height = fig.get_figheight()
    if title:
        fig.suptitle(title)
    top = 1 - (0.35 + (0.2 if titles is not None else 0)) / height if title else 1  # room for the title
    fig.tight_layout(pad=0.2, rect=(0, 0, 1, top))
    return fig


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Return the running mean of ``values`` over ``window`` points (shorter at the start) (notebook 01)."""
    v = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(v) == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, len(v) + 1)
    lo = np.maximum(0, idx - window)
    return (c[idx] - c[lo]) / (idx - lo)


def loss_curves(history: Mapping[str, Sequence[float]], title: str | None = None, window: int = 1,
                xlabel: str = "step", ax=None, hline: float | None = None) -> Figure:
    """Plot one curve per entry of ``history`` (e.g. d_loss, g_loss), optionally smoothed; return the figure
    (notebook 01)."""
    if not history:
        raise ValueError("loss_curves needs at least one named series, e.g. {'d_loss': [...], 'g_loss': [...]}")
    if ax is None:
        fig, ax = plt.subplots()
    else:
        fig = ax.figure
    for name, values in history.items():
        ax.plot(smooth(values, window), label=name)
    if hline is not None:
        ax.axhline(hline, color="gray", linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def tile(images, ncols: int | None = None, pad: int = 2) -> np.ndarray:
    """Tile images (uint8 or tanh-scaled, grey or colour) into one float image in [0, 1], square by default, with
    gaps of ``pad`` (notebook 04)."""
    x = to_display(images)
    n, h, w = x.shape[:3]
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    out = np.ones((nrows * (h + pad) + pad, ncols * (w + pad) + pad) + x.shape[3:], np.float32)
    for i in range(n):
        r, c = divmod(i, ncols)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = x[i]
    return out


def animated_gif(frames: Sequence, captions: Sequence[str] | None = None, ncols: int | None = None,
                 scale: int = 2, ms_per_frame: int = 400) -> bytes:
    """An animated GIF (bytes) of image grids, one grid per frame, each captioned (e.g. 'epoch 3') (notebook 03)."""
    import io

    from PIL import Image, ImageDraw

    if len(frames) == 0:
        raise ValueError("animated_gif needs at least one frame: a batch of images per frame")
    pictures = []
    for i, batch in enumerate(frames):
        grid = tile(batch, ncols)
        grid = np.pad(grid, ((12 // scale + 1, 0),) + ((0, 0),) * (grid.ndim - 1), constant_values=1.0)
        pic = Image.fromarray(np.round(grid * 255).astype(np.uint8)).resize(
            (grid.shape[1] * scale, grid.shape[0] * scale), Image.NEAREST)
        if captions is not None:
            ImageDraw.Draw(pic).text((4, 1), str(captions[i]), fill=0)
        pictures.append(pic)
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:], duration=ms_per_frame,
                     loop=0)
    return buffer.getvalue()
