"""Every exercise check passes its reference solution and other right answers, and rejects plausible mistakes with a
verdict that says what the wrong code did (each chapter's cases: tests/exercise_cases_chNN.py, REFERENCES, ACCEPTED,
MISTAKES and VERDICTS).

Also: whatever a student's code does (loop forever, call sys.exit(), raise KeyboardInterrupt, change its
inputs, return something that cannot be read as numbers), ``check`` returns a verdict; and ``helpers``
never imports ``exercises``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from exercises import Verdict, check
from helpers import toy
from exercises import checker
from exercises.checker import CORRECT, EXERCISES, INTERRUPTED, NOT_ATTEMPTED, WRONG, CheckInterrupted

import exercise_cases_ch01, exercise_cases_ch02, exercise_cases_ch03  # noqa: E401  (tests/: one file per notebook)
import exercise_cases_ch04, exercise_cases_ch05, exercise_cases_ch06  # noqa: E401
import exercise_cases_ch07, exercise_cases_ch08, exercise_cases_ch09, exercise_cases_chA2  # noqa: E401
import notebook_text

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = (exercise_cases_ch01, exercise_cases_ch02, exercise_cases_ch03, exercise_cases_ch04,
            exercise_cases_ch05, exercise_cases_ch06, exercise_cases_ch07, exercise_cases_ch08,
            exercise_cases_ch09, exercise_cases_chA2)
REFERENCES = {name: fn for chapter in CHAPTERS for name, fn in chapter.REFERENCES.items()}
MISTAKES = {name: fns for chapter in CHAPTERS for name, fns in chapter.MISTAKES.items()}
ACCEPTED = {name: fns for chapter in CHAPTERS for name, fns in getattr(chapter, "ACCEPTED", {}).items()}
VERDICTS = {name: pairs for chapter in CHAPTERS for name, pairs in getattr(chapter, "VERDICTS", {}).items()}
SAYS = {(name, answer): says for name, pairs in VERDICTS.items() for answer, says in pairs}   # mistake -> its verdict


SHORT = 0.5  # seconds: the time limit used to test endless loops


@pytest.fixture
def short_limit(monkeypatch):
    """Give every exercise a time limit of SHORT seconds for one test."""
    for name, ex in list(EXERCISES.items()):
        monkeypatch.setitem(EXERCISES, name, dataclasses.replace(ex, time_limit=SHORT))


# ---------------------------------------------------------------- every exercise: its reference passes, mistakes fail

def test_every_registered_exercise_is_tested_here():
    assert set(EXERCISES) == set(REFERENCES) == set(MISTAKES)
    assert all(MISTAKES.values()), "every exercise needs at least one plausible mistake"
    assert set(ACCEPTED) <= set(EXERCISES) and set(VERDICTS) <= set(EXERCISES)
    assert all(answer in MISTAKES[name] for name, answer in SAYS), "a verdict to check must be one of MISTAKES"


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_reference_solution_passes(name):
    """The reference written out here passes, and so does the one the exercise registers, where it is another."""
    verdict = check(name, REFERENCES[name])
    assert verdict.status == CORRECT and verdict.passed, str(verdict)
    if EXERCISES[name].reference not in (None, REFERENCES[name]):
        verdict = check(name, EXERCISES[name].reference)
        assert verdict.status == CORRECT, str(verdict)


@pytest.mark.parametrize("name, index", [pytest.param(n, i, id=f"{n}-{i}")
                                         for n in sorted(MISTAKES) for i in range(len(MISTAKES[n]))])
def test_plausible_mistake_is_rejected_with_a_hint_and_told_what_its_code_did(name, index):
    """Each mistake is rejected with a hint; where VERDICTS names what the mistake did, the verdict itself (before
    its hint, the same for every answer) says so."""
    answer = MISTAKES[name][index]
    verdict = check(name, answer)
    assert verdict.status == WRONG and not verdict, str(verdict)
    assert "Hint:" in str(verdict)
    if (name, answer) in SAYS:
        assert SAYS[name, answer] in verdict.message.split(" Hint:")[0], str(verdict)


@pytest.mark.parametrize("name, index", [(n, i) for n in sorted(ACCEPTED) for i in range(len(ACCEPTED[n]))])
def test_another_right_answer_is_accepted(name, index):
    verdict = check(name, ACCEPTED[name][index])
    assert verdict.status == CORRECT, str(verdict)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_unattempted_exercise_says_so_without_error(name):
    def blank(*args):
        ...
    assert check(name, blank).status == NOT_ATTEMPTED
    assert check(name, None).status == NOT_ATTEMPTED


def test_exercise_only_references_live_in_exercises_not_helpers():
    from helpers import layers, train
    for module, names in ((layers, ("transpose_overlaps", "ema_update", "one_hot", "per_class_agreement")),
                          (train, ("wasserstein_samples", "interpolate"))):
        assert not [n for n in names if hasattr(module, n)], module.__name__


def test_public_functions_name_their_notebook():
    import inspect

    import exercises
    from exercises import checker
    for number in range(1, 9):
        module = getattr(exercises, f"ch{number:02d}")
        assert f"notebook {number:02d}" in module.__doc__
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not fname.startswith("_"):
                assert f"notebook {number:02d}" in fn.__doc__, f"{module.__name__}.{fname}"
    for fn in (checker.check, checker.register):
        assert "notebook" in fn.__doc__


# ---------------------------------------------------------------- the verdicts of the old checker

def test_not_implemented_counts_as_not_attempted():
    def stub(p_data, p_g):
        raise NotImplementedError
    assert check("01.optimal_discriminator", stub).status == NOT_ATTEMPTED


def test_a_crashing_answer_gets_a_verdict_not_a_traceback():
    verdict = check("01.value", lambda d_real, d_fake: d_real.undefined_attribute)
    assert verdict.status == WRONG and "AttributeError" in str(verdict)


def test_shape_and_dtype_are_checked_first():
    verdict = check("01.optimal_discriminator", lambda p, q: (p / (p + q))[:, None])
    assert verdict.status == WRONG and "shape" in verdict.message
    verdict = check("01.optimal_discriminator", lambda p, q: (p // (p + q)).astype(int))
    assert verdict.status == WRONG and "integer" in verdict.message
    verdict = check("01.value", lambda d_real, d_fake: "about -1.4")
    assert verdict.status == WRONG and "str" in verdict.message


def test_tensorflow_answers_are_accepted():
    import tensorflow as tf
    verdict = check("01.non_saturating_loss", lambda d: -tf.reduce_mean(tf.math.log(tf.constant(d))))
    assert verdict.passed


def test_passing_the_result_instead_of_the_function_is_explained():
    verdict = check("01.value", 0.5)
    assert verdict.status == WRONG and "without calling it" in verdict.message


def test_unknown_exercise_lists_the_known_ones():
    verdict = check("01.no_such_exercise", toy.value)
    assert verdict.status == WRONG and "01.value" in verdict.message and "06.top_k" in verdict.message


def test_verdict_prints_as_before():
    verdict = check("01.value", toy.value)
    assert isinstance(verdict, Verdict)
    assert str(verdict) == repr(verdict) == "[correct] Exercise 01.value: correct, well done."


# ---------------------------------------------------------------- whatever the student's code does, a verdict

def _endless(*args):
    while True:
        pass


def _stubborn(*args):
    """An endless loop that swallows every exception, the checker's too."""
    while True:
        try:
            while True:
                pass
        except BaseException:  # noqa: BLE001
            pass


def _sleeps_and_swallows(*args):
    """Waits in C code and ignores being stopped."""
    while True:
        try:
            time.sleep(10)
        except:  # noqa: E722
            continue


@pytest.mark.parametrize("answer", [_endless, _stubborn, _sleeps_and_swallows])
def test_an_endless_loop_gets_a_verdict_within_the_time_limit(short_limit, answer):
    start = time.monotonic()
    verdict = check("01.value", answer)
    assert time.monotonic() - start < SHORT + 1.5
    assert verdict.status == WRONG and "did not finish within 0.5 s (an endless loop?)" in str(verdict)
    assert str(verdict).startswith("[not yet right] Exercise 01.value:")


TRAINING_STYLE = ("02.train_step", "02.find_the_bug", "05.critic_step", "06.score_climb", "08.invert")


def test_time_limits_are_never_below_five_seconds_and_thirty_for_training_style_checks():
    assert all(ex.time_limit >= 5 for ex in EXERCISES.values())
    assert all(EXERCISES[name].time_limit >= 30 and EXERCISES[name].measure for name in TRAINING_STYLE)


def test_a_limit_is_a_multiple_of_the_references_own_time(monkeypatch):
    def slow_reference(x):
        time.sleep(0.2)
        return float(np.sum(x))

    def slower_answer(x):      # 5 times the reference's time: over the least limit, under the multiple
        time.sleep(1.0)
        return float(np.sum(x))
    ex = dataclasses.replace(EXERCISES["06.top_k"], name="test.slow", reference=slow_reference, time_limit=0.5, describe=lambda a: "",
                             cases=lambda: [(np.arange(3.0),)])
    monkeypatch.setitem(EXERCISES, "test.slow", ex)
    assert check("test.slow", slower_answer).passed


def test_a_slow_but_right_inversion_passes():
    from exercises import ch08

    def slow_invert(*args):
        time.sleep(6)                      # more than the old 5 s limit (a shared core)
        return ch08.invert(*args)
    assert check("08.invert", slow_invert).passed


def test_the_alarm_is_restored_after_a_check(short_limit):
    def previous(signum, frame):
        pass
    old = signal.signal(signal.SIGALRM, previous)
    try:
        signal.setitimer(signal.ITIMER_REAL, 100)
        check("01.value", _endless)
        check("01.value", toy.value)
        assert signal.getsignal(signal.SIGALRM) is previous
        assert 95 < signal.getitimer(signal.ITIMER_REAL)[0] <= 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_an_endless_loop_outside_the_main_thread_gets_a_verdict(short_limit):
    verdicts = []
    worker = threading.Thread(target=lambda: verdicts.append(check("01.value", _endless)))
    start = time.monotonic()
    worker.start()
    worker.join(10)
    assert not worker.is_alive() and time.monotonic() - start < SHORT + 1.5
    assert verdicts[0].status == WRONG and "did not finish within" in verdicts[0].message
    ok = []
    worker = threading.Thread(target=lambda: ok.append(check("01.value", toy.value)))
    worker.start()
    worker.join(10)
    assert ok[0].passed


@pytest.mark.parametrize("ending, says", [
    (lambda: os._exit(3), "os._exit()"),
    (lambda: os.abort(), "os.abort()"),
    (lambda: os.kill(os.getpid(), signal.SIGKILL), "os.kill()"),
])
def test_ending_the_process_gets_a_verdict_and_the_kernel_lives(ending, says):
    verdict = check("01.value", lambda d_real, d_fake: ending())
    assert verdict.status == WRONG and says in verdict.message and "kernel" in verdict.message
    assert os._exit is not None and check("01.value", toy.value).passed     # the real ones are back


def test_what_the_function_prints_is_kept_short_and_shown_with_the_verdict(capsys):
    def loud(d_real, d_fake):
        print("x" * 10_000_000)
        print("warning", file=sys.stderr)
        return toy.value(d_real, d_fake)
    verdict = check("01.value", loud)
    out = capsys.readouterr()
    assert verdict.passed and len(out.out) + len(out.err) < 2000
    assert len(str(verdict)) < 2000 and "printed" in str(verdict) and "the first 1,000" in str(verdict)
    quiet = check("01.value", toy.value)
    assert quiet.printed == "" and str(quiet) == "[correct] Exercise 01.value: correct, well done."


def test_what_c_code_prints_is_kept_too(capfd):
    def loud_in_c(d_real, d_fake):
        os.write(1, b"c" * 3_000_000)        # as tf.print or a C library writes: to the file descriptor itself
        os.write(2, b"log line\n")
        return toy.value(d_real, d_fake)
    verdict = check("01.value", loud_in_c)
    out = capfd.readouterr()
    assert verdict.passed and len(out.out) + len(out.err) < 2000
    assert "ccc" in verdict.printed and len(str(verdict)) < 2000


def test_the_stop_button_during_a_check_prints_the_verdict_then_stops_run_all(capsys):
    before = signal.getsignal(signal.SIGINT)      # the default handler, or SIG_IGN in a process started in the background
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(CheckInterrupted) as stopped:
            check("01.value", _endless)
    finally:
        timer.cancel()
    assert isinstance(stopped.value, KeyboardInterrupt)
    assert "[interrupted] Exercise 01.value" in capsys.readouterr().out
    assert stopped.value._render_traceback_() == [
        "The check of 01.value was stopped. The cells after this one were not run."]
    assert signal.getsignal(signal.SIGINT) is before                       # the check gives back the handler it found


def test_a_long_c_call_is_reported_on_the_progress_line_and_judged_when_it_ends(short_limit, monkeypatch, capsys):
    start = time.monotonic()
    hashlib.pbkdf2_hmac("sha256", b"x", b"y", 300_000)
    rounds = int(300_000 * 3 / max(time.monotonic() - start, 1e-3))       # about 3 s in one C call

    def stuck(d_real, d_fake):
        hashlib.pbkdf2_hmac("sha256", b"x", b"y", rounds)
        return toy.value(d_real, d_fake)
    monkeypatch.setattr(checker, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(checker, "STUCK_AFTER_S", 0.2)
    verdict = check("01.value", stuck)
    out = capsys.readouterr().out
    assert verdict.status == WRONG and "did not finish within 0.5 s" in verdict.message
    assert "one long computation" in verdict.message
    assert "\rchecking 01.value" in out and "cannot be interrupted" in out and "Restart Kernel" in out


def test_verdicts_carry_no_colour_codes_or_tensorflow_internals():
    import tensorflow as tf

    verdict = check("01.value", lambda d_real, d_fake: tf.ones((2, 3)) + tf.ones((4, 3)))
    assert verdict.status == WRONG and "Incompatible shapes" in verdict.message
    assert not re.search(r"function_node|\[Op:|\x1b", verdict.message), verdict.message

    def keras_style(d_real, d_fake):
        raise ValueError("Exception encountered when calling Dense.call().\n\n\x1b[1mInput 0 is incompatible\x1b[0m"
                         "\n\nArguments received by Dense.call():\n  • x=tf.Tensor(shape=(2, 3))")
    verdict = check("01.value", keras_style)
    assert "Input 0 is incompatible" in verdict.message
    assert not re.search(r"\x1b|\[1m|Arguments received|Exception encountered", verdict.message), verdict.message


@pytest.mark.parametrize("code", [0, 1, None])
def test_sys_exit_gets_a_verdict(code):
    verdict = check("01.value", lambda d_real, d_fake: sys.exit(code))
    assert verdict.status == WRONG and "sys.exit()" in verdict.message


def test_keyboard_interrupt_gets_a_verdict():
    def stopped(d_real, d_fake):
        raise KeyboardInterrupt
    verdict = check("01.value", stopped)
    assert verdict.status == INTERRUPTED and not verdict
    assert "interrupted" in str(verdict)


def test_a_result_whose_numpy_fails_gets_a_verdict():
    class Broken:
        def numpy(self):
            raise RuntimeError("no eager value")
    verdict = check("01.value", lambda d_real, d_fake: Broken())
    assert verdict.status == WRONG and "RuntimeError" in verdict.message and "Broken" in verdict.message


def test_results_that_cannot_be_converted_get_a_verdict():
    class Strange:
        def __array__(self, *args, **kwargs):
            raise TypeError("not an array")
    assert check("01.value", lambda d_real, d_fake: Strange()).status == WRONG
    assert check("01.value", lambda d_real, d_fake: [1.0, [2.0, 3.0]]).status == WRONG   # ragged
    assert check("01.value", lambda d_real, d_fake: {"v": 1.0}).status == WRONG
    assert check("01.value", lambda d_real, d_fake: 1 + 2j).status == WRONG


def test_an_exception_that_cannot_be_printed_gets_a_verdict():
    class Unprintable(Exception):
        def __str__(self):
            raise ValueError("no")

    def answer(d_real, d_fake):
        raise Unprintable
    verdict = check("01.value", answer)
    assert verdict.status == WRONG and "Unprintable" in verdict.message


def test_a_function_that_changes_its_input_is_rejected_and_told_which():
    def in_place(p, p_g):
        p /= p + p_g           # right value, but the caller's array is overwritten
        return p
    verdict = check("01.optimal_discriminator", in_place)
    assert verdict.status == WRONG
    assert "your function changed its input `p`: work on a copy, e.g. p = np.array(p)" in verdict.message

    def sorts_in_place(a, b):
        a.sort(), b.sort()
        return float(np.mean(np.abs(a - b)))
    verdict = check("05.wasserstein_samples", sorts_in_place)
    assert verdict.status == WRONG and "`a`" in verdict.message


def test_the_student_and_the_reference_get_their_own_copies(monkeypatch):
    seen = []

    def reference(x):
        seen.append(("reference", x))
        return x.sum()

    def answer(x):
        seen.append(("answer", x))
        return x.sum()
    data = np.arange(3.0)
    ex = EXERCISES["06.top_k"]
    monkeypatch.setitem(EXERCISES, "test.copies", dataclasses.replace(ex, name="test.copies", reference=reference,
                                                                       cases=lambda: [(data,)]))
    assert check("test.copies", answer).passed
    arrays = [x for _, x in seen] + [data]
    assert len({id(x) for x in arrays}) == 3 and not any(np.shares_memory(a, b) for a in arrays for b in arrays
                                                          if a is not b)


# ---------------------------------------------------------------- the stored notebooks show exercises unanswered

@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("0*.ipynb")), ids=lambda p: p.stem)
def test_stored_exercise_cells_show_no_solved_verdict(path):
    for cell in notebook_text.load(path)["cells"]:
        if cell["cell_type"] != "code" or "check(" not in "".join(cell["source"]):
            continue
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))
            assert "[correct]" not in text, f"{path.name}: a stored check shows a solved exercise: {text[:120]}"


def test_the_find_the_bug_cell_is_stored_with_its_symptom_not_its_fix():
    nb = notebook_text.load(ROOT / "notebooks" / "02_dense_gan_mnist.ipynb")
    cell = next(c for c in nb["cells"] if 'check("02.find_the_bug"' in "".join(c["source"]))
    stored = "".join("".join(o.get("data", {}).get("text/plain", "")) for o in cell["outputs"])
    assert stored.startswith("[not yet right] Exercise 02.find_the_bug: the discriminator's weights changed")
    assert not re.search(r"Only G's weights|only G's|generator.trainable_variables|\bgan\b", stored), stored


# ---------------------------------------------------------------- the import graph: helpers never imports exercises

def test_importing_helpers_never_imports_exercises():
    code = ("import helpers.toy, helpers.metrics, helpers.data, helpers.plots, helpers.widgets, helpers.config; "
            "import sys; assert not any(m.startswith('exercises') for m in sys.modules), "
            "sorted(m for m in sys.modules if m.startswith('exercises'))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_no_helpers_module_imports_exercises():
    importing = re.compile(r"^\s*(from|import)\s.*exercises")
    offenders = [f"{path.relative_to(ROOT)}:{i}" for path in sorted((ROOT / "helpers").rglob("*.py"))
                 for i, line in enumerate(path.read_text().splitlines(), 1) if importing.match(line)]
    assert not offenders
    assert not (ROOT / "helpers" / "exercises.py").exists()
