"""Shared by the benchmark scripts: train one design for a wall-clock budget and measure it at marks."""

from __future__ import annotations

import os
import platform

import keras
import numpy as np
import tensorflow as tf

from helpers import layers, metrics, train


def arguments(doc: str, minutes: float):
    """Parse the benchmark's command line: --minutes of training per design, --eval samples to score."""
    import argparse

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=minutes, help="training time for each design")
    parser.add_argument("--eval", type=int, default=5000, help="samples drawn to measure quality")
    args = parser.parse_args()
    print(machine())
    return args


def machine() -> str:
    """One line naming the machine and the software versions."""
    return (f"machine: {os.cpu_count()} CPU cores, {platform.machine()}, TensorFlow {tf.__version__}, "
            f"Keras {keras.__version__}, Python {platform.python_version()}")


def run(name: str, design: layers.Design, images: np.ndarray, minutes: float, n_eval: int,
        marks_min: tuple[float, ...] = (1, 2, 5, 10), score=metrics.evaluate, summary=metrics.summary) -> list[dict]:
    """Train one design for ``minutes`` of training time; return ``score(samples)`` at each mark (and at the end)."""
    keras.utils.set_random_seed(0)
    players = design.build()
    gen = players.generator
    step = train.make_step(design, players)
    sampler = step.ema if step.ema is not None else gen
    z = np.random.default_rng(1).normal(size=(n_eval, gen.input_shape[1])).astype("float32")
    rows = []

    def measure(mark: float, steps: int) -> None:
        scores = score(sampler.predict(z, batch_size=500, verbose=0))
        rows.append({"design": name, "minutes": mark / 60, "steps": steps, **scores})
        print(f"{name:12s} {mark / 60:5.1f} min  {steps:6d} steps  {summary(scores)}", flush=True)

    marks = sorted({m * 60 for m in marks_min if m <= minutes} | {minutes * 60})
    speed = train.train_for(step, images, minutes * 60, marks=tuple(marks), on_mark=measure)
    print(f"{name:12s} {speed['images_per_s']:.0f} training images/s ({speed['steps']} steps)", flush=True)
    for row in rows:
        row["images_per_s"] = speed["images_per_s"]
    return rows


def compare_by_patch_fd(designs, images: np.ndarray, reference: np.ndarray, minutes: float,
                        marks_min: tuple[float, ...]) -> dict[str, list[dict]]:
    """Train each (name, design) for ``minutes``, scoring samples by patch FD against ``reference`` at each mark;
    print a table at the end (benchmarks for notebook 07)."""
    def score(samples):
        return {"patch_fd": metrics.patch_fd(reference, samples)}

    def summary(scores):
        return f"patch FD {scores['patch_fd']:.2f}"

    results = {name: run(name, design, images, minutes, len(reference), marks_min=marks_min, score=score,
                         summary=summary) for name, design in designs}
    print("\nafter each mark (patch FD; lower is better):")
    for name, rows in results.items():
        print(f"{name:12s} " + "  ".join(f"{r['minutes']:.1f} min {r['patch_fd']:6.2f}" for r in rows)
              + f"   {rows[-1]['images_per_s']:.0f} img/s")
    return results
