"""Build an nbgrader course from the series: one assignment per chapter, made of that chapter's checked exercises.

    python scripts/course.py build                      # writes ../gan-course (beside this clone)
    python scripts/course.py build --out ~/gan-course   # anywhere else
    python scripts/course.py build --chapters 01 03     # only some chapters (default: every one with exercises)

The course folder gets ``nbgrader_config.py`` and ``source/<NN_chapter>/<NN_chapter>_exercises.ipynb``; from
there nbgrader's own commands release, collect, grade and export (docs/teachers_guide.md, "Grading with
nbgrader"). An assignment is built from three places, never from a copy kept by hand:

- each exercise's statement: the markdown above its check cell in the chapter (``notebooks/NN_*.ipynb``);
- its solution: the code of ``notebooks/solutions/NN_*_solutions.ipynb`` that passes the check, with the
  function's body between nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` (what the chapter gives the
  student stays outside: the first lines of a body, e.g. the two inputs of 04's discriminator, and whole
  functions beside the exercise's, e.g. 09's ``no_skips``);
- its test: the chapter's ``check(name, fn)`` becomes ``grade(name, fn)`` (``exercises/grading.py``) in a
  locked, autograded cell worth ``POINTS[name]`` points.

An exercise whose chapter cell holds code to repair (02's find-the-bug) shows that code in the statement, and
the student writes the repaired function in the answer cell.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT))

from exercises.grading import POINTS  # noqa: E402  (after the path: the script runs from a clone)

CHECK = re.compile(r'^(?:verdict\s*=\s*)?check\(\s*"(?P<name>[0-9A][0-9]\.\w+)"\s*,\s*(?P<fn>\w+)\s*\)\s*$', re.M)
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CONFIG = r'''# nbgrader's settings for the course built by the GAN notebook series (scripts/course.py).
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "gan-notebooks"
# Every exercise's check has its own time limit; this is a backstop for code that hangs outside a function.
c.Execute.timeout = 300
# On JupyterHub, the exchange folder shared by teacher and students (nbgrader's default):
# c.Exchange.root = "/srv/nbgrader/exchange"
# Files collected by hand or from a learning platform, for `nbgrader zip_collect`: each named
# <student-id>_<notebook>.ipynb, e.g. ada_01_minimax_game_exercises.ipynb, in downloaded/<assignment>/archive/.
c.FileNameCollectorPlugin.named_regexp = r".*/(?P<student_id>[^/_]+)_(?P<file_id>[0-9A][0-9]_\w+_exercises\.ipynb)$"
'''


def source(cell: dict) -> str:
    """A cell's source as one string."""
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def nbgrader_meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
                  points: int | None = None) -> dict:
    """The metadata nbgrader reads from a cell (schema 3)."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def cell(kind: str, text: str, meta: dict | None = None) -> dict:
    """A new notebook cell."""
    new = {"cell_type": kind, "metadata": meta or {}, "source": text.rstrip("\n")}
    if kind == "code":
        new.update(execution_count=None, outputs=[])
    return new


def chapters() -> list[str]:
    """The numbers of the chapters that have a solutions notebook (their exercises make an assignment)."""
    return sorted(p.name[:2] for p in [*NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"), *NOTEBOOKS.glob("A[0-9]_*.ipynb")]
                  if p.name[:2] != "00" and (NOTEBOOKS / "solutions" / f"{p.stem}_solutions.ipynb").is_file())


def chapter_files(number: str) -> tuple[Path, Path]:
    """The chapter notebook and its solutions notebook."""
    chapter = next(NOTEBOOKS.glob(f"{number}_*.ipynb"))
    return chapter, NOTEBOOKS / "solutions" / f"{chapter.stem}_solutions.ipynb"


def without_colab_guard(code: str) -> str:
    """A setup cell without the Colab-only block (a course runs where the series is installed)."""
    lines, kept, skipping = code.splitlines(), [], False
    for line in lines:
        if line.startswith('if "google.colab" in sys.modules'):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        skipping = False
        kept.append(line)
    text = "\n".join(kept).strip("\n")
    return text[len("import sys\n"):].lstrip("\n") if text.startswith("import sys\n") and "sys." not in text[11:] else text


def statement(markdown: str) -> str:
    """The exercise's own text in the markdown above its check cell (from its "**Exercise" on)."""
    at = markdown.rfind("**Exercise")
    text = markdown[at:] if at >= 0 else markdown
    return re.split(r"\n\[(?:Index|← )", text)[0].strip()


def given_lines(stub_body: list[str]) -> tuple[list[str], bool]:
    """The lines the chapter gives before the student's ``...``, and whether the stub has a ``...`` at all."""
    given = []
    for line in stub_body:
        if line.strip().startswith("..."):
            return given, True
        given.append(line)
    return given, False


def solution_cell(solution: str, sol_fn: str, fn: str, stub: str) -> tuple[str, bool]:
    """The answer cell's source with nbgrader's solution delimiters, and whether the chapter's stub is code to repair.

    ``solution`` is the code of the solutions notebook's cell before its check; ``sol_fn`` the function it
    checks, renamed to the chapter's ``fn``.
    """
    tree = ast.parse(solution)
    lines = solution.splitlines()
    main = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == sol_fn)
    stub_tree = ast.parse(stub)
    stub_def = next(node for node in stub_tree.body if isinstance(node, ast.FunctionDef) and node.name == fn)
    stub_lines = stub.splitlines()
    given, blank = given_lines(stub_lines[stub_def.body[0].lineno - 1:stub_def.end_lineno])
    out: list[str] = []
    given_defs = {node.name: stub_lines[node.lineno - 1:node.end_lineno] for node in stub_tree.body
                  if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name != fn}
    others = [node for node in tree.body if node is not main and isinstance(
        node, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))
        and not (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("exercises"))]
    for name, text in given_defs.items():  # code the chapter gives beside the exercise (09's no_skips): shown
        out += text + [""]
    own = [node for node in others if getattr(node, "name", None) not in given_defs]
    if own:  # the solution's own helpers and imports: part of the answer
        out += [BEGIN] + [line for node in own for line in lines[node.lineno - 1:node.end_lineno]] + [END]
    first = main.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
        and isinstance(first.value.value, str) and len(main.body) > 1
    body_start = (main.body[1] if has_doc else first).lineno - 1
    head = lines[(main.decorator_list[0].lineno if main.decorator_list else main.lineno) - 1:body_start]
    head = [re.sub(rf"\bdef {sol_fn}\(", f"def {fn}(", line) for line in head]
    body = lines[body_start:main.end_lineno]
    indent = re.match(r"\s*", body[0]).group(0)
    kept = 0
    if blank:
        while kept < len(given) and kept < len(body) and body[kept].strip() == given[kept].strip():
            kept += 1
    out += head + body[:kept] + [indent + BEGIN] + body[kept:] + [indent + END]
    return "\n".join(out), not blank


def exercises_of(chapter: Path) -> list[dict]:
    """Each checked exercise of a chapter: name, function, statement, and the chapter's stub."""
    nb = json.loads(chapter.read_text(encoding="utf-8"))
    found, last_md = [], ""
    for c in nb["cells"]:
        text = source(c)
        if c["cell_type"] == "markdown":
            last_md = text
            continue
        match = CHECK.search(text) if c["cell_type"] == "code" else None
        if match and match.group("name") in POINTS:
            stub = text[:match.start()].rstrip()
            found.append({"name": match.group("name"), "fn": match.group("fn"), "statement": statement(last_md),
                          "stub": stub})
    return found


def solutions_of(solutions: Path) -> dict[str, tuple[str, str]]:
    """Per exercise, the solutions notebook's passing code (before its check) and the function it checks."""
    nb = json.loads(solutions.read_text(encoding="utf-8"))
    found: dict[str, tuple[str, str]] = {}
    for c in nb["cells"]:
        text = source(c)
        if c["cell_type"] != "code" or "assert verdict.passed" not in text:
            continue
        for match in CHECK.finditer(text):
            if match.group(0).startswith("verdict") and match.group("name") not in found:
                found[match.group("name")] = (text[:match.start()].rstrip(), match.group("fn"))
    return found


def setup_code(solutions: Path) -> str:
    """The solutions notebook's setup cell (its imports), without the Colab guard, with ``grade`` and ``hint``."""
    nb = json.loads(solutions.read_text(encoding="utf-8"))
    first = next(source(c) for c in nb["cells"] if c["cell_type"] == "code")
    return without_colab_guard(first) + "\nfrom exercises import grade, hint"


def assignment(number: str) -> tuple[str, dict]:
    """The assignment of chapter ``number``: its name and its source notebook."""
    chapter, solutions = chapter_files(number)
    chapter_nb = json.loads(chapter.read_text(encoding="utf-8"))
    title = source(chapter_nb["cells"][0]).splitlines()[0].lstrip("# ").strip()
    exercises, answers = exercises_of(chapter), solutions_of(solutions)
    missing = [ex["name"] for ex in exercises if ex["name"] not in answers]
    if missing:
        raise SystemExit(f"{solutions.name} has no passing solution for {', '.join(missing)}: add one there first.")
    total = sum(POINTS[ex["name"]] for ex in exercises)
    rows = "\n".join(f"| {ex['name']} | {POINTS[ex['name']]} |" for ex in exercises)
    intro = textwrap.dedent(f"""\
        # Exercises of {title}

        Read the chapter first (`notebooks/{chapter.name}` in the series): each exercise asks for something
        it explains. Write each function in its cell (replace `raise NotImplementedError()` with your code),
        run the cell, then run the check cell below it: it says whether your answer is right and, if not, what
        is wrong. `hint(name)` gives the hints one at a time. Keep the functions' names. Save the notebook
        before you submit it.

        | exercise | points |
        |---|---|
        """) + rows + f"\n| **total** | **{total}** |"
    cells = [cell("markdown", intro, nbgrader_meta("intro", locked=True)),
             cell("code", setup_code(solutions), nbgrader_meta("setup", locked=True))]
    for ex in exercises:
        name, fn = ex["name"], ex["fn"]
        code, sol_fn = answers[name]
        answer, repair = solution_cell(code, sol_fn, fn, ex["stub"])
        text = ex["statement"]
        if repair:
            text += (f"\n\nThe code to repair, as the chapter gives it: copy it into the cell below, find the bug "
                     f"and fix it.\n\n```python\n{ex['stub']}\n```")
        key = name.replace(".", "_")
        cells += [cell("markdown", text, nbgrader_meta(f"statement_{key}", locked=True)),
                  cell("code", answer, nbgrader_meta(f"answer_{key}", solution=True)),
                  cell("code", f'grade("{name}", {fn})', nbgrader_meta(f"check_{key}", grade=True, locked=True,
                                                                          points=POINTS[name]))]
    nb = {"cells": cells, "metadata": {"kernelspec": chapter_nb["metadata"]["kernelspec"],
                                       "language_info": {"name": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    for i, c in enumerate(nb["cells"]):
        c["id"] = f"{number}-{i:02d}"
    return chapter.stem, nb


def build(out: Path, numbers: list[str]) -> list[Path]:
    """Write the course folder ``out``: nbgrader_config.py and one source assignment per chapter."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    written = []
    for number in numbers:
        name, nb = assignment(number)
        path = out / "source" / name / f"{name}_exercises.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("build", help="write the course folder")
    cmd.add_argument("--out", type=Path, default=ROOT.parent / "gan-course",
                     help="the course folder (default: gan-course beside this clone)")
    cmd.add_argument("--chapters", nargs="+", default=chapters(), metavar="NN",
                     help=f"chapters to build (default: every chapter with exercises, {' '.join(chapters())})")
    args = parser.parse_args(argv)
    out = args.out.expanduser().resolve()
    for path in build(out, args.chapters):
        print(f"wrote {path.relative_to(out)}")
    print(f"course folder: {out}\nnext: cd {out} && nbgrader generate_assignment <assignment>  "
          f"(e.g. {sorted((out / 'source').iterdir())[0].name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
