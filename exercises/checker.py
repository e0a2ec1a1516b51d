"""The one checker for every exercise of the series: a clear verdict and a hint, never a traceback, never a hang.

An exercise is a reference function plus test inputs (``Exercise``); ``check`` calls the student's function on
the same inputs and compares. The student's code runs on copies of the inputs, under a time limit, and
whatever it does (raise, loop forever, call ``sys.exit()`` or ``os._exit()``, change its inputs, print pages,
return something that cannot be read as numbers) becomes a ``Verdict``.

Time limits: a call of the student's function may take ``MULTIPLE`` times what the reference solution takes in
the same kernel (measured there, so a slow or shared CPU slows both), and never less than the exercise's
``time_limit``. A check that takes more than a few seconds shows a progress line, updated in place. What the
student's function prints is kept (its first ``OUTPUT_SHOWN`` characters) and shown with the verdict. The stop
button during a check gives the verdict, then stops "Run All" (``CheckInterrupted``).

What cannot be stopped from inside the kernel: one long C call (a huge matrix product) runs to its end, since
Python can stop code only between its own instructions; the progress line then says so, and that Restart
Kernel ends it. ``os._exit``, ``os.abort`` and a fatal ``os.kill`` of the kernel are intercepted while the
student's function runs, unless the student's code holds its own copy of them (``from os import _exit``).
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import dataclasses
import inspect
import io
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from exercises.progress import noted

CORRECT, WRONG, NOT_ATTEMPTED, INTERRUPTED, ERROR = "correct", "wrong", "not attempted", "interrupted", "error"
_MARKS = {CORRECT: "[correct]", WRONG: "[not yet right]", NOT_ATTEMPTED: "[not attempted]",
          INTERRUPTED: "[interrupted]", ERROR: "[check failed]"}
TIME_LIMIT_S = 5.0
"""Default time a student's function may take on one test input, in seconds (at least; see ``MULTIPLE``)."""
TRAINING_LIMIT_S = 30.0
"""The least time a call that trains or optimizes (a training step, a gradient ascent) may take, in seconds."""
MULTIPLE = 10.0
"""A call of the student's function may take this many times the reference's own time, measured in the same kernel."""
PROGRESS_AFTER_S = 3.0
"""A check that has run this long shows a progress line."""
STUCK_AFTER_S = 2.0
"""Seconds past its limit after which a call still running is said to be stuck in C code (the limit's stop
could not reach it)."""
OUTPUT_SHOWN = 1000
"""Characters of what the student's function printed that the verdict shows."""
_RETRY_S = 0.25  # after the limit, the alarm repeats this often in case the student's code swallowed it


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check (from notebook 01 on): status, what was found, and a hint."""

    exercise: str
    status: str
    message: str
    printed: str = ""      # what the student's function printed (its start), shown after the verdict

    @property
    def passed(self) -> bool:
        """True only for a correct answer."""
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        text = f"{_MARKS.get(self.status, '[?]')} Exercise {self.exercise}: {self.message}"
        return f"{text}\n{self.printed}" if self.printed else text

    __repr__ = __str__


@dataclass(frozen=True)
class Exercise:
    """One exercise: how its answer is judged, and hints in stages (the idea, then the formula, last the code).

    Either ``reference`` and ``cases``: the student's function is called on each case and its result compared
    with the reference's. Or ``judge``: a function that receives a safe caller of the student's function
    (``call(*args)``, see ``Caller``) and returns what is wrong with how it behaves, or None when it is right.
    ``time_limit`` is the least time, in seconds, one call of the student's function may take; with ``measure``,
    a judged exercise first runs its judge once on the reference (once per kernel) to time its calls, and the
    student's calls may take ``MULTIPLE`` times that (cases-based exercises always time the reference).
    """

    name: str
    reference: Callable | None = None
    cases: Callable[[], list[tuple]] | None = None
    hint: str = ""
    rtol: float = 1e-4
    atol: float = 1e-6
    describe: Callable[[tuple], str] = field(default=lambda args: "")
    time_limit: float = TIME_LIMIT_S
    hints: tuple[str, ...] = ()           # in stages; when empty, the one ``hint`` is the only stage
    judge: Callable[[Callable], str | None] | None = None
    section: str = ""                     # where to re-read, e.g. "'The training step' in notebook 02"
    measure: bool = False                 # time the reference through the judge before judging the student

    @property
    def stages(self) -> tuple[str, ...]:
        """The hints in the order they are shown."""
        return self.hints or ((self.hint,) if self.hint else ())


EXERCISES: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry under its name (each module ``exercises.chNN`` does, one per notebook)."""
    EXERCISES[exercise.name] = exercise
    return exercise


# ---------------------------------------------------------------- running student code safely

class _Timeout(BaseException):
    """Raised inside the student's code when its time is up (a BaseException: `except Exception` won't catch it)."""


class _Exited(BaseException):
    """Raised in place of os._exit(), os.abort() or a fatal os.kill() of this process by the student's code."""


class CheckInterrupted(KeyboardInterrupt):
    """Raised by ``check`` after its verdict when the stop button was pressed during the check: "Run All" stops."""

    def _render_traceback_(self) -> list[str]:   # IPython shows these lines instead of a traceback
        return [f"{self.args[0] if self.args else 'The check was stopped.'} The cells after this one were not run."]


def _text(obj) -> str:
    """str(obj), even for objects whose __str__ fails."""
    try:
        return str(obj)
    except BaseException:  # noqa: BLE001  (a student's exception may have a broken __str__)
        return f"<{type(obj).__name__} that cannot be printed>"


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
_INTERNALS = (
    re.compile(r"\{\{function_node [^}]*\}\}\s*"),                   # TF: {{function_node __wrapped__AddV2_...}}
    re.compile(r"\s*\[\[\{\{node [^}]*\}\}\]\]"),                     # TF: [[{{node add}}]]
    re.compile(r"\s*\[Op:[^\]]*\](?: name: \S*)?"),                   # TF: [Op:AddV2] name:
    re.compile(r"Exception encountered when calling [^\n]*\n*"),       # Keras: the layer that raised
    re.compile(r"\n*Arguments received by .*", re.S),                 # Keras: the layer's arguments, printed
)


def _clean(text: str, limit: int = 600) -> str:
    """A library's error message as a student should read it: no colour codes, no TensorFlow node names or
    stack of graph nodes, one paragraph, at most ``limit`` characters."""
    text = _ANSI.sub("", text)
    if "Detected at node" in text:          # TF graph errors: a Python stack of the graph, then the message
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith((" ", "\t"))]
        text = "\n".join(ln for ln in lines if not ln.startswith(("Detected at node", "Graph execution error")))
    for pattern in _INTERNALS:
        text = pattern.sub("", text)
    text = re.sub(r"\s*\n\s*", " ", text).strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _said(e: BaseException) -> str:
    """What an exception says, cleaned for a student."""
    return _clean(_text(e))


# ---------------------------------------------------------------- what a check watches while it runs

class _Printed(io.TextIOBase):
    """A text stream that keeps the first OUTPUT_SHOWN characters written to it and counts all of them."""

    def __init__(self):
        super().__init__()
        self.kept: list[str] = []
        self.size = 0
        self.total = 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = text if isinstance(text, str) else _text(text)
        room = OUTPUT_SHOWN - self.size
        if room > 0:
            self.kept.append(text[:room])
            self.size += min(room, len(text))
        self.total += len(text)
        return len(text)

    def shown(self) -> str:
        """What the verdict shows: the start of the output, and how much more there was."""
        if not self.total:
            return ""
        head = _ANSI.sub("", "".join(self.kept)).rstrip()
        if self.total <= OUTPUT_SHOWN:
            return f"Your function printed:\n{head}"
        return (f"Your function printed {self.total:,} characters in this check; the first {OUTPUT_SHOWN:,}:\n{head}\n"
                "[… the rest not shown]")


class _Session:
    """One check's watchers: the progress line (after PROGRESS_AFTER_S), the word about a call stuck in C code,
    the stop button (SIGINT), and the capture of what the student's function prints."""

    def __init__(self, name: str):
        self.name, self.stream = name, sys.stdout
        self.printed = _Printed()
        self.stopped = False
        self.start = time.monotonic()
        self.call_start: float | None = None
        self.limit = 0.0
        self.width = 0
        self._done = threading.Event()
        self._previous_sigint = None
        self.handle = None          # the display updated in place, in a notebook's kernel

    def __enter__(self) -> _Session:
        global _SESSION
        self.outer, _SESSION = _SESSION, self
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous_sigint = signal.signal(signal.SIGINT, self._on_sigint)
            except (ValueError, OSError, TypeError):
                self._previous_sigint = None
        self._thread = threading.Thread(target=self._loop, name="exercise-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        global _SESSION
        self._done.set()
        self._thread.join(2.0)
        if self._previous_sigint is not None:
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(signal.SIGINT, self._previous_sigint)
        _SESSION = self.outer
        if self.width:
            self._write(f"checked {self.name} in {time.monotonic() - self.start:.0f} s", end="\n")

    def _on_sigint(self, signum, frame):
        self.stopped = True
        raise KeyboardInterrupt

    def _write(self, text: str, end: str = "") -> None:
        """Show ``text`` in place of the last progress line: a display updated in place in a notebook's kernel, a
        line rewritten after '\\r' elsewhere."""
        try:
            if self.handle is None and self.width == 0 and _in_a_kernel():
                from IPython.display import display

                self.handle = display({"text/plain": text}, raw=True, display_id=True)
            elif self.handle is not None:
                self.handle.update({"text/plain": text}, raw=True)
            else:
                self.stream.write("\r" + text.ljust(self.width) + end)
                self.stream.flush()
        except Exception:  # noqa: BLE001  (a closed or odd stream: the progress line is a convenience)
            pass
        self.width = max(self.width, len(text))

    def _loop(self) -> None:
        while not self._done.wait(1.0):
            now = time.monotonic()
            if now - self.start < PROGRESS_AFTER_S:
                continue
            text = f"checking {self.name}: {now - self.start:.0f} s"
            call = self.call_start
            if call is not None and now - call > self.limit + STUCK_AFTER_S:
                text += (f". Your function has run {now - call:.0f} s (its limit: {self.limit:g} s) inside one long "
                         "computation that cannot be interrupted, not even by the stop button; the verdict comes "
                         "when it ends. If it never does: Kernel > Restart Kernel (then re-run the cells above).")
            self._write(text)

    def calling(self, limit: float):
        """Mark a call of the student's function (for the word about a call stuck in C code)."""
        self.call_start, self.limit = time.monotonic(), limit

    def returned(self) -> None:
        self.call_start = None


_SESSION: _Session | None = None


def _in_a_kernel() -> bool:
    """True in a Jupyter kernel (where a display can be updated in place), False in a terminal or a test."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and hasattr(shell, "kernel")


@contextlib.contextmanager
def _student_context(limit: float):
    """While the student's function runs: its prints kept for the verdict, and os._exit, os.abort and a fatal
    os.kill of this process turned into an exception (they would end the kernel without a word)."""
    session = _SESSION
    real_exit, real_abort, real_kill = os._exit, os.abort, os.kill

    def no_exit(*args, **kwargs):
        raise _Exited("os._exit()")

    def no_abort(*args, **kwargs):
        raise _Exited("os.abort()")

    def kill(pid, sig):
        if pid in (0, os.getpid()) and sig not in (0, signal.SIGINT):
            raise _Exited(f"os.kill() of the notebook's own process (signal {sig})")
        return real_kill(pid, sig)

    out = session.printed if session is not None else _Printed()
    os._exit, os.abort, os.kill = no_exit, no_abort, kill
    if session is not None:
        session.calling(limit)
    try:
        with _c_output(out), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            yield
    finally:
        os._exit, os.abort, os.kill = real_exit, real_abort, real_kill
        if session is not None:
            session.returned()


@contextlib.contextmanager
def _c_output(out: _Printed):
    """What C code writes to the process's stdout and stderr (tf.print, a library's log) while the student's function
    runs: kept in a temporary file, its start added to ``out``, instead of flooding the notebook."""
    try:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        kept = tempfile.TemporaryFile()
        saved = (os.dup(1), os.dup(2))
    except (OSError, ValueError):  # no file descriptors here (an embedded interpreter): nothing to catch
        yield
        return
    try:
        os.dup2(kept.fileno(), 1)
        os.dup2(kept.fileno(), 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        size = os.fstat(kept.fileno()).st_size
        if size:
            kept.seek(0)
            out.write(kept.read(OUTPUT_SHOWN).decode("utf-8", "replace"))
            out.total += max(size - OUTPUT_SHOWN, 0)
        kept.close()


def _can_use_alarm() -> bool:
    return (hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread())


def _run_with_alarm(fn: Callable, args: tuple, limit: float) -> tuple[str, object]:
    """Call fn(*args) in this (the main) thread; SIGALRM stops it after ``limit`` s. Restores the previous alarm.

    If the student's code swallows the first stop (a bare ``except:`` in a loop), the alarm repeats and from
    then on every line of the student's code raises, so the exception also escapes the handler that caught it.
    """
    state = {"armed": True, "fired": 0, "tracing": False}
    here = sys._getframe()
    previous_trace = sys.gettrace()

    def stop_line(frame, event, arg):
        if not state["armed"]:
            return None
        if event == "line":  # not on "exception": that one happens where the exception is still caught
            raise _Timeout
        return stop_line

    def stop_calls(frame, event, arg):
        return stop_line if state["armed"] else None

    def on_alarm(signum, frame):
        if not state["armed"]:
            return
        state["fired"] += 1
        if state["fired"] > 1:  # the first stop was swallowed: trace the student's frames, raise on every line
            state["tracing"] = True
            sys.settrace(stop_calls)
            while frame is not None and frame is not here:
                frame.f_trace = stop_line
                frame = frame.f_back
        raise _Timeout

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)  # ValueError outside the main thread: nothing changed
    start = time.monotonic()
    previous_delay, previous_interval = 0.0, 0.0
    try:
        previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, limit, _RETRY_S)
        try:
            result = fn(*args)
            state["armed"] = False
            outcome = ("timeout", None) if state["fired"] else ("ok", result)
        except _Timeout:
            state["armed"] = False
            outcome = ("timeout", None)
        except BaseException as e:  # noqa: BLE001  (SystemExit, KeyboardInterrupt: all become verdicts)
            state["armed"] = False
            outcome = ("timeout", None) if state["fired"] else ("raised", e)
    except _Timeout:  # the alarm went off between the lines above
        outcome = ("timeout", None)
    finally:
        state["armed"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous_handler is None else previous_handler)
        if state["tracing"]:
            sys.settrace(previous_trace)
        if previous_delay > 0:  # someone else's timer was running: give it back what is left of it
            left = max(previous_delay - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)
    return outcome


def _stop_thread(thread: threading.Thread) -> None:
    """Raise _Timeout inside ``thread`` at its next Python instruction."""
    if thread.ident is not None and thread.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(_Timeout))


def _run_in_thread(fn: Callable, args: tuple, limit: float) -> tuple[str, object]:
    """Call fn(*args) in a daemon thread and wait ``limit`` s (where SIGALRM is unavailable: Windows, other threads)."""
    box: dict[str, object] = {}

    def target():
        try:
            box["result"] = fn(*args)
        except BaseException as e:  # noqa: BLE001
            box["error"] = e

    worker = threading.Thread(target=target, name="exercise-check", daemon=True)
    worker.start()
    try:
        worker.join(limit)
    except KeyboardInterrupt as e:  # the stop button while we wait
        _stop_thread(worker)
        return "raised", e
    if worker.is_alive():
        _stop_thread(worker)
        worker.join(0.5)  # usually ends at once; if it is stuck in C code, it is a daemon and is left behind
        return "timeout", None
    if "error" in box:
        return ("timeout", None) if isinstance(box["error"], _Timeout) else ("raised", box["error"])
    return "ok", box.get("result")


def _run(fn: Callable, args: tuple, limit: float, student: bool = True) -> tuple[str, object]:
    """Call fn(*args) with a time limit; return ("ok", result), ("raised", exception) or ("timeout", (limit, seconds it ran)).

    ``student``: the student's code, whose prints are kept and whose os._exit() is intercepted."""
    start = time.monotonic()
    with _student_context(limit) if student else contextlib.nullcontext():
        outcome = None
        if _can_use_alarm():
            try:
                outcome = _run_with_alarm(fn, args, limit)
            except (ValueError, OSError):  # no alarm here after all (e.g. an embedded interpreter): use a thread
                pass
        if outcome is None:
            outcome = _run_in_thread(fn, args, limit)
    if outcome[0] != "timeout":
        return outcome
    return "timeout", (limit, time.monotonic() - start)


# ---------------------------------------------------------------- comparing

def _as_array(value) -> np.ndarray | None:
    """Convert a returned value (number, list, numpy or TensorFlow tensor) to a numpy array, or None."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        arr = np.asarray(value)
    except Exception:
        return None
    return arr if arr.dtype.kind in "biuf" else None


def _compare(ex: Exercise, arr: np.ndarray | None, got, expected: np.ndarray, args: tuple,
             integers_ok: bool = False) -> str | None:
    """Return what is wrong with the answer ``arr`` (``got`` as numbers) compared to ``expected``, or None when it matches."""
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


def _same(a, b) -> bool:
    """True when ``b`` still equals the pristine copy ``a`` (arrays: same shape, dtype and values)."""
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b) or (a != a and b != b)  # NaN equals NaN here
    except Exception:  # cannot tell: assume unchanged
        return True


def _argument_name(fn: Callable, index: int) -> str | None:
    """The name of the student's ``index``-th positional parameter, if it has one."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except Exception:
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return params[index].name if index < len(params) and params[index].kind in positional else None


def _changed_input_message(fn: Callable, pristine: tuple, after: tuple) -> str | None:
    """Say which input the student's function changed in place, or None when it changed none."""
    for i, (a, b) in enumerate(zip(pristine, after)):
        if not _same(a, b):
            name = _argument_name(fn, i)
            if name:
                return (f"your function changed its input `{name}`: work on a copy, "
                        f"e.g. {name} = np.array({name}).")
            return f"your function changed its input number {i + 1}: work on a copy, e.g. with np.array(...)."
    return None


# ---------------------------------------------------------------- hints in stages

_SHOWN: dict[str, int] = {}


@dataclass(frozen=True)
class Hint:
    """One stage of an exercise's hints; prints as "Hint 2 of 3 for 02.train_step: ..."."""

    exercise: str
    stage: int
    of: int
    text: str

    def __str__(self) -> str:
        more = f" Run hint({self.exercise!r}) again for the next." if self.stage < self.of else ""
        return f"Hint {self.stage} of {self.of} for {self.exercise}: {self.text}{more}"

    __repr__ = __str__


def hint(name: str) -> Hint | str:
    """The next hint of exercise ``name``: the first call gives the idea, the next the formula, the last the code."""
    if name not in EXERCISES:
        return f"there is no exercise called {name!r}. Known exercises: {', '.join(sorted(EXERCISES))}."
    stages = EXERCISES[name].stages
    if not stages:
        return f"exercise {name} has no hints."
    shown = min(_SHOWN.get(name, 0) + 1, len(stages))
    _SHOWN[name] = shown
    return Hint(name, shown, len(stages), stages[shown - 1])


def _advice(ex: Exercise) -> str:
    """What a wrong verdict adds: the first hint, how to get the next, and where to re-read."""
    stages, parts = ex.stages, []
    if stages:
        parts.append(f"Hint: {stages[0]}")
        if len(stages) > 1:
            parts.append(f"(hint({ex.name!r}) gives the next hint.)")
    if ex.section:
        parts.append(f"Re-read {ex.section}.")
    return " ".join(parts)


class _Stop(Exception):
    """Raised by a Caller when the student's function misbehaved; carries the verdict."""

    def __init__(self, verdict: Verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


class Caller:
    """Calls the student's function for a judge: with the time limit, on copies of array inputs, and turning
    anything it does (raise, loop, exit, change its inputs) into the verdict the check returns."""

    def __init__(self, ex: Exercise, answer: Callable, limit: float | None = None):
        self.ex, self.answer = ex, answer
        self.limit = ex.time_limit if limit is None else limit

    def __call__(self, *args, copy_inputs: bool = True):
        """The student's result for ``args`` (copied unless ``copy_inputs=False``, e.g. for Keras models)."""
        pristine = copy.deepcopy(args) if copy_inputs else None
        yours = copy.deepcopy(args) if copy_inputs else args
        outcome = _run(self.answer, yours, self.limit)
        problem = _problem_with_call(self.ex.name, self.ex, outcome, "your function")
        if problem is not None:
            raise _Stop(problem)
        changed = _changed_input_message(self.answer, pristine, yours) if copy_inputs else None
        if changed:
            raise _Stop(Verdict(self.ex.name, WRONG, changed))
        if outcome[1] is None:
            raise _Stop(Verdict(self.ex.name, NOT_ATTEMPTED,
                                "your function returns None: write the body and `return` the result."))
        return outcome[1]


class _Timing(Caller):
    """A caller of the reference for a judge, without a limit, that keeps the longest time one call took."""

    def __init__(self, ex: Exercise):
        super().__init__(ex, ex.reference)
        self.longest = 0.0

    def __call__(self, *args, copy_inputs: bool = True):
        start = time.monotonic()
        try:
            return self.answer(*(copy.deepcopy(args) if copy_inputs else args))
        finally:
            self.longest = max(self.longest, time.monotonic() - start)


_REFERENCE_S: dict[str, float] = {}   # the longest call of each measured reference, in this kernel


def _judge_limit(ex: Exercise) -> float:
    """How long one call of the student's function may take in a judged exercise (the reference timed first)."""
    if not ex.measure or ex.reference is None:
        return ex.time_limit
    if ex.name not in _REFERENCE_S:
        timing = _Timing(ex)
        try:
            ex.judge(timing)
        except Exception:  # noqa: BLE001  (a judge that cannot time the reference keeps the least limit)
            pass
        _REFERENCE_S[ex.name] = timing.longest
    return max(ex.time_limit, MULTIPLE * _REFERENCE_S[ex.name])


def _is_stub(fn: Callable) -> bool:
    """True for a function whose body does nothing yet (``...``, ``pass``, a docstring, raise NotImplementedError)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    names_ok = set(code.co_names) <= {"NotImplementedError"}
    consts_ok = all(c is None or c is Ellipsis or isinstance(c, str) for c in code.co_consts)
    return names_ok and consts_ok and not code.co_freevars


def _judged(ex: Exercise, answer: Callable) -> Verdict:
    """The verdict of a behaviour-checked exercise."""
    try:
        problem = ex.judge(Caller(ex, answer, ex.time_limit if _is_stub(answer) else _judge_limit(ex)))
    except _Stop as stop:
        return stop.verdict
    except KeyboardInterrupt:
        return _interrupted(ex.name)
    except Exception as e:  # the judge failed on what the student's code returned: say what it was
        return Verdict(ex.name, WRONG, f"checking what your function returned raised {type(e).__name__}: "
                                       f"{_said(e)}. {_advice(ex)}")
    if problem:
        return Verdict(ex.name, WRONG, f"{problem} {_advice(ex)}")
    return Verdict(ex.name, CORRECT, "correct, well done.")


# ---------------------------------------------------------------- the check

def _interrupted(name: str) -> Verdict:
    return Verdict(name, INTERRUPTED, "the check was interrupted (the stop button, or a KeyboardInterrupt in "
                                      "your function) before it could finish: run the cell again.")


def _problem_with_call(name: str, ex: Exercise, outcome: tuple[str, object], what: str) -> Verdict | None:
    """A verdict for a call that did not return normally (``what`` names the call), or None if it returned."""
    kind, value = outcome
    if kind == "ok":
        return None
    if kind == "timeout":
        limit, took = value if isinstance(value, tuple) else (ex.time_limit, ex.time_limit)
        if took > limit + STUCK_AFTER_S:   # the stop came only when one long call returned
            return Verdict(name, WRONG, f"{what} did not finish within {limit:.3g} s: it ran {took:.0f} s, most of "
                                        "it inside one long computation (a huge array operation?) that could be "
                                        "stopped only when it returned.")
        return Verdict(name, WRONG, f"{what} did not finish within {limit:.3g} s (an endless loop?).")
    if isinstance(value, _Exited):
        return Verdict(name, WRONG, f"{what} called {value.args[0] if value.args else 'os._exit()'}, which would end "
                                    "the notebook's kernel at once, losing every variable: `return` the result "
                                    "instead.")
    if isinstance(value, KeyboardInterrupt):
        return _interrupted(name)
    if isinstance(value, SystemExit):
        return Verdict(name, WRONG, f"{what} called sys.exit() (or exit()), which would stop the notebook's "
                                    "kernel: `return` the result instead.")
    if isinstance(value, NotImplementedError) and what == "your function":
        return Verdict(name, NOT_ATTEMPTED, "the function still raises NotImplementedError: replace it with your code.")
    said = _said(value)
    return Verdict(name, WRONG, f"{what} raised {type(value).__name__}{': ' + said if said else ''}. {_advice(ex)}")


def _check(name: str, answer) -> Verdict:
    if name not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        return Verdict(name, WRONG, f"there is no exercise called {name!r}. Known exercises: {known}.")
    ex = EXERCISES[name]
    if answer is None or answer is Ellipsis:
        return Verdict(name, NOT_ATTEMPTED, "write your function in the cell above, run it, then run this check.")
    if not callable(answer):
        return Verdict(name, WRONG, f"expected a function, got a {type(answer).__name__}. Pass the function "
                                    "itself, without calling it: check(name, my_function).")
    if ex.judge is not None:
        return _judged(ex, answer)
    try:
        cases = ex.cases()
    except Exception as e:
        return Verdict(name, ERROR, f"the check could not build its test inputs ({type(e).__name__}: {_said(e)}).")
    for args in cases:
        pristine = copy.deepcopy(args)
        try:  # the reference runs on its own copy: the student's function cannot change what it sees
            start = time.monotonic()
            raw = np.asarray(ex.reference(*copy.deepcopy(args)))
            limit = max(ex.time_limit, MULTIPLE * (time.monotonic() - start))
            expected = raw.astype(np.float64)
        except Exception as e:
            return Verdict(name, ERROR, f"the check could not compute the expected answer ({type(e).__name__}: "
                                        f"{_said(e)}); please tell your teacher.")
        yours = copy.deepcopy(args)
        outcome = _run(answer, yours, limit)
        problem = _problem_with_call(name, ex, outcome, "your function")
        if problem is not None:  # (a Verdict is falsy unless correct)
            return problem
        changed = _changed_input_message(answer, pristine, yours)
        if changed:
            return Verdict(name, WRONG, changed)
        got = outcome[1]
        if got is None:
            return Verdict(name, NOT_ATTEMPTED, "your function returns None: write the body and `return` the result.")
        converted = _run(_as_array, (got,), limit)
        problem = _problem_with_call(name, ex, converted,
                                     f"converting the {type(got).__name__} your function returned to numbers")
        if problem is not None:
            return problem
        problem = _compare(ex, converted[1], got, expected, pristine, integers_ok=raw.dtype.kind in "biu")
        if problem:
            return Verdict(name, WRONG, f"{problem} {_advice(ex)}")
    return Verdict(name, CORRECT, "correct, well done.")


def check(name: str, answer: Callable | None) -> Verdict:
    """Check a student's function against exercise ``name`` (used from notebook 01 on); return a Verdict that prints clearly.

    Always returns a verdict, with what the student's function printed (its start): whatever the function does,
    and a function that runs too long is stopped after its time limit. One exception: when the stop button is
    pressed during the check, the verdict is printed and ``CheckInterrupted`` (a KeyboardInterrupt) is raised,
    so that "Run All" stops there.
    """
    session = _Session(name)
    with session:
        verdict = _verdict(name, answer)
    verdict = dataclasses.replace(verdict, message=_ANSI.sub("", verdict.message), printed=session.printed.shown())
    if session.stopped:
        print(verdict)
        raise CheckInterrupted(f"The check of {name} was stopped.")
    return verdict


def _verdict(name: str, answer: Callable | None) -> Verdict:
    """The verdict of ``check``, whatever happens (an interrupt included)."""
    try:
        return noted(_check(name, answer))  # a pass is recorded for progress() (exercises/progress.py)
    except KeyboardInterrupt:
        return _interrupted(name)
    except BaseException as e:  # noqa: BLE001  (a verdict, never a traceback)
        return Verdict(name, ERROR, f"the check itself failed ({type(e).__name__}: {_said(e)}); "
                                    "run the cell again, and tell your teacher if it persists.")
