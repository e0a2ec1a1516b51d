"""One checker for every exercise in the series: a clear verdict and a hint, never a traceback.

In a notebook::

    def optimal_discriminator(p_data, p_g):
        ...  # your code here

    check("01.optimal_discriminator", optimal_discriminator)

An exercise is a reference function plus test inputs; ``check`` calls the student's function on the
same inputs and compares. Each notebook's exercises are registered in this module, below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

CORRECT, WRONG, NOT_ATTEMPTED = "correct", "wrong", "not attempted"


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: status, what was found, and a hint."""

    exercise: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        """True only for a correct answer."""
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = {CORRECT: "[correct]", WRONG: "[not yet right]", NOT_ATTEMPTED: "[not attempted]"}[self.status]
        return f"{mark} Exercise {self.exercise}: {self.message}"

    __repr__ = __str__


@dataclass(frozen=True)
class Exercise:
    """A reference solution, the inputs to try it on, and a hint shown with a wrong answer."""

    name: str
    reference: Callable
    cases: Callable[[], list[tuple]]
    hint: str
    rtol: float = 1e-4
    atol: float = 1e-6
    describe: Callable[[tuple], str] = field(default=lambda args: "")


EXERCISES: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry under its name."""
    EXERCISES[exercise.name] = exercise
    return exercise


def _as_array(value) -> np.ndarray | None:
    """Convert a returned value (number, list, numpy or TensorFlow tensor) to a numpy array, or None."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        arr = np.asarray(value)
    except Exception:
        return None
    return arr if arr.dtype.kind in "biuf" else None


def _compare(ex: Exercise, got, expected: np.ndarray, args: tuple, integers_ok: bool = False) -> str | None:
    """Return what is wrong with ``got`` compared to ``expected``, or None when it matches."""
    arr = _as_array(got)
    where = ex.describe(args)
    if arr is None:
        return f"your function returned a {type(got).__name__}; expected numbers (an array or a float)."
    if arr.shape != expected.shape:
        return f"your answer has shape {arr.shape}; expected shape {expected.shape}{where}."
    if not integers_ok and arr.dtype.kind in "biu":
        return f"your answer has integer dtype {arr.dtype}; expected floats (did a division round?)."
    if not np.all(np.isfinite(arr)) and np.all(np.isfinite(expected)):
        return f"your answer contains NaN or infinity{where} (a log of 0, or a division by 0?)."
    if not np.allclose(arr, expected, rtol=ex.rtol, atol=ex.atol):
        diff = np.abs(arr.astype(np.float64) - expected)
        i = np.unravel_index(np.argmax(diff), diff.shape) if diff.ndim else ()
        return (f"your answer differs from the expected one by up to {float(diff.max()):.4g}{where}: "
                f"got {float(arr[i]):.6g} where {float(expected[i]):.6g} was expected.")
    return None


def check(name: str, answer: Callable | None) -> Verdict:
    """Check a student's function against exercise ``name``; return a Verdict that prints clearly."""
    if name not in EXERCISES:
        _register_all()
    if name not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        return Verdict(name, WRONG, f"there is no exercise called {name!r}. Known exercises: {known}.")
    ex = EXERCISES[name]
    if answer is None or answer is Ellipsis:
        return Verdict(name, NOT_ATTEMPTED, "write your function in the cell above, run it, then run this check.")
    if not callable(answer):
        return Verdict(name, WRONG, f"expected a function, got a {type(answer).__name__}. Pass the function "
                                    "itself, without calling it: check(name, my_function).")
    for args in ex.cases():
        raw = np.asarray(ex.reference(*args))
        expected = raw.astype(np.float64)
        try:
            got = answer(*args)
        except NotImplementedError:
            return Verdict(name, NOT_ATTEMPTED, "the function still raises NotImplementedError: replace it with your code.")
        except Exception as e:  # a student's bug becomes a verdict, not a traceback
            return Verdict(name, WRONG, f"your function raised {type(e).__name__}: {e}. Hint: {ex.hint}")
        if got is None:
            return Verdict(name, NOT_ATTEMPTED, "your function returns None: write the body and `return` the result.")
        problem = _compare(ex, got, expected, args, integers_ok=raw.dtype.kind in "biu")
        if problem:
            return Verdict(name, WRONG, f"{problem} Hint: {ex.hint}")
    return Verdict(name, CORRECT, "correct, well done.")


def _register_all() -> None:
    """Import the modules that register each notebook's exercises."""
    from helpers import toy  # noqa: F401  (registers the exercises of notebook 01)
    from helpers import train  # noqa: F401  (registers the exercises of notebook 02)
    from helpers import layers  # noqa: F401  (registers the exercises of notebook 03)
    from helpers import metrics  # noqa: F401  (registers the exercises of notebook 06)
