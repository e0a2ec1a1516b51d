"""Retrain the classifier behind helpers.metrics and save it to helpers/weights/mnist_classifier.keras.

    python scripts/train_classifier.py            # about 3 minutes on 2 CPU cores

Prints the test accuracy and the metric's reference values (real digits, noise, one digit repeated).
"""

from __future__ import annotations

import time

import helpers

helpers.setup(seed=0)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from helpers import metrics  # noqa: E402
from helpers.data import load_mnist  # noqa: E402

EPOCHS = 6
BATCH = 128


def main() -> None:
    (x_train, y_train), (x_test, y_test) = load_mnist()
    model = metrics.build_classifier()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.time()
    model.fit(metrics.as_tanh_images(x_train), y_train, epochs=EPOCHS, batch_size=BATCH, verbose=2,
              validation_split=0.0)
    _, accuracy = model.evaluate(metrics.as_tanh_images(x_test), y_test, verbose=0)
    print(f"trained in {time.time() - start:.0f} s; test accuracy {accuracy:.4f}; {model.count_params()} parameters")
    if accuracy < 0.99:
        raise SystemExit("test accuracy below 0.99: not saved")
    metrics.CLASSIFIER_PATH.parent.mkdir(parents=True, exist_ok=True)
    shipped = metrics.build_classifier()  # uncompiled: no optimizer state in the file, half the size
    shipped.set_weights(model.get_weights())
    shipped.save(metrics.CLASSIFIER_PATH)
    print(f"saved {metrics.CLASSIFIER_PATH} ({metrics.CLASSIFIER_PATH.stat().st_size / 1e6:.2f} MB)")

    metrics.load_classifier.cache_clear()
    rng = np.random.default_rng(0)
    references = {
        "10,000 real train digits vs test": x_train[:10000],
        "10,000 uniform-noise images": rng.integers(0, 256, (10000, 28, 28), dtype=np.uint8),
        "one train digit repeated 10,000 times": np.repeat(x_train[:1], 10000, axis=0),
    }
    for name, images in references.items():
        print(f"{name:40s} {metrics.summary(metrics.evaluate(images))}")


if __name__ == "__main__":
    main()
