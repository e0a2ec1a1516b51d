"""Notebook 02: its step exercises say what a step does wrong (by behaviour), the bug of its last exercise is the
one the checks and solutions know, and no cell prints a helper's source."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

import exercise_cases_ch02 as cases
from exercises import check
from exercises.checker import CORRECT, EXERCISES, WRONG

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02_dense_gan_mnist.ipynb"


def _cells(kind: str) -> list[str]:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


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


@pytest.mark.parametrize("name, index", [(n, i) for n, fns in cases.ALSO_CORRECT.items() for i in range(len(fns))])
def test_other_right_answers_pass(name, index):
    verdict = check(name, cases.ALSO_CORRECT[name][index])
    assert verdict.status == CORRECT, str(verdict)


@pytest.mark.parametrize("index, says", [
    (0, "Is the real label applied?"),
    (1, "trained to make its fakes look fake"),
    (2, "your generator's weights did not change in step 1"),
    (3, "saturating loss log(1 - D(G(z)))"),
    (4, "scoring the fakes with D as it was before its update"),
])
def test_a_wrong_training_step_is_told_what_it_does(index, says):
    verdict = check("02.train_step", cases.MISTAKES["02.train_step"][index])
    assert verdict.status == WRONG and says in _said(verdict), str(verdict)


def test_the_bug_in_the_notebook_is_the_one_the_exercises_know():
    cell = next(src for src in _cells("code") if 'check("02.find_the_bug"' in src)
    from exercises.ch02 import step_with_a_bug
    assert _body(cell) == _body(inspect.getsource(step_with_a_bug))


def test_the_unfixed_step_is_described_by_what_it_does_not_by_its_line():
    cell = next(src for src in _cells("code") if 'check("02.find_the_bug"' in src)
    namespace: dict = {}
    exec("import keras\nimport tensorflow as tf\n" + cell.split("\ncheck(")[0], namespace)  # noqa: S102
    verdict = check("02.find_the_bug", namespace["train_step_to_fix"])
    said = _said(verdict)
    assert verdict.status == WRONG
    assert "changed during G's update" in said and "call the fakes real" in said
    assert not re.search(r"\bgan\b|Sequential|trainable_variables|tape|apply_gradients", said), said


def test_a_discriminator_left_frozen_is_named():
    verdict = check("02.find_the_bug", cases.MISTAKES["02.find_the_bug"][1])
    assert verdict.status == WRONG and "discriminator is left frozen" in _said(verdict), str(verdict)


def test_every_exercise_has_hints_in_three_stages_and_a_section():
    for name in ("02.discriminator_loss", "02.train_step", "02.find_the_bug"):
        ex = EXERCISES[name]
        assert len(ex.hints) == 3 and ex.section and ex.reference is not None
    first = EXERCISES["02.find_the_bug"].hints[0]   # shown with every wrong verdict: it must not give the line away
    assert not re.search(r"\bgan\b|Sequential", first), first


def test_no_cell_prints_a_helpers_source():
    for src in _cells("code"):
        assert "getsource" not in src and "__doc__" not in src, src[:200]
