"""The shipped pretrained generators load as the series promises and still draw digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import helpers  # noqa: F401  (the promise: load_model works after `import helpers`)
from helpers import metrics

WEIGHTS = Path(helpers.__file__).parent / "weights"
# name: (largest file size, highest FCD on 2,000 samples); the shipped files score 5.8 and 1.7
GENERATORS = {"dense_generator.keras": (2_000_000, 10.0), "dcgan_generator.keras": (4_000_000, 5.0)}


@pytest.mark.parametrize("name, limits", sorted(GENERATORS.items()))
def test_shipped_generator_loads_and_draws_all_ten_digits(name, limits):
    max_bytes, max_fcd = limits
    import keras
    path = WEIGHTS / name
    assert path.exists(), f"{name} is missing: run its notebook in full mode to regenerate it"
    assert path.stat().st_size <= max_bytes
    gen = keras.models.load_model(path)
    assert gen.input_shape[1:] == (100,) and gen.output_shape[1:] == (28, 28, 1)
    z = np.random.default_rng(0).normal(size=(2000, 100)).astype("float32")
    images = gen(z, training=False).numpy()
    assert -1 <= images.min() and images.max() <= 1
    scores = metrics.evaluate(images)
    assert scores["classes_covered"] == 10 and scores["fcd"] < max_fcd


def test_shipped_dcgan_pair_fits_5_mb_and_its_discriminator_prefers_real_digits_to_forgeries_and_noise():
    import keras
    from helpers.data import mnist_images
    g_path, d_path = WEIGHTS / "dcgan_generator.keras", WEIGHTS / "dcgan_discriminator.keras"
    assert g_path.stat().st_size + d_path.stat().st_size <= 5_000_000
    gen, disc = keras.models.load_model(g_path), keras.models.load_model(d_path)
    assert disc.input_shape[1:] == (28, 28, 1) and disc.output_shape[1:] == (1,)
    real = mnist_images(limit=500, split="test")
    fakes = gen(np.random.default_rng(0).normal(size=(500, 100)).astype("float32"), training=False)
    noise = np.random.default_rng(1).uniform(-1, 1, (500, 28, 28, 1)).astype("float32")
    score = lambda x: float(np.median(disc(x, training=False).numpy()))  # noqa: E731
    assert score(real) > score(fakes) and score(real) > score(noise)  # (blends it scores high: notebook 06)


def test_shipped_conditional_generator_draws_the_digit_it_is_asked_for():
    import keras
    gen = keras.models.load_model(WEIGHTS / "cgan_generator.keras")
    assert [tuple(i.shape) for i in gen.inputs] == [(None, 100), (None,)] and gen.output_shape[1:] == (28, 28, 1)
    z = np.random.default_rng(0).normal(size=(1000, 100)).astype("float32")
    asked = np.arange(1000) % 10
    images = gen([z, asked], training=False).numpy()
    _, probs = metrics.features_and_probabilities(images)
    assert np.mean(probs.argmax(axis=1) == asked) >= 0.98     # the shipped generator: 0.991


@pytest.mark.parametrize("name, shape, data", [("fashion_generator.keras", (28, 28, 1), "fashion"),
                                               ("patches_generator.keras", (32, 32, 3), "patches")])
def test_notebook_07s_shipped_generators_draw_near_their_data(name, shape, data, tmp_path):
    """Fashion-MNIST's generator and the folder-of-patches generator score far below their untrained twins."""
    import keras
    from helpers import images, layers
    from helpers.data import load_fashion_mnist

    path = WEIGHTS / name
    assert path.exists(), f"{name} is missing: run notebook 07 in full mode to regenerate it"
    assert path.stat().st_size <= 5_000_000
    gen = keras.models.load_model(path)
    assert gen.input_shape[1:] == (100,) and gen.output_shape[1:] == shape
    if data == "fashion":
        real = load_fashion_mnist(verbose=False)[1][0][:1000, ..., None]
    else:
        real = images.load_folder(images.write_patches(tmp_path / "patches", n=1000), size=32, verbose=False)
    z = np.random.default_rng(0).normal(size=(1000, 100)).astype("float32")
    untrained = layers.DCGAN.for_images(shape).generator.build()
    trained_fd = metrics.patch_fd(real, gen.predict(z, batch_size=250, verbose=0))
    untrained_fd = metrics.patch_fd(real, untrained.predict(z, batch_size=250, verbose=0))
    assert trained_fd < untrained_fd / 20
