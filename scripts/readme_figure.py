"""Draw the README's picture of what the series makes, from the shipped generators of notebooks 03 and 04.

    python scripts/readme_figure.py          # writes docs/what_it_makes.png

Run it after a full-mode run of notebook 03 or 04 has replaced a shipped generator.
"""

from __future__ import annotations

from pathlib import Path

import helpers

helpers.setup(seed=0, verbose=False)

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from helpers.config import WEIGHTS_DIR  # noqa: E402
from helpers.plots import tile  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "what_it_makes.png"


def main() -> None:
    """Sample both shipped generators with fixed latents and save the two grids side by side."""
    rng = np.random.default_rng(0)
    dcgan = keras.models.load_model(WEIGHTS_DIR / "dcgan_generator.keras")
    cgan = keras.models.load_model(WEIGHTS_DIR / "cgan_generator.keras")
    free = dcgan(rng.normal(size=(40, 100)).astype("float32"), training=False).numpy()
    z = np.repeat(rng.normal(size=(4, 100)).astype("float32"), 10, axis=0)
    asked = np.tile(np.arange(10), 4)
    conditioned = cgan([z, asked], training=False).numpy()
    fig, axes = plt.subplots(1, 2, figsize=(10, 2.6), dpi=100)
    for ax, images, title in ((axes[0], free, "notebook 03: a DCGAN's samples"),
                              (axes[1], conditioned, "notebook 04: the digits 0–9 asked for, 4 styles")):
        ax.imshow(tile(images, ncols=10), cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
