"""A simulated class: the course built by scripts/course.py, graded by nbgrader, gives each student exactly their points.

Two chapters' assignments (01 and 03, exercises only) go through what a teacher runs: ``scripts/course.py build``,
``nbgrader generate_assignment``, a release and collect through an exchange folder (one student, as on
JupyterHub) and the others copied into ``submitted/`` (as a teacher collecting files by hand), ``nbgrader
autograde``, ``nbgrader generate_feedback`` and ``nbgrader export`` to a CSV. Chapter 01 has four submissions and
the one through the exchange (unanswered): complete; unanswered beside wrong answers; endless loops (in a function,
and outside one) beside an import that fails; code that raises, a renamed function, and edited or deleted test
cells. Each student's other answers are right, so their points show that the rest was still graded. Chapter 03,
whose answers build Keras networks, has two: complete, and a wrong generator beside an answer that never returns.
Everything runs in a temporary folder, offline.

Cost: 7 notebooks graded, each in a kernel that imports TensorFlow, plus one deliberate 20 s cell timeout (a
waiting loop, so it costs no CPU; the fixture prints the time it took). The module's fixture runs it once for every
test below; the other tests take 2 s.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import notebook_text
from exercises import EXERCISES, check, grade, progress
from exercises.grading import POINTS, ExerciseNotPassed
from exercises.progress import PROGRESS_ENV, passed_exercises, record_pass

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "scripts" / "course.py"
NOTEBOOKS_SOLUTIONS = ROOT / "notebooks" / "solutions"
A01, A03 = "01_minimax_game", "03_dcgan"
ZIPPED = (A01, "partial-and-wrong")  # the submission that arrives as a file for zip_collect
TIMEOUT_S = 20  # the course's cell time limit here (300 s in a built course): the top-level endless loop costs it

LOOPING = "    while True:\n        pass"
# Each student: the answers they wrote (by answer cell; None keeps the released stub; "solution" the solutions
# notebook's code), the cells they edited or deleted, and the points they must get.
STUDENTS = {
    A01: {
        "complete": ({}, {}, (), 5),
        "partial-and-wrong": ({"01.optimal_discriminator": None,
                               "01.value": "def value(d_real, d_fake):\n    return float(np.mean(np.log(d_real)) + np.mean(np.log(d_fake)))",
                               "01.non_saturating_loss": "def non_saturating_loss(d_fake):\n    return float(np.mean(np.log1p(-d_fake)))"},
                              {}, (), 2),
        "loops-and-import": ({"01.value": f"def value(d_real, d_fake):\n{LOOPING}",
                              "01.optimal_discriminator": "import time\n\nwhile True:  # outside any function: the cell time limit stops it\n"
                                                          "    time.sleep(0.1)  # (waiting, so the wait costs no CPU)",
                              "01.non_saturating_loss": "import a_module_that_does_not_exist\n\n"
                                                        "def non_saturating_loss(d_fake):\n    return -float(np.mean(np.log(d_fake)))"},
                             {}, (), 2),
        "raises-renamed-edited": ({"01.value": "def value(d_real, d_fake):\n    return 1 / 0",
                                   "01.non_saturating_loss": "def non_saturating_loss(d_fake):\n    return 0.0",
                                   "01.game_on_densities": "def the_game(p_data, p_g, x):\n    return 0.0, p_data, 0.0"},
                                  {"check_01_value": 'print("all fine")'}, ("check_01_non_saturating_loss",), 1),
    },
    A03: {   # chapter 01's students cover each kind of answer; here, a chapter whose answers build Keras networks
        "complete": ({}, {}, (), 6),
        "wrong-and-loops": ({"03.generator_32": "def make_generator(z_dim):\n    return keras.Sequential([keras.Input((z_dim,)), layers.Dense(8 * 8 * 8),\n"
                                                 "        layers.Reshape((8, 8, 8)),\n"
                                                 "        layers.Conv2DTranspose(8, 3, strides=2, padding='same', activation='relu'),\n"
                                                 "        layers.Conv2DTranspose(1, 3, strides=2, padding='same', activation='tanh')])",
                             "03.transpose_overlaps": f"def transpose_overlaps(n, kernel, stride):\n{LOOPING}"}, {}, (), 1),
    },
}


def key(name: str) -> str:
    return name.replace(".", "_")


def nbgrader(course: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run one nbgrader command in the course folder, as the teacher's guide writes it."""
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True,
                            env=env or os.environ.copy(), timeout=900)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def solutions(source_nb: dict) -> dict[str, str]:
    """Each answer cell's code in the source notebook, without nbgrader's solution delimiters."""
    return {c["metadata"]["nbgrader"]["grade_id"]: "\n".join(
        line for line in c["source"].splitlines() if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
        for c in source_nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")}


def submission(released: dict, source_nb: dict, answers: dict, edits: dict, deleted: tuple) -> dict:
    """A student's notebook: the released one with their answers written, cells edited and cells deleted."""
    nb, solved = copy.deepcopy(released), solutions(source_nb)
    for c in nb["cells"]:
        grade_id = c["metadata"].get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("answer_"):
            name = next(n for n in EXERCISES if grade_id == f"answer_{key(n)}")
            code = answers.get(name, answers.get("*", "solution"))
            if code is not None:
                c["source"] = solved[grade_id] if code == "solution" else code
        if grade_id in edits:
            c["source"] = edits[grade_id]
    nb["cells"] = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") not in deleted]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    """Build the course, release both assignments, collect every student's submission, autograde, export."""
    pytest.importorskip("nbgrader", reason="nbgrader is in requirements-test.txt: pip install -r requirements-test.txt")
    start = time.monotonic()
    base = tmp_path_factory.mktemp("class")
    course, exchange = base / "course", base / "exchange"
    env = {**os.environ, "GAN_FAST": "1", "GAN_PROGRESS_FILE": str(base / "progress.json")}
    subprocess.run([sys.executable, str(COURSE), "build", "--out", str(course), "--chapters", "01", "03"],
                   check=True, capture_output=True, env=env)
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as f:
        f.write(f"\nc.Execute.timeout = {TIMEOUT_S}\nc.Exchange.root = {str(exchange)!r}\n")
    exchange.mkdir()
    for assignment in (A01, A03):
        nbgrader(course, "generate_assignment", assignment, env=env)
    # On JupyterHub: release, the student fetches and submits, the teacher collects (one student: one user here).
    student_home = base / "student"
    student_home.mkdir()
    nbgrader(course, "release_assignment", A01, env=env)
    for command in ("fetch_assignment", "submit"):
        path = A01 if command == "fetch_assignment" else str(student_home / A01)
        subprocess.run([sys.executable, "-m", "nbgrader", command, path, "--course", "gan-notebooks",
                        f"--Exchange.root={exchange}"], cwd=student_home, check=True, capture_output=True, env=env)
    nbgrader(course, "collect", A01, env=env)
    hub_student = next(p.name for p in (course / "submitted").iterdir())
    # By hand: each student's notebook copied into submitted/<student>/<assignment>/, or (ZIPPED) collected from
    # files named <student>_<notebook>.ipynb by nbgrader zip_collect, as from a learning platform.
    for assignment, students in STUDENTS.items():
        name = f"{assignment}_exercises.ipynb"
        released = notebook_text.load(course / "release" / assignment / name)
        source_nb = notebook_text.load(course / "source" / assignment / name)
        for student, (answers, edits, deleted, _) in students.items():
            nb = submission(released, source_nb, answers, edits, deleted)
            if (assignment, student) == ZIPPED:
                path = course / "downloaded" / assignment / "archive" / f"{student}_{name}"
            else:
                path = course / "submitted" / student / assignment / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    nbgrader(course, "zip_collect", ZIPPED[0], env=env)
    for assignment in (A01, A03):
        nbgrader(course, "autograde", assignment, env=env)
    nbgrader(course, "generate_feedback", A01, env=env)
    nbgrader(course, "release_feedback", A01, f"--student={hub_student}", env=env)  # needs a collected submission
    nbgrader(course, "export", "--to", str(base / "grades.csv"), env=env)
    with open(base / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    seconds = time.monotonic() - start
    print(f"simulated class: {seconds:.0f} s")
    return {"course": course, "rows": rows, "hub_student": hub_student, "seconds": seconds}


@pytest.mark.parametrize("assignment, student", [(a, s) for a, students in STUDENTS.items() for s in students])
def test_the_exported_points_of_each_student_are_exactly_the_expected_ones(graded, assignment, student):
    rows = [r for r in graded["rows"] if r["assignment"] == assignment and r["student_id"] == student]
    assert len(rows) == 1, f"{student} has {len(rows)} rows for {assignment} in the export"
    expected = STUDENTS[assignment][student][3]
    assert float(rows[0]["score"]) == expected
    assert float(rows[0]["max_score"]) == sum(POINTS[n] for n in EXERCISES if n.startswith(assignment[:2] + "."))


def test_a_submission_released_and_collected_through_the_exchange_is_graded_and_gets_its_feedback(graded):
    rows = [r for r in graded["rows"] if r["student_id"] == graded["hub_student"] and r["assignment"] == A01]
    assert len(rows) == 1 and float(rows[0]["score"]) == 0.0  # fetched and submitted unanswered
    released = list((graded["course"].parent / "exchange" / "gan-notebooks" / "feedback").glob("*.html"))
    assert len(released) == 1 and "[not attempted] Exercise 01.value" in released[0].read_text(encoding="utf-8")


def test_a_file_collected_by_zip_collect_lands_in_the_students_folder(graded):
    assignment, student = ZIPPED
    assert (graded["course"] / "submitted" / student / assignment / f"{assignment}_exercises.ipynb").is_file()


def feedback(graded, student: str, assignment: str) -> str:
    path = graded["course"] / "feedback" / student / assignment / f"{assignment}_exercises.html"
    return path.read_text(encoding="utf-8")


def test_the_feedback_shows_the_verdict_of_a_wrong_answer_without_a_traceback(graded):
    html = feedback(graded, "partial-and-wrong", A01)
    assert "[not yet right] Exercise 01.value" in html
    assert "ExerciseNotPassed: [not yet right] Exercise 01.value" in html
    assert "Traceback (most recent call last)" not in html and "grading.py" not in html


def test_an_unanswered_exercise_says_not_attempted_and_the_rest_is_still_graded(graded):
    html = feedback(graded, "partial-and-wrong", A01)
    assert "[not attempted] Exercise 01.optimal_discriminator" in html
    assert "[correct] Exercise 01.game_on_densities" in html


def test_a_test_cell_a_student_edited_is_restored_before_grading(graded):
    nb = notebook_text.load(graded["course"] / "autograded" / "raises-renamed-edited" / A01 / f"{A01}_exercises.ipynb")
    check = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "check_01_value")
    assert "".join(check["source"]) == 'grade("01.value", value)'
    assert any(o["output_type"] == "error" for o in check["outputs"])


def test_the_grader_leaves_no_progress_behind(graded):
    assert not (graded["course"].parent / "progress.json").exists()



# ---------------------------------------------------------------- the build, without running nbgrader

def right_value(d_real, d_fake):
    return float(np.mean(np.log(d_real)) + np.mean(np.log1p(-d_fake)))


def wrong_value(d_real, d_fake):
    return float(np.mean(np.log(d_real)) + np.mean(np.log(d_fake)))


def built(tmp_path: Path, *chapters: str) -> Path:
    subprocess.run([sys.executable, str(COURSE), "build", "--out", str(tmp_path / "course"),
                    *(["--chapters", *chapters] if chapters else [])], check=True, capture_output=True)
    return tmp_path / "course"


def test_every_exercise_has_points_and_the_teachers_guide_shows_the_same():
    assert set(POINTS) == set(EXERCISES), "exercises.grading.POINTS must list every exercise, and only those"
    guide = (ROOT / "docs" / "teachers_guide.md").read_text(encoding="utf-8")
    shown = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| ([0-9A][0-9]\.\w+) .*?\| (\d+) \|$", guide, re.M)}
    assert shown == POINTS


def test_every_chapter_becomes_an_assignment_with_a_test_cell_per_exercise_worth_its_points(tmp_path):
    course = built(tmp_path)  # every chapter
    assert (course / "nbgrader_config.py").is_file()
    found = {}
    for path in sorted((course / "source").glob("*/*_exercises.ipynb")):
        nb = notebook_text.load(path)
        for c in nb["cells"]:
            meta = c["metadata"]["nbgrader"]
            if meta["grade"]:
                name = re.fullmatch(r'grade\("([0-9A][0-9]\.\w+)", \w+\)', c["source"]).group(1)
                found[name] = meta["points"]
                assert meta["locked"] and not meta["solution"]
    assert found == POINTS


def test_each_answer_is_the_solutions_notebooks_code_between_solution_delimiters(tmp_path):
    course = built(tmp_path, "01", "02", "04")
    for chapter, grade_id, given, solved in [
            ("01_minimax_game", "answer_01_value", "def value(d_real, d_fake):", "np.log1p(-d_fake)"),
            ("02_dense_gan_mnist", "answer_02_find_the_bug", "def train_step_to_fix(", "generator.trainable_variables"),
            ("04_conditional_gan", "answer_04_conditional_discriminator", 'label = keras.Input((), dtype="int32")',
             "keras.Model([image, label], logit)")]:
        nb = notebook_text.load(course / "source" / chapter / f"{chapter}_exercises.ipynb")
        code = next(c["source"] for c in nb["cells"] if c["metadata"]["nbgrader"]["grade_id"] == grade_id)
        begin, end = code.index("### BEGIN SOLUTION"), code.index("### END SOLUTION")
        assert given in code[:begin] and solved in code[begin:end]
        solutions = (NOTEBOOKS_SOLUTIONS / f"{chapter}_solutions.ipynb").read_text(encoding="utf-8")
        assert json.dumps(solved)[1:-1] in solutions


def test_code_the_chapter_gives_stays_visible_and_only_the_students_part_is_a_solution():
    import importlib.util

    spec = importlib.util.spec_from_file_location("course", COURSE)
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    stub = ("def given(width):\n    return width * 2\n\n"
            "def answer(width):\n    x = given(width)\n    ...  # your code here")
    solution = ("def given(width):\n    return width * 2\n\ndef helper(v):\n    return v + 1\n\n"
                "def my_answer(width):\n    x = given(width)\n    return helper(x)")
    cell, repair = course.solution_cell(solution, "my_answer", "answer", stub)
    assert not repair
    assert cell.splitlines() == [
        "def given(width):", "    return width * 2", "",
        "### BEGIN SOLUTION", "def helper(v):", "    return v + 1", "### END SOLUTION",
        "def answer(width):", "    x = given(width)", "    ### BEGIN SOLUTION", "    return helper(x)",
        "    ### END SOLUTION"]


def test_grade_is_check_while_a_student_works(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    verdict = grade("01.value", wrong_value)
    assert verdict is not None and not verdict.passed


def test_grade_raises_the_verdict_when_graded_and_prints_a_pass(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(ExerciseNotPassed) as raised:
        grade("01.value", wrong_value)
    assert str(raised.value).startswith("[not yet right] Exercise 01.value")
    assert raised.value._render_traceback_() == [f"ExerciseNotPassed: {raised.value}"]
    with pytest.raises(ExerciseNotPassed, match=r"\[not attempted\]"):
        grade("01.value", None)
    assert grade("01.value", right_value) is None  # a returned value would be read as partial credit
    assert "[correct] Exercise 01.value" in capsys.readouterr().out


def test_a_graded_check_writes_nothing_to_stderr(monkeypatch, capfd):
    import warnings

    def warns(d_real, d_fake):
        warnings.warn("a library's warning")
        print("to stderr", file=sys.stderr)
        os.write(2, b"a C++ log line\n")
        return right_value(d_real, d_fake)

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    grade("01.value", warns)
    assert capfd.readouterr().err == ""


def test_check_records_a_pass_for_progress_and_nothing_else(monkeypatch, tmp_path):
    monkeypatch.setenv(PROGRESS_ENV, str(tmp_path / "state" / "progress.json"))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    check("01.value", wrong_value)
    assert passed_exercises() == {}
    check("01.value", right_value)
    assert list(passed_exercises()) == ["01.value"]
    shown = str(progress())
    assert f"Exercises passed on this machine: 1 of {len(EXERCISES)}" in shown
    assert "01       1 of 4" in shown and "+ value" in shown and "- optimal_discriminator" in shown


def test_progress_survives_a_damaged_file_and_an_unwritable_folder(monkeypatch, tmp_path):
    path = tmp_path / "progress.json"
    path.write_text("{not json")
    monkeypatch.setenv(PROGRESS_ENV, str(path))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert passed_exercises() == {} and progress().passed == 0
    assert record_pass("01.value") and list(passed_exercises()) == ["01.value"]
    assert not list(tmp_path.glob(".progress-*"))  # the temporary file of the atomic write is gone
    blocked = tmp_path / "a_file"
    blocked.write_text("")
    assert record_pass("01.value", blocked / "progress.json") is False
    assert check("01.value", right_value).passed  # progress that cannot be written never stops a check


def test_nothing_is_recorded_while_a_course_is_graded(monkeypatch, tmp_path):
    monkeypatch.setenv(PROGRESS_ENV, str(tmp_path / "progress.json"))
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    grade("01.value", right_value)
    assert not (tmp_path / "progress.json").exists()
