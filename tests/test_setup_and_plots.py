"""The setup call every notebook makes first, and the shared plots."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

import helpers
from helpers import plots


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("", False), ("0", False)])
def test_fast_mode_flag_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(helpers.FAST_ENV, value)
    assert helpers.fast_mode() is expected


def test_unclear_fast_mode_value_says_what_to_do(monkeypatch):
    monkeypatch.setenv(helpers.FAST_ENV, "maybe")
    with pytest.raises(ValueError, match="set it to 1"):
        helpers.fast_mode()


def test_setup_seeds_everything_and_prints_one_line(monkeypatch, capsys):
    import keras
    monkeypatch.setenv(helpers.FAST_ENV, "1")
    assert helpers.setup(seed=3) is True
    first = (np.random.rand(), keras.random.normal((2,)).numpy().tolist())
    helpers.setup(seed=3)
    second = (np.random.rand(), keras.random.normal((2,)).numpy().tolist())
    assert first == second
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "TensorFlow" in lines[0] and "FAST" in lines[0]
    assert matplotlib.rcParams["image.cmap"] == "gray"


def test_image_grid_accepts_uint8_and_tanh_images():
    uint8 = np.random.default_rng(0).integers(0, 256, (16, 28, 28), dtype=np.uint8)
    tanh = uint8[..., None].astype(np.float32) / 127.5 - 1
    np.testing.assert_allclose(plots.to_display(uint8), plots.to_display(tanh), atol=1e-2)
    fig = plots.image_grid(tanh, title="sixteen")
    assert len([ax for ax in fig.axes if ax.images]) == 16
    fig = plots.image_grid(uint8[:10], ncols=5, titles=list("0123456789"))
    assert len(fig.axes) == 10


def test_image_grid_rejects_a_wrong_shape_with_advice():
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        plots.image_grid(np.zeros((2, 28, 28, 3)))


def test_loss_curves_draws_one_line_per_series():
    fig = plots.loss_curves({"d_loss": [1, 0.8, 0.7], "g_loss": [0.5, 0.9, 1.1]}, window=2, hline=0.5)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()][:2] == ["d_loss", "g_loss"]
    np.testing.assert_allclose(plots.smooth([1, 3, 5], 2), [1, 2, 4])
    with pytest.raises(ValueError, match="at least one"):
        plots.loss_curves({})
