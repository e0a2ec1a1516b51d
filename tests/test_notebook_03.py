"""Notebook 03 (a DCGAN) and its appendix A1 (training in practice): the stamp diagram, and what their cells show."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from exercises.ch03 import transpose_overlaps  # noqa: E402
import notebook_text  # noqa: E402
from helpers import diagrams  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTER, APPENDIX = NOTEBOOKS / "03_dcgan.ipynb", NOTEBOOKS / "A1_training_in_practice.ipynb"


def counts_drawn(ax) -> list[int]:
    """The copy counts written in a panel's bottom row, left to right."""
    texts = sorted((t for t in ax.texts if t.get_gid() == "count"), key=lambda t: t.get_position()[0])
    return [int(t.get_text()) for t in texts]


def test_the_stamp_diagram_sets_kernel_3_beside_kernel_4_and_counts_the_overlaps():
    fig = diagrams.transposed_conv_stamp()
    try:
        panels = [ax for ax in fig.axes if ax.get_title()]
        assert [ax.get_title().split(":")[0] for ax in panels] == ["kernel 3, stride 2", "kernel 4, stride 2"]
        three, four = (counts_drawn(ax) for ax in panels)
        assert three == transpose_overlaps(5, 3, 2).tolist() == [1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1]
        assert four == transpose_overlaps(5, 4, 2).tolist()
        assert set(four[2:-2]) == {2}                                   # even inside: no checkerboard
        assert "alternate" in panels[0].get_title() and "every inner output gets 2" in panels[1].get_title()
        assert len([p for p in panels[0].patches]) == 5 + 5 * 3 + 11   # inputs, stamped copies, counts
    finally:
        plt.close(fig)


@pytest.mark.parametrize("kernels, n, stride", [((2, 3, 6), 4, 3), ((1,), 3, 2)])
def test_the_stamp_diagram_draws_other_kernels_and_strides(kernels, n, stride):
    fig = diagrams.transposed_conv_stamp(kernels, n_inputs=n, stride=stride)
    try:
        panels = [ax for ax in fig.axes if ax.get_title()]
        assert len(panels) == len(kernels)
        for ax, k in zip(panels, kernels):
            assert counts_drawn(ax) == transpose_overlaps(n, k, stride).tolist()
    finally:
        plt.close(fig)


def test_the_chapter_writes_its_networks_and_points_to_the_appendix():
    code = "\n".join(notebook_text.cells(CHAPTER, "code"))
    assert "def build_generator(" in code and "def build_discriminator(" in code
    assert "diagrams.transposed_conv_stamp()" in code
    text = "\n".join(notebook_text.cells(CHAPTER, "markdown"))
    assert "A1_training_in_practice.ipynb" in text
    assert "when k ≥ s" in text                                   # the 'valid' width, with its condition


def test_the_appendix_opens_like_a_chapter():
    nb = notebook_text.load(APPENDIX)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "FAST = helpers.setup(seed=0)" in "".join(code[0]["source"])
    assert "parameters" in code[1]["metadata"].get("tags", [])
    assert "**What you will learn**" in "".join(nb["cells"][0]["source"])
    headings = [line for text in notebook_text.cells(APPENDIX, "markdown") for line in text.split("\n") if line.startswith("## ")]
    assert headings == ["## Resuming after an interrupt", "## XLA: compiling the step", "## The weight average",
                        "## Several GPUs", "## int8 weights", "## Memory", "## Summary"]


def test_the_weight_average_warm_up_reaches_its_decay_where_the_appendix_says():
    t = np.arange(1, 20_001)
    decay = np.minimum(0.999, (1 + t) / (10 + t))
    assert int(t[decay >= 0.999][0]) == 8_990
    assert np.allclose(1 / (1 - decay[t < 8_990]), (10 + t[t < 8_990]) / 9)
