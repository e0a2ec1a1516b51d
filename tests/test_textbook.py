"""The series reads as a book: short chapters, the key code on the page, no helper source printed, no history.

These checks read the stored notebooks and the README as text; they run nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from notebook_text import cells

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("0[1-9]_*.ipynb")) + sorted(NOTEBOOKS.glob("A[0-9]_*.ipynb"))
EVERY_NOTEBOOK = sorted(NOTEBOOKS.rglob("*.ipynb"))
MAX_WORDS = 1600   # "about 1,500 words" of markdown on a chapter's main path

HISTORY = re.compile(r"first design|earlier run|an earlier|reference machine|we measured|\bwe tried\b|\(goal|\bgoal\b|"
                     r"predates|design search|the old (design|run)|(?<![-\w])second run|\bprevious run\b|"
                     r"\bshipped one\b|this session|\bthis time\b|\bwas \d|was trained before|from 29 to 6|made us break",
                     re.IGNORECASE)


def main_path_words(path: Path) -> int:
    """Words of markdown from the title to the summary, without navigation and launch lines."""
    words = 0
    for text in cells(path, "markdown"):
        text, summary, _ = text.partition("## Summary")
        kept = [line for line in text.splitlines() if not line.startswith(("[← ", "[Index]", "[![Launch", "**Index**"))]
        words += len(re.findall(r"\S+", "\n".join(kept)))
        if summary:
            break
    return words


def test_there_are_nine_chapters_and_two_appendices():
    assert [p.name[:2] for p in CHAPTERS] == ["01", "02", "03", "04", "05", "06", "07", "08", "09", "A1", "A2"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapters_main_path_is_about_1500_words_at_most(path):
    assert main_path_words(path) <= MAX_WORDS


@pytest.mark.parametrize("path", EVERY_NOTEBOOK, ids=lambda p: p.stem)
def test_no_cell_prints_a_helpers_source(path):
    assert not [c for c in cells(path, "code") if "getsource" in c]


@pytest.mark.parametrize("path", EVERY_NOTEBOOK + [ROOT / "README.md"], ids=lambda p: p.stem)
def test_the_text_speaks_about_the_page_not_its_history(path):
    texts = [path.read_text(encoding="utf-8")] if path.suffix == ".md" else cells(path, "markdown")
    found = [m.group(0) for text in texts for m in HISTORY.finditer(text)]
    assert not found, f"development history in {path.name}: {found}"


def test_the_readme_is_a_front_page_under_10000_characters():
    assert len((ROOT / "README.md").read_text(encoding="utf-8")) < 10_000


@pytest.mark.parametrize("stem, packaged", [("02_dense_gan_mnist", "make_train_step"),
                                            ("04_conditional_gan", "make_train_step"),
                                            ("05_wgan_gp", "make_wgan_step")])
def test_a_chapter_that_introduces_a_gan_writes_its_step_and_checks_the_packaged_one(stem, packaged):
    code = cells(NOTEBOOKS / f"{stem}.ipynb", "code")
    written = [c for c in code if "GradientTape" in c and "apply_gradients" in c]
    assert written, "the training step is not written in a code cell"
    checked = [c for c in code if f"train.{packaged}" in c and "assert" in c]
    assert checked, f"no cell asserts that train.{packaged} matches the step written out"


def test_the_teachers_guide_lists_every_exercise():
    from exercises.checker import EXERCISES

    guide = (ROOT / "docs" / "teachers_guide.md").read_text(encoding="utf-8")
    assert not [name for name in EXERCISES if f"| {name} " not in guide]
