"""Latent sliders: the pure functions beneath, and the widget driven headlessly."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import widgets


@pytest.fixture(scope="module")
def generator():
    import keras
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(28 * 28, activation="tanh"),
                             keras.layers.Reshape((28, 28, 1))], name="tiny_generator")


def test_decode_gives_images_in_unit_range(generator):
    z = np.random.default_rng(0).normal(size=(3, 8))
    images = widgets.decode(generator, z)
    assert images.shape == (3, 28, 28) and 0 <= images.min() and images.max() <= 1
    assert widgets.decode(generator, z[0]).shape == (28, 28)


def test_wrong_latent_size_is_explained(generator):
    with pytest.raises(ValueError, match="latent vectors of size 8"):
        widgets.decode(generator, np.zeros(100))


def test_a_model_that_is_not_a_generator_is_explained():
    import keras
    disc = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="discriminator"):
        widgets.latent_dim(disc)
    with pytest.raises(TypeError, match="Keras generator"):
        widgets.latent_dim(lambda z: z)


def test_interpolations_start_and_end_at_the_latents():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=16), rng.normal(size=16)
    for mix in (widgets.lerp, widgets.slerp):
        np.testing.assert_allclose(mix(a, b, 0.0), a, atol=1e-9)
        np.testing.assert_allclose(mix(a, b, 1.0), b, atol=1e-9)
    mid_l, mid_s = widgets.lerp(a, b, 0.5), widgets.slerp(a, b, 0.5)
    assert np.linalg.norm(mid_s) > np.linalg.norm(mid_l)  # slerp keeps to the shell, lerp cuts inside


def test_moving_a_slider_changes_the_image(generator):
    explorer = widgets.LatentExplorer(generator, n_sliders=4)
    before = explorer.image.value
    explorer.sliders[0].value = 2.5 if explorer.sliders[0].value < 0 else -2.5
    assert explorer.z[0] == explorer.sliders[0].value
    assert explorer.image.value != before


def test_interpolation_slider_and_new_random_change_the_image(generator):
    explorer = widgets.LatentExplorer(generator, n_sliders=4)
    start = explorer.image.value
    explorer.t.value = 1.0
    np.testing.assert_allclose(explorer.current(), explorer.z_end, atol=1e-9)
    assert explorer.image.value != start
    shown = explorer.image.value
    explorer.button.click()
    assert explorer.image.value != shown


def test_a_conditional_generator_draws_the_chosen_digit_and_asks_for_one():
    import keras
    from helpers import layers
    keras.utils.set_random_seed(0)
    gen = layers.cgan_generator(z_dim=8, width=4)
    z = np.random.default_rng(0).normal(size=8)
    with pytest.raises(ValueError, match="conditional"):
        widgets.decode(gen, z)
    assert not np.allclose(widgets.decode(gen, z, 1), widgets.decode(gen, z, 7))
    explorer = widgets.LatentExplorer(gen, n_sliders=3)
    before = explorer.image.value
    explorer.digit.value = 5
    assert explorer.image.value != before and explorer.digit in explorer.widget.children[1].children
