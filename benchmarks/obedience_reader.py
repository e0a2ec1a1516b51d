"""How obedient is notebook 04's shipped conditional generator, read by a stronger digit reader than the metric's?

    python benchmarks/obedience_reader.py 1      # on core 1 (default 0): about 19 minutes
    python benchmarks/obedience_reader.py all    # on every core

Obedience (notebook 04) is the share of samples that a digit reader reads as the digit asked for. The series'
reader (helpers.metrics, 99.16% on the MNIST test digits) itself misreads about 1 real digit in 120, so it
cannot tell a generator that obeys 99.5% of the time from one that obeys 99.2%. This script trains a larger
reader (four convolutions, batch norm, dropout, small random shifts of the training digits), then reads with both:
the 10,000 real test digits (each reader's ceiling: how often a real digit is read as its own label) and
10,000 samples of the shipped generator (1,000 asked of each digit, latents from N(0, I), seed 2). Results go
to benchmarks/results/obedience_reader.json with the sha256 of the generator read (re-run after shipping a new
one: a test compares it with helpers/weights/SHIPPED.json); the stronger reader is not shipped.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "results" / "obedience_reader.json"
EPOCHS = 8
SAMPLES = 10_000


def stronger_reader():
    """A reader with about 0.3 M weights: two blocks of two 3x3 convolutions with batch norm, then 256 units."""
    import keras
    from keras import layers

    x = inputs = keras.Input((28, 28, 1))
    x = layers.RandomTranslation(0.08, 0.08, fill_mode="constant", fill_value=-1.0)(x)
    for width in (32, 64):
        for _ in range(2):
            x = layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
            x = layers.ReLU()(layers.BatchNormalization()(x))
        x = layers.MaxPooling2D()(x)
    x = layers.Dropout(0.3)(layers.Flatten()(x))
    x = layers.Dropout(0.3)(layers.Dense(256, activation="relu")(x))
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


def main() -> None:
    core = sys.argv[1] if len(sys.argv) > 1 else "0"
    if core != "all":
        os.sched_setaffinity(0, {int(core)})
    sys.path.insert(0, str(Path(__file__).parents[1]))
    import helpers

    helpers.setup(seed=0, verbose=False)
    import keras
    import numpy as np

    from helpers import metrics
    from helpers.config import WEIGHTS_DIR
    from helpers.data import load_mnist
    from helpers.runs import sha256_of

    (x_train, y_train), (x_test, y_test) = load_mnist()
    reader = stronger_reader()
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, EPOCHS * (len(x_train) // 128))
    reader.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])
    start = time.perf_counter()
    reader.fit(metrics.as_tanh_images(x_train), y_train, epochs=EPOCHS, batch_size=128, verbose=2)
    seconds = time.perf_counter() - start

    generator = keras.models.load_model(WEIGHTS_DIR / "cgan_generator.keras")
    asked = np.arange(SAMPLES) % 10
    z = np.random.default_rng(2).normal(size=(SAMPLES, generator.input_shape[0][1])).astype("float32")
    samples = generator.predict([z, asked], batch_size=500, verbose=0)
    reads = {
        "the metric's reader (helpers.metrics)": lambda x: metrics.features_and_probabilities(x)[1].argmax(axis=1),
        "the stronger reader": lambda x: reader.predict(metrics.as_tanh_images(x), batch_size=500,
                                                        verbose=0).argmax(axis=1),
    }
    result = {"epochs": EPOCHS, "training_seconds": round(seconds), "cores": core, "samples": SAMPLES,
              "generator_sha256": sha256_of(WEIGHTS_DIR / "cgan_generator.keras"), "readers": {}}
    for name, read in reads.items():
        real = float(np.mean(read(x_test) == y_test))
        obeyed = float(np.mean(read(samples) == asked))
        result["readers"][name] = {"real_test_digits_read_right": real, "cgan_obedience": obeyed}
        print(f"{name:38s} real test digits read right {real:.2%}; shipped cgan obedience {obeyed:.2%}")
    OUT.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
