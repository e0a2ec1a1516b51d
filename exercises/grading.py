"""The exercises graded: ``grade(name, my_function)`` is ``check`` that, when a course is being graded, raises on a wrong answer.

A course built by ``python scripts/course.py build`` turns each check cell of a chapter into an autograded test
cell that calls ``grade``. While a student works, ``grade`` behaves as ``check``: it returns the verdict, which the
notebook shows. When the grader runs the notebook (it sets ``NBGRADER_EXECUTION``), a verdict that is not
correct raises ``ExerciseNotPassed`` with the verdict's text, so the cell fails and loses its points, and the
student's feedback shows that text. ``POINTS`` is the one table of points per exercise (the teacher's guide shows
the same numbers).
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Callable

from exercises.checker import Verdict, check

GRADING_ENV = "NBGRADER_EXECUTION"
"""Set by the grader while it executes a notebook ("autograde", or "validate" for its Validate button)."""

POINTS: dict[str, int] = {
    "01.value": 1, "01.optimal_discriminator": 1, "01.game_on_densities": 2, "01.non_saturating_loss": 1,
    "02.discriminator_loss": 1, "02.train_step": 3, "02.find_the_bug": 2,
    "03.conv_output_size": 1, "03.transpose_overlaps": 2, "03.generator_32": 3,
    "04.embed": 1, "04.conditional_discriminator": 3,
    "05.wasserstein_samples": 1, "05.gradient_penalty": 3, "05.critic_step": 2,
    "06.top_k": 1, "06.spearman": 1, "06.saliency": 2, "06.score_climb": 2,
    "07.pad_to_square": 1, "07.to_pixels": 1, "07.generator_64": 3,
    "08.downsample": 1, "08.inversion_loss": 2, "08.invert": 3,
    "09.receptive_field": 1, "09.restorer_loss": 2, "09.skip": 3,
    "A2.paired_interval": 2, "A2.seeds_needed": 1,
}
"""Points of each exercise in a course: its difficulty in stars (the teacher's guide, "The exercises")."""


class ExerciseNotPassed(AssertionError):
    """Raised by ``grade`` in grading mode when an answer is not correct; its message is the verdict."""

    def _render_traceback_(self) -> list[str]:
        """What the notebook shows instead of a traceback (IPython asks for it): the verdict alone."""
        return [f"{type(self).__name__}: {self}"]


def grading() -> bool:
    """True while the grader executes the notebook (``NBGRADER_EXECUTION`` is set)."""
    return bool(os.environ.get(GRADING_ENV, "").strip())


def grade(name: str, answer: Callable | None) -> Verdict | None:
    """Check ``answer`` against exercise ``name`` as ``check`` does; in grading mode, raise unless it is correct.

    In grading mode a correct verdict is printed, not returned (the grader would read a returned value as partial
    credit), and the check runs with stderr silenced (the grader gives 0 points to a cell that wrote to stderr,
    and a library's warning is not the student's fault).
    """
    if not grading():
        return check(name, answer)
    with _quiet_stderr():
        verdict = check(name, answer)
    if not verdict.passed:
        raise ExerciseNotPassed(str(verdict))
    print(verdict)
    return None


@contextlib.contextmanager
def _quiet_stderr():
    """Silence Python's warnings, sys.stderr and the process's file descriptor 2 (C++ logs) for a while."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null, warnings.catch_warnings(), contextlib.redirect_stderr(null):
            warnings.simplefilter("ignore")
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
