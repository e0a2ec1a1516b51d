"""Notebook 04 (a conditional GAN): its diagram of how the label enters both networks, what its cells must show
(the networks and the step written out and checked against the packaged ones), and its exercise's toy case."""

from __future__ import annotations

import io
from itertools import combinations
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import notebook_text  # noqa: E402
from helpers import diagrams, layers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_conditional_gan.ipynb"


# ---------------------------------------------------------------- the diagram

@pytest.fixture(scope="module")
def wiring():
    fig = diagrams.label_wiring()
    fig.canvas.draw()
    yield fig
    plt.close(fig)


def test_label_wiring_is_a_small_figure_that_renders(wiring):
    assert isinstance(wiring, Figure)
    width, height = wiring.get_size_inches()
    assert width <= 10 and height <= 5.5, "small enough to read at the notebook's width without scrolling"
    buffer = io.BytesIO()
    wiring.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_label_wiring_says_how_the_label_enters_each_network(wiring):
    text = " ".join(t.get_text() for t in wiring.findobj(matplotlib.text.Text))
    for words in ("Generator G", "Discriminator D", "Embedding", "z ~ N(0, I)", "concatenate", "28×28 plane",
                  "stack as channels", "28×28×2", "one logit"):
        assert words in text, words
    embed, width = layers.CGAN.generator.embed, layers.CGAN.discriminator.width
    assert f"10 × {embed} table" in text and "10 × 784 table" in text          # the design's sizes
    assert f"100 + {embed} = {100 + embed}" in text and f"7×7×{2 * width}" in text


def test_label_wiring_boxes_do_not_overlap_and_stay_inside(wiring):
    renderer = wiring.canvas.get_renderer()
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in wiring.findobj(matplotlib.text.Text)
             if t.get_bbox_patch() is not None]
    assert len(boxes) >= 12
    for a, b in combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    frame = wiring.bbox
    texts = [t.get_window_extent(renderer) for t in wiring.findobj(matplotlib.text.Text) if t.get_text()]
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes + texts)


# ---------------------------------------------------------------- what the notebook shows

def test_the_networks_and_the_step_are_written_out_and_checked_against_the_packaged_ones():
    code = "\n".join(notebook_text.cells(NOTEBOOK, "code"))
    for definition in ("def build_generator(", "def build_discriminator(", "def make_cgan_step("):
        assert definition in code
    assert "Embedding(" in code and "Concatenate()" in code and "tf.GradientTape()" in code
    assert "assert_same_network(generator, G.build()" in code
    assert "assert_same_network(discriminator, D.build()" in code
    assert "assert np.allclose(written_out, packaged" in code
    assert "train.make_step(DESIGN, players)" in code and "labels=labels" in code
    assert "getsource" not in code and "inspect" not in code, "no cell prints a helper's source"
    assert "peak_memory" not in code


def test_the_diagram_is_shown_where_the_conditional_networks_are_introduced():
    first = notebook_text.Notebook(NOTEBOOK).first
    diagram, generator = first(r"diagrams\.label_wiring\(\)"), first(r"def build_generator\(")
    section = first(r"(?m)^## Giving the networks the label", "markdown")
    assert section < diagram < generator


# ---------------------------------------------------------------- the exercise (its verdicts: tests/test_exercises.py)

def test_the_toy_case_is_obvious_and_deterministic():
    import numpy as np

    from exercises import ch04

    y = np.arange(10)
    a, b = ch04.toy_images(y, np.random.default_rng(0)), ch04.toy_images(y, np.random.default_rng(0))
    assert np.array_equal(a, b) and a.shape == (10, 28, 28, 1) and a.min() >= -1 and a.max() <= 1
    squares = (a[..., 0] == 1.0).reshape(10, -1)
    assert all((squares[i] != squares[j]).any() for i, j in combinations(range(10), 2))   # ten different places
