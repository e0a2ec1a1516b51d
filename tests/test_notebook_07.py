"""Notebook 07 (your own images): its words, its parameters, and its own code (run on a folder of awkward
files, as a student's folder would be). Its exercises' verdicts: tests/test_exercises.py."""

from __future__ import annotations

import types
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image, ImageFilter

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import notebook_text  # noqa: E402
from helpers import images, layers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "07_your_own_images.ipynb"

NB = notebook_text.Notebook(NOTEBOOK)


# ---------------------------------------------------------------- the text

def test_the_opening_says_which_parameter_to_change_and_why_this_measure():
    opening = NB.main_path()[0]
    assert "`IMAGE_FOLDER`" in opening and "**patch FD**" in opening and "**floor**" in opening
    text = "\n".join(NB.main_path())
    assert "classifier" in text and "labels" in text and "Inception" in text      # why not FCD or FID


def test_the_fashion_design_is_named_not_restated():
    """layers.FASHION may change with the benchmarks: the prose names it, a cell prints it."""
    text = "\n".join(NB.main_path())
    assert "`layers.FASHION`" in text and "benchmarks/README.md" in text
    assert "print(FASHION_DESIGN.generator" in NB.code_cell("FASHION_DESIGN.build()")


def test_sections_in_order():
    headings = [line for text in NB.cells("markdown") for line in text.split("\n") if line.startswith("## ")]
    assert headings == ["## The idea in one formula", "## 1 · From files to a training set",
                        "## 2 · The DCGAN for any size and colour", "## 3 · A quality measure without labels",
                        "## 4 · Training on the folder", "## 5 · Fashion-MNIST: clothes instead of digits",
                        "## 6 · Shipping the generators", "## 7 · Your own folder", "## Summary", "## Exercises"]


# ---------------------------------------------------------------- parameters

def _parameters(fast: bool) -> dict:
    return NB.parameters(fast, Path=Path, layers=layers, tempfile=__import__("tempfile"),
                         cache_dir=lambda: Path("cache"),
                         runs=types.SimpleNamespace(run_dir=lambda name: Path("runs") / name))


def test_one_parameter_chooses_the_folder_and_fast_mode_is_small():
    fast, full = _parameters(True), _parameters(False)
    assert fast["IMAGE_FOLDER"] is None and full["IMAGE_FOLDER"] is None
    assert full["IMAGE_SIZE"] == 32 and full["COLOUR"] is None and full["FIT"] == "crop"
    assert fast["N_PATCHES"] < full["N_PATCHES"] and fast["N_FASHION"] < 60_000 and full["N_FASHION"] is None
    assert full["FOLDER_BUDGET_S"] + full["FASHION_BUDGET_S"] <= 420       # the whole notebook within 10 minutes
    assert fast["FOLDER_BUDGET_S"] <= 30 and fast["FASHION_BUDGET_S"] <= 30 and fast["EPOCHS"] <= 2
    assert full["RUN"] == Path("runs") / "07_your_own_images"
    assert full["PATCH_FOLDER"] == Path("cache") / "patches"                 # outside the repository
    assert full["FOLDER_DESIGN"] is layers.OWN_IMAGES and full["FASHION_DESIGN"] is layers.FASHION
    assert full["PRETRAINED_FOLDER"].name == "patches_generator.keras"
    assert full["PRETRAINED_FASHION"].name == "fashion_generator.keras"


def test_a_full_training_run_saves_what_it_trained_in_its_own_run_folder():
    cell = NB.code_cell("save_trained(")
    assert "if not FAST and trained:" in cell and "RUN / name" in cell and "WEIGHTS" not in cell
    assert "f\"{folder.name}_generator.keras\"" in cell     # a student's folder gives a generator of its own name


# ---------------------------------------------------------------- the notebook's own code

def _square_array():
    return NB.function(NB.code_cell("def square_array("), "square_array", {"np": np, "Image": Image})


@pytest.mark.parametrize("size", [(33, 20), (20, 33), (40, 37), (17, 17), (1, 9)])
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_the_preparation_written_out_is_the_packaged_one(size, mode):
    rng = np.random.default_rng(sum(size))
    channels = (3,) if mode == "RGB" else ()
    img = Image.fromarray(rng.integers(0, 256, size[::-1] + channels, dtype=np.uint8), mode)
    square_array = _square_array()
    for fit in ("crop", "pad"):
        for colour in (True, False):
            assert np.array_equal(square_array(img, 8, colour, fit), images.prepare(img, 8, colour, fit))


def test_the_networks_written_out_build_the_packaged_design_for_other_shapes():
    import keras

    source = NB.code_cell("def build_generator(")
    namespace = {"keras": keras, **{name: getattr(keras.layers, name) for name in
                                   ("BatchNormalization", "Conv2D", "Conv2DTranspose", "Dense", "Flatten",
                                    "LeakyReLU", "ReLU", "Reshape")}}
    build_generator = NB.function(source, "build_generator", namespace)
    build_discriminator = NB.function(source, "build_discriminator", namespace)
    for shape in [(16, 16, 1), (24, 24, 3)]:
        design = layers.OWN_IMAGES.for_images(shape)
        g = build_generator(shape, design.z_dim, design.generator.width, design.generator.hidden)
        d = build_discriminator(shape, design.discriminator.width, design.discriminator.hidden)
        assert g.output_shape[1:] == shape and d.output_shape[1:] == (1,)
        assert g.count_params() == design.generator.build().count_params()
        assert d.count_params() == design.discriminator.build().count_params()


def test_the_nearest_neighbours_are_the_brute_force_ones():
    namespace = {"np": np}
    source = NB.code_cell("def nearest(")
    NB.function(source, "flat", namespace)
    nearest = NB.function(source, "nearest", namespace)
    rng = np.random.default_rng(0)
    pool = rng.integers(0, 256, (40, 4, 4, 3), dtype=np.uint8)
    queries = rng.uniform(-1, 1, (5, 4, 4, 3)).astype("float32")
    p = (pool.reshape(40, -1).astype("float64") - 127.5) / 127.5
    d = np.linalg.norm(queries.reshape(5, 1, -1) - p[None], axis=2)
    idx, dist = nearest(queries, pool)
    assert idx.tolist() == d.argmin(1).tolist() and np.allclose(dist, d.min(1), atol=1e-3)
    idx, dist = nearest(pool[:6], pool, skip_self=True)                  # never the image itself
    assert all(i != j for j, i in enumerate(idx)) and (dist > 0).all()


def test_the_blur_keeps_shape_and_dtype_and_smooths():
    blur = NB.function(NB.code_cell("def blur("), "blur", {"np": np, "Image": Image, "ImageFilter": ImageFilter})
    for shape in [(3, 16, 16, 1), (3, 16, 16, 3)]:
        x = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
        y = blur(x)
        assert y.shape == x.shape and y.dtype == np.uint8 and y.std() < x.std()


def test_the_speed_leaves_out_the_first_epoch_which_compiles():
    speed = NB.function(NB.code_cell("def speed("), "speed", {})

    class History(dict):
        steps, seconds = 30, 40.0
    history = History(epoch_time_s=[20.0, 30.0, 40.0])               # 10 steps per epoch: the first one slow
    assert speed(history, 640, 64) == pytest.approx(20 * 64 / 20.0)


@pytest.fixture
def awkward_folder(tmp_path):
    """What a student's folder holds: colour and grey, transparency, a palette, 16 bits, odd sizes, a subfolder,
    a broken file and a text file."""
    rng = np.random.default_rng(7)
    (tmp_path / "more").mkdir()
    for i in range(6):
        Image.fromarray(rng.integers(0, 255, (40 + 7 * i, 61 - 3 * i, 3), dtype=np.uint8)).save(tmp_path / f"c{i}.png")
    Image.fromarray(rng.integers(0, 255, (50, 30), dtype=np.uint8)).save(tmp_path / "grey.jpg")
    Image.fromarray(rng.integers(0, 255, (20, 45, 4), dtype=np.uint8)).save(tmp_path / "more" / "alpha.png")
    Image.fromarray(rng.integers(0, 255, (33, 33, 3), dtype=np.uint8)).convert("P").save(tmp_path / "palette.gif")
    Image.fromarray((rng.integers(0, 4000, (30, 44))).astype(np.uint16)).save(tmp_path / "deep.png")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    (tmp_path / "notes.txt").write_text("not a picture")
    return tmp_path


def test_section_1_runs_on_a_students_folder_after_changing_one_parameter(awkward_folder, capsys):
    """The cells from the parameters to the pixel statistics, with IMAGE_FOLDER set and nothing else changed."""
    code = NB.cells("code")
    first = code.index(next(c for c in code if "FAST = helpers.setup(" in c))
    last = code.index(NB.code_cell("(x.astype(\"float32\") - 127.5) / 127.5"))
    namespace: dict = {}
    try:
        for i, src in enumerate(code[first:last + 1]):
            src = src.replace("FAST = helpers.setup(seed=0)", "FAST = True")
            exec(compile(src, f"07 cell {i}", "exec"), namespace)  # noqa: S102
            if "parameters" in src or "IMAGE_FOLDER = None" in src:
                namespace["IMAGE_FOLDER"] = str(awkward_folder)         # the one parameter a student changes
    finally:
        plt.close("all")
    x = namespace["x"]
    assert x.shape == (10, 32, 32, 3) and x.dtype == np.uint8        # 10 readable pictures, mostly colour
    out = capsys.readouterr().out
    assert "11 files in" in out and "1 of them unreadable" in out and "skipped 1 unreadable: broken.png" in out

