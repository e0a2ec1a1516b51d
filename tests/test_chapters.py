"""What every chapter shares, one row a chapter: its heading, its exercises and solutions, its terms, its image grids.

Adding a chapter is adding its row to CHAPTERS. The word limit of the main path, the development history of every
notebook and the helpers' source left unprinted are checked in test_textbook.py.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import notebook_text
from exercises.checker import EXERCISES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "scripts"))
import nav  # noqa: E402


@dataclass(frozen=True)
class Chapter:
    """A chapter as the shared tests see it."""

    stem: str                                   # the notebook's name without .ipynb, as in nav.TITLES
    exercises: tuple[str, ...] = ()             # the names it asks, as registered in exercises.checker.EXERCISES
    has_solutions: bool = True                  # notebooks/solutions/<stem>_solutions.ipynb solves the exercises
    subtitled: bool = False                     # the heading goes on after the navigation's title
    terms: dict[str, str] = field(default_factory=dict)   # a term, and the bold words that define it at its first use
    grids: int | None = None                    # image grids it shows at least; None: not held to the notebook width
    says_earlier: bool = False                  # "earlier" is about the page ("printed earlier", "the earlier strides")

    @property
    def notebook(self) -> Path:
        return NOTEBOOKS / f"{self.stem}.ipynb"

    @property
    def solutions(self) -> Path:
        return NOTEBOOKS / "solutions" / f"{self.stem}_solutions.ipynb"

    @property
    def pages(self) -> list[Path]:
        """The chapter's notebook and, if it has one, its solutions notebook."""
        return [self.notebook, self.solutions] if self.has_solutions else [self.notebook]


CHAPTERS = [
    Chapter("01_minimax_game", ("01.game_on_densities", "01.non_saturating_loss", "01.optimal_discriminator",
                                "01.value"), subtitled=True),
    Chapter("02_dense_gan_mnist", ("02.discriminator_loss", "02.find_the_bug", "02.train_step"), subtitled=True,
            says_earlier=True),
    Chapter("03_dcgan", ("03.conv_output_size", "03.generator_32", "03.transpose_overlaps"), subtitled=True),
    Chapter("04_conditional_gan", ("04.conditional_discriminator", "04.embed"), subtitled=True, terms={
        "conditional": "**conditional gan**", "embedding": "**learned embedding**", "channel": "**channel**",
        "functional api": "**functional api**", "logit": "**logit**", "weight average": "**weight average**",
        "obedience": "**obedience**", "confusion matrix": "**confusion matrix**", "fcd": "**fcd**",
    }),
    Chapter("05_wgan_gp", ("05.critic_step", "05.gradient_penalty", "05.wasserstein_samples"), subtitled=True, terms={
        "earth mover": "**earth mover's distance**", "1-lipschitz": "**1-lipschitz**", "critic": "**critic**",
        "spearman": "**spearman's rank correlation**",
    }),
    Chapter("06_critics_eye", ("06.saliency", "06.score_climb", "06.spearman", "06.top_k"), grids=1, terms={
        "logit": "**logit**", "log-odds": "**log-odds**", "test digit": "**test digits**",
        "uniform noise": "**uniform noise**", "blend": "**blends**", "young generator": "**young generators**",
        "saliency": "**saliency map**", "stroke": "**strokes**", "gradient ascent": "**gradient ascent**",
        "latent space": "**latent space**", "pixel space": "**pixel space**", "digit reader": "**digit reader**",
        "adversarial": "**adversarial example**", "spearman": "**spearman's rank correlation**",
    }),
    Chapter("07_your_own_images", ("07.generator_64", "07.pad_to_square", "07.to_pixels"), grids=4, terms={
        "patch fd": "**patch fd**", "floor": "**floor**", "mean image": "**mean image**",
    }),
    Chapter("08_what_a_generator_knows", ("08.downsample", "08.inversion_loss", "08.invert"), grids=2, terms={
        "measurement": "**measurement**", "gan inversion": "**gan inversion**", "data fit": "**data fit**",
        "prior": "**prior**", "test digit": "**test digits**", "digit reader": "**digit reader**",
        "confidence": "**confidence**", "mean squared error": "**mean squared error**", "baseline": "**baseline**",
        "gaussian blur": "**gaussian blur**", "bicubic": "**bicubic upsampling**", "range": "**range**",
    }),
    Chapter("09_trained_restorer", ("09.receptive_field", "09.restorer_loss", "09.skip"), grids=1, says_earlier=True),
    Chapter("A1_training_in_practice", has_solutions=False, subtitled=True),
    Chapter("A2_which_tricks_help", ("A2.paired_interval", "A2.seeds_needed"), subtitled=True, terms={
        "seed": "**seed**", "weight average": "**weight average**", "momentum": "**momentum**",
    }),
]

# development history beyond test_textbook.HISTORY, which reads every notebook: A2 compares "two runs" of a method,
# 02 and 09 say "earlier" of their own page
EARLIER, TWO_RUNS = re.compile(r"\bearlier\b", re.IGNORECASE), re.compile(r"\btwo runs\b", re.IGNORECASE)


def each(chapters: list[Chapter] = CHAPTERS) -> pytest.MarkDecorator:
    """Run a test once per chapter, named by its number."""
    return pytest.mark.parametrize("chapter", chapters, ids=lambda c: c.stem.split("_")[0])


@each()
def test_heading_uses_the_title_of_the_navigation(chapter: Chapter) -> None:
    number, _, name = nav.TITLES[chapter.stem].partition(" ")
    title, heading = f"# {number} · {name}", notebook_text.cells(chapter.notebook, "markdown")[0].split("\n")[0]
    subtitle = heading.removeprefix(title)
    assert heading.startswith(title), heading
    assert (subtitle[:1] in (":", ",", " ") if chapter.subtitled else subtitle == ""), heading
    if chapter.has_solutions:
        assert nav.TITLES[chapter.stem] in notebook_text.cells(chapter.solutions, "markdown")[0]


@each([c for c in CHAPTERS if c.has_solutions])
def test_solutions_open_with_the_chapters_first_code_cell(chapter: Chapter) -> None:
    notebook_text.assert_opens_like_a_chapter(chapter.solutions)


@each()
def test_every_exercise_of_the_chapter_is_registered_asked_and_solved(chapter: Chapter) -> None:
    registered = sorted(name for name in EXERCISES if name.startswith(chapter.stem.split("_")[0] + "."))
    assert registered == sorted(chapter.exercises)
    assert chapter.has_solutions or not registered, "exercises without a solutions notebook"
    for page in chapter.pages:
        assert notebook_text.checked(page) == set(registered), f"{page.name} checks other exercises"
    if chapter.has_solutions:
        notebook_text.assert_exercises_asked_and_solved(chapter.notebook, chapter.solutions, registered)


@each([c for c in CHAPTERS if c.terms])
def test_every_term_is_defined_at_its_first_use(chapter: Chapter) -> None:
    """Headings and the list of what you will learn announce terms; the text defines each at its first use."""
    text = notebook_text.running_text(chapter.notebook).lower()
    for term, definition in chapter.terms.items():
        first, defined = text.find(term), text.find(definition)
        assert defined >= 0, f"{definition} is missing"
        assert defined <= first <= defined + len(definition), f"{term!r} is used before it is defined"


@each()
def test_no_development_history(chapter: Chapter) -> None:
    history = [TWO_RUNS] if chapter.says_earlier else [TWO_RUNS, EARLIER]
    found = [m.group(0) for page in chapter.pages for text in notebook_text.cells(page, "markdown")
             for words in history for m in words.finditer(text)]
    assert not found, f"development history in {chapter.stem}: {found}"


@each()
def test_no_placeholder_text_is_left(chapter: Chapter) -> None:
    assert not [t for page in chapter.pages for t in notebook_text.cells(page, "markdown") if "TO BE WRITTEN" in t]


# ---------------------------------------------------------------- image grids

def _number(node: ast.AST | None) -> float | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) else None


def _defaults(tree: ast.AST) -> dict[str, float | None]:
    """The default of every parameter of the functions a cell defines, e.g. {"n": 8} for show(rows, title, n=8)."""
    found = {}
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        with_default = fn.args.args[len(fn.args.args) - len(fn.args.defaults):]
        found.update({a.arg: _number(d) for a, d in zip(with_default, fn.args.defaults)})
    return found


def _width_problems(src: str) -> tuple[int, list[str]]:
    """The image grids a cell draws, and its grids and figures that do not fit the notebook's width."""
    tree = ast.parse(src)
    defaults, grids, problems = _defaults(tree), 0, []
    for node in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        keywords = {k.arg: k.value for k in node.keywords}
        if name == "image_grid":
            grids += 1
            ncols, size = keywords.get("ncols"), _number(keywords.get("size"))
            ncols = defaults.get(ncols.id) if isinstance(ncols, ast.Name) else _number(ncols)
            if ncols is None or ncols > 8 or size is None or size < 0.9 or ncols * size > 9.5:
                problems.append(ast.unparse(node))
        if name == "subplots" and "figsize" in keywords:
            width = _number(keywords["figsize"].elts[0])
            cols = _number(node.args[1]) if len(node.args) > 1 else 1
            if width is None or cols is None or width > 9.5 or width / cols < 0.9:
                problems.append(ast.unparse(node))
    return grids, problems


@each([c for c in CHAPTERS if c.grids is not None])
def test_every_image_grid_is_legible_at_the_notebook_width(chapter: Chapter) -> None:
    """At most 8 columns, each at least 0.9 inch wide, and no figure wider than 9.5 inches."""
    found = [_width_problems(src) for src in notebook_text.cells(chapter.notebook, "code")]
    too_wide = [problem for _, problems in found for problem in problems]
    assert not too_wide, too_wide
    assert sum(grids for grids, _ in found) >= chapter.grids


def test_every_chapter_of_the_navigation_has_a_row():
    assert [c.stem for c in CHAPTERS] == [stem for stem in nav.TITLES if stem != "00_index"]
