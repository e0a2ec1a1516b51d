"""The exercises of the series, checked: ``check(name, my_function)`` prints a verdict and a hint.

In a notebook::

    from exercises import check

    def optimal_discriminator(p_data, p_g):
        ...  # your code here

    check("01.optimal_discriminator", optimal_discriminator)
    hint("01.optimal_discriminator")     # the hints one at a time: the idea, the formula, the code

``exercises.checker`` holds the one checker; ``exercises.ch01`` ... ``exercises.ch09`` and ``chA2`` register the
exercises of notebooks 01 to 09 and appendix A2 (and hold the reference solutions that exist only for an exercise). This package uses
``helpers``; nothing in ``helpers`` imports it.
"""

from __future__ import annotations

from exercises.checker import EXERCISES, Verdict, check, hint  # noqa: F401  (EXERCISES: the registry, for tests)
from exercises import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09, chA2  # noqa: F401  (each registers its notebook's exercises)
from exercises.grading import grade  # noqa: F401  (a course's test cells: check that raises when graded)
from exercises.progress import progress  # noqa: F401  (which exercises passed on this machine)

__all__ = ["check", "hint", "Verdict", "grade", "progress"]
