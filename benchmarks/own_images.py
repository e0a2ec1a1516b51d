"""What a folder of your own images costs (notebook 07): reading time, memory and training speed for a given number
and size of images, with notebook 07's design for a folder (layers.OWN_IMAGES).

    python benchmarks/own_images.py            # 2,000 and 10,000 patches; 32x32 and 64x64 colour; about 4 minutes

The folders are written from the photograph that ships with matplotlib (helpers.images.write_patches) into a
temporary folder. Training speed is measured over 30 s of training after a warm-up of 20 steps (XLA compile).
"""

from __future__ import annotations

import helpers

helpers.setup(seed=0, verbose=False)

import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from quality_per_minute import machine  # noqa: E402

from helpers import images, layers, train  # noqa: E402
from helpers.config import peak_memory_gb  # noqa: E402
from helpers.data import as_tanh_batch  # noqa: E402


def speed(design: layers.Design, data: np.ndarray, seconds: float = 30.0) -> float:
    """Training images per second of one design on one training set, after a warm-up."""
    keras.utils.set_random_seed(0)
    players = design.build()
    step = train.make_step(design, players)
    noise = tf.random.Generator.from_seed(0)
    rng = np.random.default_rng(0)
    batch = design.batch_size

    def one():
        step(as_tanh_batch(data[rng.integers(0, len(data), batch)]), noise.normal((batch, design.z_dim)))

    for _ in range(20):
        one()
    t0, steps = time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds:
        one()
        steps += 1
    return steps * batch / (time.perf_counter() - t0)


def main() -> None:
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        for n in (2000, 10000):
            t0 = time.perf_counter()
            folder = images.write_patches(Path(tmp) / f"patches_{n}", n=n)
            written = time.perf_counter() - t0
            for size in (32, 64):
                t0 = time.perf_counter()
                data = images.load_folder(folder, size=size, verbose=False)
                read = time.perf_counter() - t0
                line = (f"{n:6,d} files (written in {written:4.0f} s), {size}x{size} colour: read in {read:5.1f} s "
                        f"({n / read:5.0f} files/s), {data.nbytes / 1e6:6.1f} MB in memory")
                if n == 2000:
                    rate = speed(layers.OWN_IMAGES.for_images(data.shape[1:]), data)
                    line += f", training {rate:5.0f} images/s ({rate * 600 / n:4.0f} epochs in 10 min)"
                print(line + f"; peak memory so far {peak_memory_gb():.2f} GB", flush=True)


if __name__ == "__main__":
    main()
