"""Which training tricks help? Each trick alone on one baseline, several seeds, one time budget (appendix A2).

    python benchmarks/tricks.py ring             # the ring of 8 Gaussians: 12 tricks x 5 seeds (about 20 minutes on 2 cores)
    python benchmarks/tricks.py mnist            # notebook 03's DCGAN: 16 tricks x 3 seeds (about 80 minutes on 2 cores)
    python benchmarks/tricks.py mnist --budget 30 --seeds 1    # a quick look
    python benchmarks/tricks.py mnist-10min      # the 2-minute winners at notebook 03's budget: 10 minutes on 2 cores
    python benchmarks/tricks.py summary          # the tables from the stored results

Two workers run at once, each on one CPU core with one TensorFlow thread, so that each run sees the same
machine. The time budget is fair to tricks that make a step dearer or cheaper: first every trick's seconds per
step are measured (60 steps after compiling, on the same cores), then each run trains for the number of steps
its trick fits in the budget. Steps, unlike seconds, do not change when other work shares the machine.

"mnist-10min" repeats the tricks that helped in 2 minutes, with the baseline, at the budget notebook 03 trains
for: 10 minutes on both cores. Their seconds per step are measured on both cores (1,000 steps each, one process
alone on the machine); the runs themselves then go two at a time, one core each, for the steps that fit 10
minutes on two cores, and are scored at a quarter, half, three quarters and all of their steps.

The metric is fixed in advance: FCD of 5,000 samples of the weight average (MNIST; for "no weight average",
of the raw generator of the same runs), and the number of the 8 modes covered by 2,000 samples (ring).
Results go to benchmarks/results/tricks_<kind>.jsonl, one line per run; a run already there is not repeated.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
KINDS = {"mnist": dict(budget=120.0, seeds=3), "ring": dict(budget=30.0, seeds=5),
         "mnist-10min": dict(budget=600.0, seeds=3)}
CALIBRATION_STEPS = {"mnist": 60, "ring": 60, "mnist-10min": 1000}
LONG_BUDGET_TRICKS = ("baseline", "batch 32")   # the 2-minute table's winners, and the baseline they are compared with


def results_path(kind: str, calibration: bool = False) -> Path:
    """Where the runs (or the seconds-per-step calibration) of ``kind`` are stored."""
    return RESULTS / f"tricks_{kind}{'_speed' if calibration else ''}.jsonl"


def read_lines(path: Path) -> list[dict]:
    """The JSON lines of ``path`` (none if it does not exist)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def run_jobs(kind: str, jobs: list[dict], out: Path, core: int) -> None:
    """Worker: run ``jobs`` one after another on one core, appending each result to ``out``."""
    if core >= 0:
        os.sched_setaffinity(0, {core})         # one core; -1: every core (the 10-minute budget's calibration)
    import helpers

    helpers.setup(seed=0, verbose=False)
    import keras
    import numpy as np

    from helpers import metrics, toy, tricks
    from helpers.data import as_tanh_batch, mnist_images

    if kind.startswith("mnist"):
        images = mnist_images(uint8=True)
        base, sample = tricks.MNIST_BASE, lambda n, r: as_tanh_batch(images[np.sort(r.integers(0, len(images), n))])
        z = np.random.default_rng(1).normal(size=(5000, base.z_dim)).astype("float32")
        def score(g) -> dict:
            """Scores of 5,000 samples; None where samples are not finite (the run broke down)."""
            x = g.predict(z, batch_size=500, verbose=0)
            try:
                return metrics.evaluate(x)
            except (ValueError, np.linalg.LinAlgError):   # NaN samples or features: the run broke down
                return {"fcd": None, "classes_covered": None}
    else:
        base, sample = tricks.RING_BASE, lambda n, r: toy.sample_ring(n, r)
        score = lambda g: dict(zip(("modes", "quality"), toy.mode_coverage(toy.generate(g, 2000))))  # noqa: E731
    for job in jobs:
        keras.backend.clear_session()
        t = tricks.trick(job["trick"]) if kind.startswith("mnist") else next(x for x in tricks.RING_TRICKS
                                                                    if x.name == job["trick"])
        marks = tuple(job["steps"] * k // 4 for k in (1, 2, 3)) if kind == "mnist-10min" else ()
        run = tricks.train_arm(base, t, sample, job["steps"], seed=job["seed"],
                               score=None if job.get("calibrate") else score, marks=marks)
        line = {**job, "seconds": round(run["seconds"], 2), "seconds_per_step": run["seconds_per_step"],
                "final_d_loss": run["final_d_loss"]}
        if not job.get("calibrate"):
            line["average"], line["raw"] = run["scores"][job["steps"]]["average"], run["scores"][job["steps"]]["raw"]
            if marks:
                line["marks"] = {str(m): run["scores"][m]["average"] for m in marks}
        with out.open("a") as f:
            f.write(json.dumps(line, default=lambda v: np.asarray(v).round(4).tolist()) + "\n")
        print(f"{kind} {job['trick']:30s} seed {job['seed']} {job['steps']} steps {run['seconds']:.0f} s", flush=True)


def in_parallel(kind: str, jobs: list[dict], out: Path, workers: int) -> None:
    """Split ``jobs`` round-robin over ``workers`` processes, each pinned to its own core (``workers=0``: one
    process on every core); wait for all."""
    cores = sorted(os.sched_getaffinity(0))
    procs = []
    for w in range(max(workers, 1)):
        share = jobs[w::max(workers, 1)]
        if share:
            procs.append(subprocess.Popen([sys.executable, __file__, "_worker", kind, json.dumps(share), str(out),
                                           str(cores[w % len(cores)] if workers else -1)]))
    if any(p.wait() for p in procs):
        sys.exit("a worker failed: see its output above; finished runs are kept and are not repeated")


def tricks_of(kind: str) -> list:
    """The tricks measured for ``kind`` (the weight average's absence is read from the baseline's runs)."""
    from helpers import tricks

    if kind == "mnist-10min":
        return [tricks.trick(name) for name in LONG_BUDGET_TRICKS]
    return [t for t in (tricks.TRICKS if kind == "mnist" else tricks.RING_TRICKS) if not t.raw]


def measure(kind: str, budget: float, seeds: int, workers: int) -> None:
    """Calibrate every trick's speed (once), then run every (trick, seed) not yet stored."""
    RESULTS.mkdir(exist_ok=True)
    names = [t.name for t in tricks_of(kind)]
    speed_file = results_path(kind, calibration=True)
    known = {r["trick"] for r in read_lines(speed_file)}
    todo = [{"trick": n, "seed": 0, "steps": CALIBRATION_STEPS[kind], "calibrate": True} for n in names
            if n not in known]
    in_parallel(kind, todo, speed_file, 0 if kind == "mnist-10min" else workers)
    speed = {r["trick"]: r["seconds_per_step"] for r in read_lines(speed_file)}
    out = results_path(kind)
    done = {(r["trick"], r["seed"], r["budget"]) for r in read_lines(out)}
    jobs = [{"trick": n, "seed": s, "budget": budget, "steps": max(10, round(budget / speed[n]))}
            for s in range(seeds) for n in names if (n, s, budget) not in done]
    start = time.time()
    in_parallel(kind, jobs, out, workers)
    print(f"{len(jobs)} runs in {(time.time() - start) / 60:.1f} min")
    summary(kind)


def summary(kind: str) -> None:
    """Print each trick's metric over seeds: mean, spread, a 95% interval, and the change from the baseline."""
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from helpers import tricks

    metric = "ring" if kind == "ring" else "mnist"
    print(tricks.markdown(tricks.summarise(read_lines(results_path(kind)), metric), metric))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        sys.path.insert(0, str(Path(__file__).parents[1]))
        run_jobs(sys.argv[2], json.loads(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=[*KINDS, "summary"])
    parser.add_argument("--budget", type=float, help="seconds of training per run (default: mnist 120, ring 30)")
    parser.add_argument("--seeds", type=int, help="seeds per trick (default: mnist 3, ring 5)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parents[1]))
    if args.kind == "summary":
        for k in KINDS:
            summary(k)
    else:
        measure(args.kind, args.budget or KINDS[args.kind]["budget"], args.seeds or KINDS[args.kind]["seeds"],
                args.workers)
