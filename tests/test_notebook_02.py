"""Notebook 02: the bug of its last exercise is the one the checks and solutions know, the step as the notebook
gives it is told what it does wrong (by behaviour, not by its line), and no cell prints a helper's source."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import notebook_text

from exercises import check
from exercises.checker import EXERCISES, WRONG

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02_dense_gan_mnist.ipynb"


def _said(verdict) -> str:
    """What the verdict itself says, without the hint and the pointer to re-read."""
    return verdict.message.split(" Hint:")[0]


def _body(source: str) -> list[str]:
    """The lines of a function's body that do something (no def, docstring, import, blank or check line)."""
    keep = []
    for line in source.splitlines()[1:]:
        text = line.strip()
        if not text or text.startswith(('"""', "import ", "check(")):
            continue
        keep.append(text)
    return keep


def test_the_bug_in_the_notebook_is_the_one_the_exercises_know():
    cell = next(src for src in notebook_text.cells(NOTEBOOK, "code") if 'check("02.find_the_bug"' in src)
    from exercises.ch02 import step_with_a_bug
    assert _body(cell) == _body(inspect.getsource(step_with_a_bug))


def test_the_unfixed_step_is_described_by_what_it_does_not_by_its_line():
    cell = next(src for src in notebook_text.cells(NOTEBOOK, "code") if 'check("02.find_the_bug"' in src)
    namespace: dict = {}
    exec("import keras\nimport tensorflow as tf\n" + cell.split("\ncheck(")[0], namespace)  # noqa: S102
    verdict = check("02.find_the_bug", namespace["train_step_to_fix"])
    said = _said(verdict)
    assert verdict.status == WRONG
    assert "changed during G's update" in said and "call the fakes real" in said
    assert not re.search(r"\bgan\b|Sequential|trainable_variables|tape|apply_gradients", said), said


def test_every_exercise_has_hints_in_three_stages_and_a_section():
    for name in ("02.discriminator_loss", "02.train_step", "02.find_the_bug"):
        ex = EXERCISES[name]
        assert len(ex.hints) == 3 and ex.section and ex.reference is not None
    first = EXERCISES["02.find_the_bug"].hints[0]   # shown with every wrong verdict: it must not give the line away
    assert not re.search(r"\bgan\b|Sequential", first), first


def test_no_cell_prints_a_helpers_source():
    for src in notebook_text.cells(NOTEBOOK, "code"):
        assert "getsource" not in src and "__doc__" not in src, src[:200]
