"""Notebook 03's DCGAN with a wider hidden Dense layer in G and D, at notebook 03's 10-minute budget (appendix A2's harness).

    python benchmarks/dcgan_hidden.py calibrate HIDDEN ...        # seconds per step on both cores, alone on the machine
    python benchmarks/dcgan_hidden.py run HIDDEN SEED STEPS CORE  # one run on one core, scored at every quarter
    python benchmarks/dcgan_hidden.py summary                     # the stored runs beside the baseline's own runs

A2's baseline on digits (`tricks.MNIST_BASE`: notebook 03's DCGAN with the weight average's decay at 0.999) has a
Dense(128) hidden layer in each network; HIDDEN replaces 128 in both. Each run is
`helpers.tricks.train_arm` with the baseline trick, the batches, latents and metric (FCD of 5,000 samples of the
weight average) of `benchmarks/tricks.py mnist-10min`. STEPS, worked out by hand, is the baseline's 17,189 times the
ratio of the two designs' seconds per step, both calibrated in one session, rounded to a multiple of 4; the runs
are launched by hand, two at a time, one per core. `summary` sets them beside the baseline's runs in
dcgan_average.jsonl (seeds 0-7; seeds 0-2 identical to A2's stored baseline runs). Results go to
benchmarks/results/dcgan_hidden.jsonl, one line per run or calibration.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

OUT = Path(__file__).parent / "results" / "dcgan_hidden.jsonl"
BASELINE_STEPS = 17189   # benchmarks/tricks.py mnist-10min: the baseline's steps in 600 s on both cores


def design(hidden: int):
    """A2's baseline on digits (notebook 03's DCGAN, decay 0.999) with ``hidden`` units in each hidden Dense layer."""
    from dataclasses import replace

    from helpers.tricks import MNIST_BASE

    return MNIST_BASE.replace(generator=replace(MNIST_BASE.generator, hidden=hidden),
                              discriminator=replace(MNIST_BASE.discriminator, hidden=hidden))


def run(hidden: int, seed: int, steps: int, core: int, calibrate: bool = False) -> dict:
    """Train one arm; score it at every quarter (not when calibrating); append the line to OUT."""
    if core >= 0:
        os.sched_setaffinity(0, {core})
    import helpers

    helpers.setup(seed=0, verbose=False)
    import numpy as np

    from helpers import metrics, tricks
    from helpers.data import as_tanh_batch, mnist_images

    images = mnist_images(uint8=True)
    z = np.random.default_rng(1).normal(size=(5000, 100)).astype("float32")
    marks = () if calibrate else tuple(steps * k // 4 for k in (1, 2, 3))
    result = tricks.train_arm(design(hidden), tricks.trick("baseline"),
                              lambda n, r: as_tanh_batch(images[np.sort(r.integers(0, len(images), n))]), steps,
                              seed=seed, marks=marks,
                              score=None if calibrate else lambda g: metrics.evaluate(g.predict(z, batch_size=500,
                                                                                                verbose=0)))
    line = {"hidden": hidden, "seed": seed, "steps": steps, "seconds_per_step": round(result["seconds_per_step"], 5),
            "calibration": calibrate}
    if not calibrate:
        line["fcd"] = {str(s): round(float(v["average"]["fcd"]), 3) for s, v in sorted(result["scores"].items())}
    with OUT.open("a") as f:
        f.write(json.dumps(line) + "\n")
    print(line, flush=True)
    return line


def baseline() -> list[dict]:
    """The baseline's runs (`tricks.MNIST_BASE`, 17,189 steps): the design's average of benchmarks/dcgan_average.py's runs, each
    the baseline run of A2's 10-minute harness from its seed (seeds 0-2 repeat tricks_mnist-10min.jsonl's exactly)."""
    lines = [json.loads(x) for x in (OUT.parent / "dcgan_average.jsonl").read_text().splitlines() if x.strip()]
    return [{"hidden": 128, "seed": r["seed"], "steps": r["steps"],
             "fcd": {k: v["average"] for k, v in sorted(r["scores"].items(), key=lambda kv: int(kv[0]))}}
            for r in sorted(lines, key=lambda r: r["seed"])]


def summary() -> None:
    """Each stored run's FCD at its quarters, beside the baseline's runs, and the comparison of the last marks."""
    lines = [json.loads(x) for x in OUT.read_text().splitlines() if x.strip()] if OUT.exists() else []
    for r in (r for r in lines if r["calibration"]):
        print(f"hidden {r['hidden']}: {r['seconds_per_step']:.4f} s per step on both cores ({r['steps']} steps)")
    base = baseline()
    runs = sorted((r for r in lines if not r["calibration"]), key=lambda r: (r["hidden"], r["seed"]))
    print("| hidden units | seed | steps | FCD at each quarter |\n|---|---|---|---|")
    for r in base + runs:
        name = "128 (baseline)" if r["hidden"] == 128 else r["hidden"]
        print(f"| {name} | {r['seed']} | {r['steps']:,} | {', '.join(f'{v:.2f}' for v in r['fcd'].values())} |")
    from helpers.tricks import compare

    last = [list(r["fcd"].values())[-1] for r in base]
    for hidden in sorted({r["hidden"] for r in runs}):
        fcd = [list(r["fcd"].values())[-1] for r in runs if r["hidden"] == hidden]
        if len(fcd) > 1:
            c, b = compare(fcd, last), compare(last, last)
            print(f"hidden {hidden}: {c['mean']:.2f} ± {c['sd']:.2f} against 128: {b['mean']:.2f} ± {b['sd']:.2f}; "
                  f"difference {c['diff']:+.2f} (95% interval {c['diff_low']:+.2f} to {c['diff_high']:+.2f}; "
                  f"{len(fcd)} seeds against {len(last)})")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parents[1]))
    command = sys.argv[1] if len(sys.argv) > 1 else "summary"
    if command == "calibrate":
        for h in map(int, sys.argv[2:]):
            run(h, 0, 1000, -1, calibrate=True)
    elif command == "run":
        run(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        summary()
