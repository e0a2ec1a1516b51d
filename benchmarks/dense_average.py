"""The weight average on notebook 02's dense GAN: each run scored from its raw generator and from its average.

    python benchmarks/dense_average.py            # 3 seeds x 15,000 steps, one process per seed: about 25 minutes on 2 cores
    python benchmarks/dense_average.py summary    # the table from the stored results

Each seed trains `layers.DENSE` (label smoothing 0.9 and all) with `tricks.train_arm`, the step of appendix A2,
for 15,000 steps: about what notebook 02's run fits in 8 minutes on 2 cores (its 10-minute budget fits more).
At every quarter of the steps both the raw generator and its weight average draw the same 5,000 latents,
scored by FCD (helpers.metrics). The two values of one seed share everything but the averaging, so they are
compared pair by pair. Results go to benchmarks/results/dense_average.jsonl, one line per seed; a seed already
there is not repeated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "results" / "dense_average.jsonl"
SEEDS, STEPS = (0, 1, 2), 15_000


def run_seed(seed: int, core: int) -> None:
    """Worker: train one seed on one core, append its scores to OUT."""
    os.sched_setaffinity(0, {core})
    import helpers

    helpers.setup(seed=0, verbose=False)
    from helpers import layers, metrics, tricks
    from helpers.data import as_tanh_batch, mnist_images

    images = mnist_images(uint8=True)
    z = np.random.default_rng(1).normal(size=(5000, layers.DENSE.z_dim)).astype("float32")
    marks = tuple(STEPS * k // 4 for k in (1, 2, 3))
    run = tricks.train_arm(layers.DENSE, tricks.Trick("dense", real_label=layers.DENSE.real_label),
                           lambda n, r: as_tanh_batch(images[np.sort(r.integers(0, len(images), n))]), STEPS,
                           seed=seed, score=lambda g: metrics.fcd(g.predict(z, batch_size=500, verbose=0)), marks=marks)
    line = {"seed": seed, "steps": STEPS, "seconds_per_step": run["seconds_per_step"],
            "scores": {str(k): {a: round(float(v), 3) for a, v in s.items()} for k, s in run["scores"].items()}}
    with OUT.open("a") as f:
        f.write(json.dumps(line) + "\n")


def summary() -> None:
    """Mean and spread of each arm at every mark, and the paired difference with its 95% interval."""
    from helpers.tricks import compare_pairs

    runs = [json.loads(line) for line in OUT.read_text().splitlines() if line.strip()]
    print(f"{len(runs)} seeds; FCD of 5,000 samples (mean ± sd over seeds); average minus raw, pair by pair, 95% interval")
    print("| steps | weight average | raw generator | average − raw | average / raw |\n|---|---|---|---|---|")
    for mark in runs[0]["scores"]:
        avg = np.array([r["scores"][mark]["average"] for r in runs])
        raw = np.array([r["scores"][mark]["raw"] for r in runs])
        c = compare_pairs(avg, raw)
        print(f"| {int(mark):,} | {avg.mean():.2f} ± {avg.std(ddof=1):.2f} | {raw.mean():.2f} ± {raw.std(ddof=1):.2f} | "
              f"{c['diff']:+.2f} ({c['diff_low']:+.2f} to {c['diff_high']:+.2f}) | "
              f"{(avg / raw).min():.2f} to {(avg / raw).max():.2f} |")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parents[1]))
    if sys.argv[1:2] == ["_worker"]:
        run_seed(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1:2] != ["summary"]:
        done = {json.loads(line)["seed"] for line in OUT.read_text().splitlines() if line.strip()} if OUT.exists() else set()
        cores = sorted(os.sched_getaffinity(0))
        procs = [subprocess.Popen([sys.executable, __file__, "_worker", str(s), str(cores[i % len(cores)])])
                 for i, s in enumerate(s for s in SEEDS if s not in done)]
        if any(p.wait() for p in procs):
            sys.exit("a seed failed: see its output above; finished seeds are kept and are not repeated")
    if sys.argv[1:2] != ["_worker"]:
        summary()
