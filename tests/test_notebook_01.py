"""Notebook 01's own code outside the notebook: the diagram of the game, and the toy GAN step it writes out."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from helpers import diagrams, toy


def _texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.fixture
def wiring():
    import matplotlib.pyplot as plt

    fig = diagrams.gan_wiring()
    yield fig
    plt.close(fig)


def test_gan_wiring_draws_a_figure_with_the_players_samples_and_losses(wiring):
    fig = wiring
    assert isinstance(fig, Figure)
    FigureCanvasAgg(fig).draw()  # draws without error
    labels = " | ".join(t.get_text() for t in _texts(fig))
    for expected in ("noise z", "G", "generator", "fake sample", "G(z)", "real sample", "x ~ p_data",
                     "D", "discriminator", "D(x)", "D maximizes V", "G minimizes V", "−log D(G(z))",
                     "updates D", "updates G"):
        assert expected in labels, f"{expected!r} missing from the diagram's labels: {labels}"
    assert len(fig.axes[0].patches) >= 6  # a box for noise, G, fake, real, D and D's output


def test_gan_wiring_is_readable_at_the_notebook_width(wiring):
    fig = wiring
    width, height = fig.get_size_inches()
    assert width <= 8 and height <= 4, "the diagram must fit the notebook's width without shrinking"
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = _texts(fig)
    assert min(t.get_fontsize() for t in texts) >= 9
    boxes = [t.get_window_extent(renderer) for t in texts]
    page = fig.bbox
    for t, b in zip(texts, boxes):
        assert page.x0 <= b.x0 and b.x1 <= page.x1 and page.y0 <= b.y0 and b.y1 <= page.y1, t.get_text()
    for (ta, a), (tb, b) in itertools.combinations(zip(texts, boxes), 2):
        assert not a.overlaps(b), f"{ta.get_text()!r} overlaps {tb.get_text()!r}"


@pytest.mark.parametrize("loss", ["non-saturating", "saturating"])
def test_the_toy_step_returns_the_losses_of_the_networks_it_was_given(loss):
    """toy.make_gan_step (written out in notebook 01): D's BCE and G's loss, computed before the update, then both move."""
    import keras

    keras.utils.set_random_seed(0)
    gen, disc = toy.mlp(1, 1, 8, 1, "generator"), toy.mlp(1, 1, 8, 1, "discriminator")
    rng = np.random.default_rng(0)
    real, z = toy.DATA_1D.sample(32, rng), rng.normal(size=(32, 1)).astype("float32")
    d_real = 1 / (1 + np.exp(-np.asarray(disc(real), np.float64)))
    d_fake = 1 / (1 + np.exp(-np.asarray(disc(gen(z)), np.float64)))
    before = [w.copy() for w in gen.get_weights() + disc.get_weights()]
    step = toy.make_gan_step(gen, disc, keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), loss=loss)
    out = step(real, z)
    assert list(out) == ["d_loss", "g_loss", "d_real", "d_fake"]   # the series' step contract: named numbers
    d_loss, g_loss, mean_real, mean_fake = (float(v) for v in out.values())
    assert d_loss == pytest.approx(-np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake)), rel=1e-5)
    expected_g = -np.mean(np.log(d_fake)) if loss == "non-saturating" else np.mean(np.log(1 - d_fake))
    assert g_loss == pytest.approx(expected_g, rel=1e-5)
    assert (mean_real, mean_fake) == pytest.approx((d_real.mean(), d_fake.mean()), rel=1e-5)
    after = gen.get_weights() + disc.get_weights()
    assert all(not np.allclose(a, b) for a, b in zip(before, after) if a.ndim == 2)  # both players moved
