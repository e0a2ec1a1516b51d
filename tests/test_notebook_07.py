"""Notebook 07 (your own images): its words, its figures, its parameters, its own code (run on a folder of awkward
files, as a student's folder would be), and the verdicts of its exercises."""

from __future__ import annotations

import ast
import json
import re
import types
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image, ImageFilter

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import exercise_cases_ch07 as cases  # noqa: E402
import notebook_text  # noqa: E402
from exercises import check  # noqa: E402
from exercises.checker import CORRECT, EXERCISES, WRONG  # noqa: E402
from helpers import images, layers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "07_your_own_images.ipynb"
SOLUTIONS = ROOT / "notebooks" / "solutions" / "07_your_own_images_solutions.ipynb"
HEADING = "# 07 · Your own images"
MAX_WORDS = 1500


_cells = notebook_text.cells
_prose = notebook_text.prose


def _main_path() -> list[str]:
    return notebook_text.main_path(NOTEBOOK)


def _code_cell(defining: str) -> str:
    return notebook_text.code_cell(NOTEBOOK, defining)


def _function(source: str, name: str, namespace: dict):
    return notebook_text.function(NOTEBOOK, source, name, namespace)



# ---------------------------------------------------------------- the text

def test_heading_uses_the_title_of_the_navigation():
    assert _cells(NOTEBOOK, "markdown")[0].split("\n")[0] == HEADING
    assert "07 Your own images" in _cells(SOLUTIONS, "markdown")[0]


def test_main_path_is_at_most_1500_words():
    words = sum(len(re.findall(r"\S+", _prose(text))) for text in _main_path())
    assert words <= MAX_WORDS, f"{words} words before the summary"


def test_the_opening_says_which_parameter_to_change_and_why_this_measure():
    opening = _main_path()[0]
    assert "`IMAGE_FOLDER`" in opening and "**patch FD**" in opening and "**floor**" in opening
    text = "\n".join(_main_path())
    assert "classifier" in text and "labels" in text and "Inception" in text      # why not FCD or FID


TERMS = {  # a term, and the bold words that define it: the first use of the term must be that definition
    "patch fd": "**patch fd**", "floor": "**floor**", "mean image": "**mean image**",
}


def test_every_term_is_defined_at_its_first_use():
    text = "\n".join(_prose(t) for t in _main_path())
    text = re.sub(r"\*\*What you will learn\*\*\n(?:\d\..*\n(?: {3}.*\n)*)+", "", text)
    text = "\n".join(line for line in text.split("\n") if not line.startswith("#")).lower()
    for term, definition in TERMS.items():
        first, defined = text.find(term), text.find(definition)
        assert defined >= 0, f"{definition} is missing"
        assert defined <= first <= defined + len(definition), f"{term!r} is used before it is defined"


@pytest.mark.parametrize("phrase", [
    r"\bearlier\b", r"\bsecond run\b", r"\bwe tried\b", r"\bfirst design\b", r"\bwe measured\b",
    r"reference machine", r"\bprevious run\b", r"\bwas \d", r"\bthis time\b", r"\bgoal\b",
])
def test_no_development_history(phrase):
    for path in (NOTEBOOK, SOLUTIONS):
        for text in _cells(path, "markdown"):
            assert not re.search(phrase, text, re.IGNORECASE), f"{path.name}: {phrase} in {text[:200]}"


def test_the_fashion_design_is_named_not_restated():
    """layers.FASHION may change with the benchmarks: the prose names it, a cell prints it."""
    text = "\n".join(_main_path())
    assert "`layers.FASHION`" in text and "benchmarks/README.md" in text
    assert "print(FASHION_DESIGN.generator" in _code_cell("FASHION_DESIGN.build()")


def test_sections_in_order():
    headings = [line for text in _cells(NOTEBOOK, "markdown") for line in text.split("\n") if line.startswith("## ")]
    assert headings == ["## The idea in one formula", "## 1 · From files to a training set",
                        "## 2 · The DCGAN for any size and colour", "## 3 · A quality measure without labels",
                        "## 4 · Training on the folder", "## 5 · Fashion-MNIST: clothes instead of digits",
                        "## 6 · Shipping the generators", "## 7 · Your own folder", "## Summary", "## Exercises"]


# ---------------------------------------------------------------- figures and parameters

def _number(node) -> float | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) else None


def test_every_image_grid_is_legible_at_the_notebook_width():
    """At most 8 columns, each at least 0.9 inch wide, and no figure wider than 9.5 inches."""
    grids = 0
    for src in _cells(NOTEBOOK, "code"):
        for node in ast.walk(ast.parse(src)):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            keywords = {k.arg: k.value for k in node.keywords}
            if name == "image_grid":
                grids += 1
                ncols, size = _number(keywords.get("ncols")), _number(keywords.get("size"))
                assert ncols is not None and ncols <= 8 and size is not None and size >= 0.9, ast.unparse(node)
            if name == "subplots" and "figsize" in keywords:
                width = _number(keywords["figsize"].elts[0])
                cols = _number(node.args[1]) if len(node.args) > 1 else 1
                assert width <= 9.5 and width / cols >= 0.9, ast.unparse(node)
    assert grids >= 4


def _parameters(fast: bool) -> dict:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    namespace = {"FAST": fast, "WEIGHTS_DIR": Path("weights"), "Path": Path, "layers": layers,
                 "tempfile": __import__("tempfile"), "cache_dir": lambda: Path("cache"),
                 "runs": types.SimpleNamespace(run_dir=lambda name: Path("runs") / name)}
    exec("".join(cell["source"]), namespace)  # noqa: S102
    return namespace


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
    cell = _code_cell("save_trained(")
    assert "if not FAST and trained:" in cell and "RUN / name" in cell and "WEIGHTS" not in cell
    assert "f\"{folder.name}_generator.keras\"" in cell     # a student's folder gives a generator of its own name


# ---------------------------------------------------------------- the notebook's own code

def _square_array():
    return _function(_code_cell("def square_array("), "square_array", {"np": np, "Image": Image})


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

    source = _code_cell("def build_generator(")
    namespace = {"keras": keras, **{name: getattr(keras.layers, name) for name in
                                   ("BatchNormalization", "Conv2D", "Conv2DTranspose", "Dense", "Flatten",
                                    "LeakyReLU", "ReLU", "Reshape")}}
    build_generator = _function(source, "build_generator", namespace)
    build_discriminator = _function(source, "build_discriminator", namespace)
    for shape in [(16, 16, 1), (24, 24, 3)]:
        design = layers.OWN_IMAGES.for_images(shape)
        g = build_generator(shape, design.z_dim, design.generator.width, design.generator.hidden)
        d = build_discriminator(shape, design.discriminator.width, design.discriminator.hidden)
        assert g.output_shape[1:] == shape and d.output_shape[1:] == (1,)
        assert g.count_params() == design.generator.build().count_params()
        assert d.count_params() == design.discriminator.build().count_params()


def test_the_nearest_neighbours_are_the_brute_force_ones():
    namespace = {"np": np}
    source = _code_cell("def nearest(")
    _function(source, "flat", namespace)
    nearest = _function(source, "nearest", namespace)
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
    blur = _function(_code_cell("def blur("), "blur", {"np": np, "Image": Image, "ImageFilter": ImageFilter})
    for shape in [(3, 16, 16, 1), (3, 16, 16, 3)]:
        x = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
        y = blur(x)
        assert y.shape == x.shape and y.dtype == np.uint8 and y.std() < x.std()


def test_the_speed_leaves_out_the_first_epoch_which_compiles():
    speed = _function(_code_cell("def speed("), "speed", {})

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
    code = _cells(NOTEBOOK, "code")
    first = code.index(next(c for c in code if "FAST = helpers.setup(" in c))
    last = code.index(_code_cell("(x.astype(\"float32\") - 127.5) / 127.5"))
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


# ---------------------------------------------------------------- the exercises

def test_every_exercise_of_the_chapter_is_asked_and_solved():
    names = sorted(n for n in EXERCISES if n.startswith("07."))
    assert names == ["07.generator_64", "07.pad_to_square", "07.to_pixels"]
    notebook_text.assert_exercises_asked_and_solved(NOTEBOOK, SOLUTIONS, names)


def test_solutions_open_with_the_chapters_first_code_cell():
    notebook_text.assert_opens_like_a_chapter(SOLUTIONS)


@pytest.mark.parametrize("name, answer", [(n, a) for n, answers in cases.CORRECT_VARIANTS.items() for a in answers])
def test_other_correct_answers_pass(name, answer):
    verdict = check(name, answer)
    assert verdict.status == CORRECT, str(verdict)


@pytest.mark.parametrize("answer, says", [
    (cases.pad_bottom_right, "centre it: top = (S - H) // 2 = 1"),
    (cases.pad_half_each_side, "leave the square one row short"),
    (cases.pad_with_zeros, "the padding holds the values 0, not fill=255"),
    (cases.pad_as_floats, "pixels; the picture was uint8"),
    (cases.crop_to_square, "that crops the picture"),
    (cases.pad_axes_swapped, "raised ValueError"),
])
def test_pad_to_square_verdicts_say_what_the_code_did(answer, says):
    verdict = check("07.pad_to_square", answer)
    assert verdict.status == WRONG and says in verdict.message, verdict.message


@pytest.mark.parametrize("answer, says", [
    (cases.pixels_truncated, "1 too low"),
    (cases.pixels_unclipped, "clip to 0..255"),
    (cases.pixels_times_255, "p = x * 127.5 + 127.5"),
    (cases.pixels_times_128, "p = x * 127.5 + 127.5"),
    (cases.pixels_as_floats, "right values but dtype float32"),
])
def test_to_pixels_verdicts_say_what_the_code_did(answer, says):
    verdict = check("07.to_pixels", answer)
    assert verdict.status == WRONG and says in verdict.message, verdict.message


@pytest.mark.parametrize("index, says", [
    (0, "expected (None, 64, 64, 3)"), (1, "at least three stride-2 steps"), (2, "kernel 3 and stride 2"),
    (3, "kernel 5 and stride 2"), (4, "grey images"), (5, "never go below 0"), (6, "(None, 56, 56, 3)"),
    (7, "raised ValueError"),
])
def test_generator_64_verdicts_say_what_the_model_does(index, says):
    verdict = check("07.generator_64", cases.MISTAKES["07.generator_64"][index])
    assert verdict.status == WRONG and says in verdict.message, verdict.message

