"""Search notebook 03's DCGAN design at a fixed number of steps: quality per step, whatever else the machine runs.

    python benchmarks/dcgan_search.py 6000 "" "lr=6e-4" "G=dict(width=32), D=dict(width=32)" "decay=True"

Each argument after the step count is one candidate: changes to helpers.layers.DCGAN written as keyword
arguments (G=dict(...) and D=dict(...) for the builders; lr, beta_1, beta_2, batch_size, real_label; ema for
the weight average's decay (0.999 unless given); decay=True for a learning rate falling linearly to 0 over the second half;
sim=True for simultaneous G and D updates from one forward pass). Prints FCD, classes and confidence of the
weight-averaged generator at half and all of the steps, and the images/second it saw (only comparable
between runs that had the machine to themselves).
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

import helpers

helpers.setup(seed=0, verbose=False)

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from helpers import layers, metrics, train  # noqa: E402
from helpers.data import as_tanh_batch, mnist_images  # noqa: E402


def simultaneous_step(g, d, g_opt, d_opt, ema, decay: float, real_label: float = 1.0):
    """One forward pass of G, both players' gradients from it, both updates (as the TensorFlow tutorial does)."""
    @tf.function(jit_compile=True)
    def step(real, z):
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake_logit, real_logit = d(g(z, training=True), training=True), d(real, training=True)
            d_loss = train.discriminator_loss(real_logit, fake_logit, real_label)
            g_loss = train.generator_loss(fake_logit)
        g_opt.apply_gradients(zip(g_tape.gradient(g_loss, g.trainable_variables), g.trainable_variables))
        d_opt.apply_gradients(zip(d_tape.gradient(d_loss, d.trainable_variables), d.trainable_variables))
        train.update_average(ema, g, g_opt.iterations, decay)
        return d_loss
    return step


def candidate(spec: str, images: np.ndarray, steps: int) -> None:
    """Train one candidate for ``steps`` steps; print its scores at half and all of them."""
    o = eval(f"dict({spec})")  # a command-line argument of the person running the search
    base = layers.DCGAN
    adam = replace(base.adam, **{k: o[k] for k in ("lr", "beta_1", "beta_2") if k in o})
    design = base.replace(generator=replace(base.generator, **o.get("G", {})),
                          discriminator=replace(base.discriminator, **o.get("D", {})), adam=adam,
                          **{k: o[k] for k in ("batch_size", "real_label") if k in o})
    keras.utils.set_random_seed(0)
    g, d, g_opt, d_opt = design.build()
    ema, decay = train.ema_copy(g), o.get("ema", 0.999)
    step = (simultaneous_step(g, d, g_opt, d_opt, ema, decay, design.real_label) if o.get("sim") else
            train.make_train_step(g, d, g_opt, d_opt, real_label=design.real_label, jit_compile=True, ema=ema,
                                  ema_decay=decay))
    z = np.random.default_rng(1).normal(size=(5000, g.input_shape[1])).astype("float32")
    rng, noise, batch, spent = np.random.default_rng(0), tf.random.Generator.from_seed(0), design.batch_size, 0.0
    for s in range(1, steps + 1):
        if o.get("decay") and s > steps // 2:
            for opt in (g_opt, d_opt):
                opt.learning_rate.assign(design.adam.lr * (steps - s + 1) / (steps - steps // 2))
        real = as_tanh_batch(images[np.sort(rng.integers(0, len(images), batch))])
        t0 = time.perf_counter()
        step(real, noise.normal((batch, g.input_shape[1])))
        spent += time.perf_counter() - t0
        if s in (steps // 2, steps):
            scores = metrics.evaluate(ema.predict(z, batch_size=500, verbose=0))
            print(f"{spec or 'DCGAN as shipped':40s} {s:6d} steps {spent / 60:5.2f} min {s * batch / spent:6.0f} img/s"
                  f" | {metrics.summary(scores)}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    data = mnist_images(uint8=True)
    for spec in sys.argv[2:]:
        candidate(spec, data, int(sys.argv[1]))
