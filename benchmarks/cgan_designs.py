"""Conditional GAN designs for notebook 04: how often the classifier reads the digit asked for, and FCD, per step.

    python benchmarks/cgan_designs.py calibrate          # seconds per step of each design, on one core (about 3 minutes)
    python benchmarks/cgan_designs.py run DESIGN SEED STEPS   # one run on one core, scored at every quarter of STEPS
    python benchmarks/cgan_designs.py run DESIGN SEED STEPS CORE DECAY ...   # the same run, scoring other averages
    python benchmarks/cgan_designs.py summary            # the stored marks, and the seeds compared at equal time

Designs (all with notebook 03's Adam, batch 64 and weight average, the label as an image plane in D):
  plain       64 and 128 channels, no hidden Dense layers, no projection: the conditional DCGAN usually shown
  hidden      notebook 03's DCGAN (32 and 64 channels, a Dense(128) hidden layer in G and in D)
  projection  "hidden" plus the projection term in D: notebook 04's `layers.CGAN`
  aux         "projection" plus an auxiliary classifier (AC-GAN, Odena et al., 2017): a Dense(10) head on D's
              hidden features that D trains to read real digits' labels, and G is trained to make it read the
              label asked for (cross-entropy, weight 1, added to each player's loss)
  cbn         "projection" with conditional batch norm in G (as in the projection discriminator's paper): each of
              G's batch norms takes its scale and shift from a per-label table (starting at 1 and 0)

A run samples batches with replacement and scores the weight average on 5,000 latents (500 of each digit):
obedience (the share the classifier of helpers.metrics reads as the digit asked for) and FCD. Give each design
the steps that fit the same time (from `calibrate`) to compare them at equal cost. Marks go to
benchmarks/results/cgan_designs.jsonl, one line per mark.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "results" / "cgan_designs.jsonl"


def design(name: str):
    """The layers.Design called ``name``."""
    from helpers import layers

    changes = {"plain": (layers.CondConvG(width=64, hidden=0), layers.CondConvD(width=64, hidden=0, projection=False)),
               "hidden": (layers.CondConvG(), layers.CondConvD(projection=False)),
               "projection": (layers.CGAN.generator, layers.CGAN.discriminator)}[name]
    return layers.CGAN.replace(generator=changes[0], discriminator=changes[1])


def cbn_generator(z_dim: int = 100, n_classes: int = 10, width: int = 32, kernel: int = 4, embed: int = 50,
                  hidden: int = 128):
    """Notebook 04's generator with conditional batch norm: per-label scale and shift after each normalisation."""
    import keras
    from keras import layers

    z, label = keras.Input((z_dim,), name="z"), keras.Input((), dtype="int32", name="label")

    def cbn(h):
        c, spatial = h.shape[-1], len(h.shape) == 4
        h = layers.BatchNormalization(center=False, scale=False)(h)
        gamma = layers.Embedding(n_classes, c, embeddings_initializer="ones")(label)
        beta = layers.Embedding(n_classes, c, embeddings_initializer="zeros")(label)
        if spatial:
            gamma, beta = layers.Reshape((1, 1, c))(gamma), layers.Reshape((1, 1, c))(beta)
        return layers.Add()([layers.Multiply()([h, gamma]), beta])

    h = layers.Concatenate()([z, layers.Embedding(n_classes, embed)(label)])
    h = layers.ReLU()(cbn(layers.Dense(hidden, use_bias=False)(h)))
    h = layers.ReLU()(cbn(layers.Dense(7 * 7 * 2 * width, use_bias=False)(h)))
    h = layers.Reshape((7, 7, 2 * width))(h)
    h = layers.ReLU()(cbn(layers.Conv2DTranspose(width, kernel, strides=2, padding="same", use_bias=False)(h)))
    out = layers.Conv2DTranspose(1, kernel, strides=2, padding="same", activation="tanh")(h)
    return keras.Model([z, label], out, name="cbn_generator")


def aux_discriminator():
    """Notebook 04's discriminator with a second output: 10 class logits from its hidden features (``aux``)."""
    import keras

    d = design("projection").discriminator.build()
    features = next(layer.output for layer in d.layers            # the hidden Dense(128) after batch norm and LeakyReLU
                    if isinstance(layer, keras.layers.LeakyReLU) and len(layer.output.shape) == 2)
    return keras.Model(d.inputs, [d.outputs[0], keras.layers.Dense(10, name="classes")(features)], name="aux_d")


def aux_step(generator, discriminator, g_opt, d_opt, ema, weight: float = 1.0):
    """One D update, then one G update, each with the auxiliary classifier's cross-entropy added (``aux``)."""
    import tensorflow as tf

    from helpers import train

    ce = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for opt, model in ((g_opt, generator), (d_opt, discriminator)):
        opt.build(model.trainable_variables)

    @tf.function(jit_compile=True)
    def step(real, z, y):
        with tf.GradientTape() as tape:
            real_logit, real_classes = discriminator([real, y], training=True)
            fake_logit, _ = discriminator([generator([z, y], training=True), y], training=True)
            d_loss = train.discriminator_loss(real_logit, fake_logit) + weight * ce(y, real_classes)
        d_opt.apply_gradients(zip(tape.gradient(d_loss, discriminator.trainable_variables), discriminator.trainable_variables))
        with tf.GradientTape() as tape:
            fake_logit, fake_classes = discriminator([generator([z, y], training=True), y], training=True)
            g_loss = train.generator_loss(fake_logit) + weight * ce(y, fake_classes)
        g_opt.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))
        train.update_average(ema, generator, g_opt.iterations, 0.999)
        return {"d_loss": d_loss, "g_loss": g_loss}

    return step


def run(name: str, seed: int, steps: int, core: int = 0, write: bool = True, decays: tuple[float, ...] = ()) -> float:
    """Train design ``name`` from ``seed`` for ``steps`` on one core; score at every quarter; return seconds per step.
    With ``decays``, score instead further weight averages of the same run, as designs ``name@decay``."""
    os.sched_setaffinity(0, {core})
    import helpers

    helpers.setup(seed=0, verbose=False)
    import keras
    import numpy as np
    import tensorflow as tf

    from helpers import metrics, train
    from helpers.data import as_tanh_batch, load_mnist

    keras.utils.set_random_seed(seed)
    d = design("projection" if name in ("aux", "cbn") else name)
    players = d.build()
    if name == "cbn":
        players = players._replace(generator=cbn_generator())
    if name == "aux":
        ema = train.ema_copy(players.generator)
        step = aux_step(players.generator, aux_discriminator(), players.g_opt, players.d_opt, ema)
    else:
        step = train.make_step(d, players)
        ema = step.ema
    more = {f"{name}@{decay}": (decay, train.ema_copy(players.generator)) for decay in decays}
    update_more = tf.function(lambda: [train.update_average(a, players.generator, players.g_opt.iterations, decay)
                                       for decay, a in more.values()])
    (x, y), _ = load_mnist()
    rng, noise = np.random.default_rng(seed), np.random.default_rng(seed + 100)
    z_eval, asked = np.random.default_rng(2).normal(size=(5000, d.z_dim)).astype("float32"), np.arange(5000) % 10
    spent = 0.0
    for s in range(1, steps + 1):
        i = np.sort(rng.integers(0, len(x), d.batch_size))
        real, z = as_tanh_batch(x[i][..., None]), noise.normal(size=(d.batch_size, d.z_dim)).astype("float32")
        t0 = time.perf_counter()
        out = step(real, z, y[i].astype("int32"))
        if s == 1:
            float(out["d_loss"])             # the first call compiles: not counted
        else:
            spent += time.perf_counter() - t0
        if more:
            update_more()
        if write and s % (steps // 4) == 0:
            for design_name, average in ({n: a for n, (_, a) in more.items()} or {name: ema}).items():
                samples = average.predict([z_eval, asked], batch_size=500, verbose=0)
                read = metrics.features_and_probabilities(samples)[1].argmax(axis=1)
                line = {"design": design_name, "seed": seed, "step": s, "of": steps,
                        "obedience": float(np.mean(read == asked)), "fcd": round(metrics.fcd(samples), 3),
                        "train_seconds": round(spent, 1)}
                with OUT.open("a") as f:
                    f.write(json.dumps(line) + "\n")
                print(line, flush=True)
    return spent / (steps - 1)


EQUAL_TIME = {"plain": 2100, "projection": 5000, "aux": 5000, "cbn": 4768}
"""Steps of the seed comparison: about 300 s of one core each (0.144 and 0.060 s per step for plain and projection,
from ``calibrate``). A step of ``aux`` measured 0.057 s beside one of ``projection`` on the other core, also 0.057 s;
one of ``cbn`` 0.0608 s beside 0.058 s, so it gets 5,000 x 0.058 / 0.0608 steps (rounded to a multiple of 4)."""


NOTEBOOK_BUDGET = {"projection": 14832, "cbn": 13500}
"""Steps that fit notebook 04's 540 s on two cores: 0.0364 s per step for ``projection`` and 0.0400 s for ``cbn``
(1,000 steps each, one process alone on the machine); the runs go side by side, one core each."""


def seeds_compared(budget: dict[str, int] = EQUAL_TIME,
                   pairs: tuple[tuple[str, str], ...] = (("projection", "plain"), ("aux", "projection"),
                                                         ("cbn", "projection"))) -> None:
    """The last mark of the runs of ``budget``'s steps, seed by seed, and each pair's difference with Welch's 95% interval."""
    import numpy as np

    from helpers.tricks import compare

    lines = [json.loads(line) for line in OUT.read_text().splitlines() if line.strip()]
    final = {name: sorted((r for r in lines if r.get("design") == name and r.get("of") == steps and r["step"] == steps),
                          key=lambda r: r["seed"]) for name, steps in budget.items()}
    print("| design | steps | seeds | obedience: each seed | mean ± sd | FCD: each seed | mean ± sd |\n"
          "|---|---|---|---|---|---|---|")
    for name, runs in final.items():
        ob, fcd = [100 * r["obedience"] for r in runs], [r["fcd"] for r in runs]
        print(f"| {name} | {budget[name]:,} | {len(runs)} | {', '.join(f'{v:.2f}%' for v in ob)} | "
              f"{np.mean(ob):.2f} ± {np.std(ob, ddof=1):.2f} | {', '.join(f'{v:.2f}' for v in fcd)} | "
              f"{np.mean(fcd):.2f} ± {np.std(fcd, ddof=1):.2f} |")
    for better, base in pairs:
        for metric, scale in (("obedience", 100), ("fcd", 1)):
            c = compare([scale * r[metric] for r in final[better]], [scale * r[metric] for r in final[base]])
            print(f"{better} - {base}, {metric}: {c['diff']:+.2f} "
                  f"(95% interval {c['diff_low']:+.2f} to {c['diff_high']:+.2f})")


def averages_compared(name: str = "projection", steps: int = 14832, base: float = 0.999, other: float = 0.9995) -> None:
    """Two weight averages of the same runs (``run ... CORE DECAY ...``), pair by pair at every quarter: the change in
    obedience and FCD from the ``base`` average, with the 95% interval of the mean paired difference."""

    from helpers.tricks import compare_pairs

    lines = [json.loads(line) for line in OUT.read_text().splitlines() if line.strip()]
    marks = {(r["design"], r["seed"], r["step"]): r for r in lines if r.get("of") == steps and "@" in r.get("design", "")}
    seeds = sorted({seed for (design, seed, _) in marks if design == f"{name}@{other}"})
    if not seeds:
        return
    print(f"{name}, {steps:,} steps, seeds {seeds}: average {other} against {base}, pair by pair (95% interval)")
    print("| step | obedience, each seed | change | FCD, each seed | change |\n|---|---|---|---|---|")
    for step in (steps * k // 4 for k in (1, 2, 3, 4)):
        pairs = [(marks[f"{name}@{other}", s, step], marks[f"{name}@{base}", s, step]) for s in seeds]
        cells = []
        for metric, scale, digits in (("obedience", 100, 2), ("fcd", 1, 2)):
            c = compare_pairs([scale * a[metric] for a, _ in pairs], [scale * b[metric] for _, b in pairs])
            cells += [", ".join(f"{scale * a[metric]:.{digits}f} / {scale * b[metric]:.{digits}f}" for a, b in pairs),
                      f"{c['diff']:+.2f} ({c['diff_low']:+.2f} to {c['diff_high']:+.2f})"]
        print(f"| {step:,} | " + " | ".join(cells) + " |")


def summary() -> None:
    """The stored marks, design by design."""
    lines = [json.loads(line) for line in OUT.read_text().splitlines() if line.strip()]
    for r in (r for r in lines if "calibration_steps" in r):
        print(f"{r['design']}: {r['seconds_per_step']:.4f} s per step on one core ({r['calibration_steps']} steps)")
    lines = [r for r in lines if "step" in r]
    print("| design | seed | step | obedience | FCD | training seconds (one core) |\n|---|---|---|---|---|---|")
    for r in sorted(lines, key=lambda r: (r["design"], r["seed"], r["step"])):
        print(f"| {r['design']} | {r['seed']} | {r['step']:,} of {r['of']:,} | {r['obedience']:.2%} | {r['fcd']:.2f} | "
              f"{r['train_seconds']:.0f}{' (core shared)' if r.get('core_shared') else ''} |")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parents[1]))
    command = sys.argv[1] if len(sys.argv) > 1 else "summary"
    if command == "calibrate":
        for name in ("plain", "hidden", "projection", "aux", "cbn"):
            line = {"design": name, "seed": 0, "calibration_steps": 300, "seconds_per_step": round(run(name, 0, 300, write=False), 4)}
            with OUT.open("a") as f:
                f.write(json.dumps(line) + "\n")
            print(line)
    elif command == "run":
        run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 0,
            decays=tuple(map(float, sys.argv[6:])))
    else:
        summary()
        print()
        seeds_compared()
        print("\nAt notebook 04's budget (540 s on two cores):")
        seeds_compared(NOTEBOOK_BUDGET, (("cbn", "projection"),))
        print()
        averages_compared()
