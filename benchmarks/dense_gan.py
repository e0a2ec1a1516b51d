"""Time to quality of the dense GAN: the classic design vs notebook 02's, same wall-clock budget, one run.

    python benchmarks/dense_gan.py                 # 5 minutes of training each, about 11 minutes in all
    python benchmarks/dense_gan.py --minutes 1     # a quick look

Prints the metric (FCD, classes >= 5%, mean confidence; helpers.metrics) on 5,000 samples at each mark,
and training images per second. Time spent measuring is not counted as training time.
"""

from __future__ import annotations

import argparse
import os
import platform

import helpers

helpers.setup(seed=0, verbose=False)

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from helpers import layers, metrics, train  # noqa: E402
from helpers.data import mnist_images  # noqa: E402


def run(name: str, design: dict, images: np.ndarray, minutes: float, n_eval: int) -> list[dict]:
    """Train one design for ``minutes`` of training time; return the metric at each mark."""
    keras.utils.set_random_seed(0)
    gen, disc, g_opt, d_opt = layers.dense_gan(design)
    step = train.make_train_step(gen, disc, g_opt, d_opt, real_label=design["real_label"])
    z = np.random.default_rng(1).normal(size=(n_eval, gen.input_shape[1])).astype("float32")
    rows = []

    def measure(mark: float, steps: int) -> None:
        scores = metrics.evaluate(gen(z, training=False).numpy())
        rows.append({"design": name, "minutes": mark / 60, "steps": steps, **scores})
        print(f"{name:8s} {mark / 60:5.1f} min  {steps:6d} steps  {metrics.summary(scores)}", flush=True)

    marks = tuple(m * 60 for m in (1, 2, 5, 10) if m <= minutes) + (minutes * 60,)
    speed = train.train_for(step, images, gen.input_shape[1], minutes * 60, design["batch_size"],
                            marks=tuple(sorted(set(marks))), on_mark=measure)
    print(f"{name:8s} {speed['images_per_s']:.0f} training images/s ({speed['steps']} steps)", flush=True)
    for row in rows:
        row["images_per_s"] = speed["images_per_s"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0, help="training time for each design")
    parser.add_argument("--eval", type=int, default=5000, help="samples drawn to measure quality")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPU cores, {platform.machine()}, TensorFlow {tf.__version__}, "
          f"Python {platform.python_version()}")
    images = mnist_images()
    results = {name: run(name, design, images, args.minutes, args.eval)
               for name, design in (("classic", layers.CLASSIC_DENSE), ("ours", layers.DENSE))}
    classic, ours = results["classic"][-1], results["ours"][-1]
    ratio = ours["fcd"] / classic["fcd"]
    print(f"\nafter {args.minutes:g} min: FCD ours/classic = {ratio:.3f} (goal <= 0.333); "
          f"classes >= 5%: ours {ours['classes_covered']}/10 (goal 10)")


if __name__ == "__main__":
    main()
