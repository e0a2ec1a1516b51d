"""The exercises graded: ``grade(name, my_function)`` is ``check`` that, when a course is being graded, raises on a wrong answer.

A course built by ``python scripts/course.py build`` turns each check cell of a chapter into an autograded test
cell that calls ``grade``. While a student works, ``grade`` behaves as ``check``: it returns the verdict, which the
notebook shows. When the grader runs the notebook (it sets ``NBGRADER_EXECUTION``), a verdict that is not
correct raises ``ExerciseNotPassed`` with the verdict's text, so the cell fails and loses its points, and the
student's feedback shows that text. ``POINTS`` is the one table of points per exercise (the teacher's guide shows
the same numbers).
"""

from __future__ import annotations

import os
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
}
"""Points of each exercise in a course: its difficulty in stars (the teacher's guide, "The exercises")."""


class ExerciseNotPassed(AssertionError):
    """Raised by ``grade`` in grading mode when an answer is not correct; its message is the verdict."""


def grading() -> bool:
    """True while the grader executes the notebook (``NBGRADER_EXECUTION`` is set)."""
    return bool(os.environ.get(GRADING_ENV, "").strip())


def grade(name: str, answer: Callable | None) -> Verdict:
    """Check ``answer`` against exercise ``name`` as ``check`` does; in grading mode, raise unless it is correct."""
    __tracebackhide__ = True  # the feedback shows the verdict, not this frame
    verdict = check(name, answer)
    if not verdict.passed and grading():
        raise ExerciseNotPassed(str(verdict))
    return verdict
