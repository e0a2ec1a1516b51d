"""The weight average's decay on notebook 03's DCGAN at its 10-minute budget, compared within each run.

    python benchmarks/dcgan_average.py            # the seeds not yet stored, one worker per core: about 17 minutes a pair
    python benchmarks/dcgan_average.py summary    # the table from the stored results

Each seed is appendix A2's 10-minute baseline run (`benchmarks/tricks.py mnist-10min`: `tricks.MNIST_BASE`, its
17,189 steps, the same batches, latents and FCD of 5,000 samples) keeping, beside the design's weight average
(decay 0.999), two more averages of the same generator with decays 0.998 and 0.9995 (each with the warm-up of
appendix A1, min(decay, (1 + t) / (10 + t)) after t steps). At every quarter of the steps the raw generator and
the three averages draw the same 5,000 latents. The averages of one seed share everything but the decay, so they
are compared pair by pair; the 0.999 average repeats the stored baseline run of the same seed. Results go to
benchmarks/results/dcgan_average.jsonl, one line per seed; a seed already there is not repeated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "results" / "dcgan_average.jsonl"
SEEDS, STEPS, DECAYS = tuple(range(8)), 17_189, (0.998, 0.9995)   # STEPS: the baseline's in tricks_mnist-10min.jsonl


def run_seeds(seeds: list[int], core: int) -> None:
    """Worker: train each seed in turn on one core, append its scores to OUT."""
    os.sched_setaffinity(0, {core})
    import helpers

    helpers.setup(seed=0, verbose=False)
    import keras

    from helpers import layers, metrics, tricks
    from helpers.data import as_tanh_batch, mnist_images

    images = mnist_images(uint8=True)
    z = np.random.default_rng(1).normal(size=(5000, layers.DCGAN.z_dim)).astype("float32")
    marks = tuple(STEPS * k // 4 for k in (1, 2, 3))
    for seed in seeds:
        keras.backend.clear_session()
        run = tricks.train_arm(tricks.MNIST_BASE, tricks.trick("baseline"),
                               lambda n, r: as_tanh_batch(images[np.sort(r.integers(0, len(images), n))]), STEPS,
                               seed=seed, marks=marks, decays=DECAYS,
                               score=lambda g: metrics.fcd(g.predict(z, batch_size=500, verbose=0)))
        line = {"seed": seed, "steps": STEPS, "seconds_per_step": run["seconds_per_step"],
                "scores": {str(k): {a: round(float(v), 3) for a, v in s.items()} for k, s in run["scores"].items()}}
        with OUT.open("a") as f:
            f.write(json.dumps(line) + "\n")
        print(line, flush=True)


def summary() -> None:
    """Each average's FCD at every quarter (mean ± sd over seeds) and its difference from the 0.999 average, pair by pair."""
    from helpers.tricks import compare_pairs

    runs = sorted((json.loads(x) for x in OUT.read_text().splitlines() if x.strip()), key=lambda r: r["seed"])
    arms = ["raw", "average 0.998", "average", *(f"average {d}" for d in DECAYS[1:])]
    print(f"{len(runs)} seeds ({', '.join(str(r['seed']) for r in runs)}); FCD of 5,000 samples, mean ± sd; "
          "change from the 0.999 average pair by pair (95% interval)")
    names = {"average": "decay 0.999 (A2's baseline)", "average 0.9995": "decay 0.9995 (`layers.DCGAN`)"}
    print("| steps | " + " | ".join(names.get(a, a.replace("average", "decay")) for a in arms)
          + " |\n|---|" + "---|" * len(arms))
    for mark in runs[0]["scores"]:
        cells = []
        base = np.array([r["scores"][mark]["average"] for r in runs])
        for arm in arms:
            v = np.array([r["scores"][mark][arm] for r in runs])
            cell = f"{v.mean():.2f} ± {v.std(ddof=1):.2f}"
            if arm != "average":
                c = compare_pairs(v, base)
                cell += f" ({c['diff']:+.2f}, {c['diff_low']:+.2f} to {c['diff_high']:+.2f})"
            cells.append(cell)
        print(f"| {int(mark):,} | " + " | ".join(cells) + " |")
    last = str(STEPS)
    for r in runs:
        print(f"seed {r['seed']} at {STEPS:,} steps: " + ", ".join(f"{a} {r['scores'][last][a]:.2f}" for a in arms))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parents[1]))
    if sys.argv[1:2] == ["_worker"]:
        run_seeds([int(s) for s in sys.argv[3:]], int(sys.argv[2]))
    elif sys.argv[1:2] != ["summary"]:
        done = {json.loads(x)["seed"] for x in OUT.read_text().splitlines() if x.strip()} if OUT.exists() else set()
        todo, cores = [s for s in SEEDS if s not in done], sorted(os.sched_getaffinity(0))
        procs = [subprocess.Popen([sys.executable, __file__, "_worker", str(c), *map(str, todo[i::len(cores)])])
                 for i, c in enumerate(cores) if todo[i::len(cores)]]
        if any(p.wait() for p in procs):
            sys.exit("a seed failed: see its output above; finished seeds are kept and are not repeated")
    if sys.argv[1:2] != ["_worker"]:
        summary()
