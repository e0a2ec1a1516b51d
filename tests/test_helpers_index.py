"""Each helpers module's ``__all__`` is what the notebooks, exercises, scripts and benchmarks use, and
docs/helpers_index.md, written from the code by scripts/helpers_index.py, is current."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import helpers_index as index  # noqa: E402
import notebook_text  # noqa: E402

MODULES = index.modules()
USED = index.users(MODULES)
TOLD = index.told(MODULES)
TAG = re.compile(r"\((?:from )?(?:notebooks?|appendix) ([0-9A]\d(?:(?:, | and | or )[0-9A]\d)*)(?: on)?\)")
PACKAGES = {
    ("helpers.repair", "hole_mask"): ("08", "mask[:, lo:lo + HOLE, lo:lo + HOLE] = 0.0"),
    ("helpers.repair", "blocks"): ("08", "np.repeat(np.repeat(y_small, FACTOR, axis=1), FACTOR, axis=2)"),
    ("helpers.repair", "scores"): ("08", "on_y = np.mean((np.asarray(measure(images)) - y) ** 2)"),
    ("helpers.train", "generator_loss"): ("02", "g_loss = bce(tf.ones_like(fake_logit), fake_logit)"),
    ("helpers.metrics", "fcd"): ("02", "## Scoring generated digits: FCD"),
}
"""Helpers whose tag names the notebook that writes out by hand (under another name, or in its text) what the
helper packages for later chapters, with the line of that notebook that shows it."""


def chapter(where: str) -> str | None:
    """The notebook a place belongs to: ``02`` for a notebook, its solutions and exercises/ch02.py, else None."""
    path = Path(where)
    if path.suffix == ".ipynb":
        return path.stem.split("_")[0]
    match = re.fullmatch(r"exercises/ch(\d\d)\.py", where)
    return match.group(1) if match else None


def notebook_sources(number: str) -> str:
    """All the cells of one chapter's notebook and of its solutions, as one text."""
    paths = [p for p in index.notebooks() if p.stem.split("_")[0] == number]
    return "\n".join(source for p in paths for source in notebook_text.cells(p))


def defined_in_notebooks() -> dict[str, set[str]]:
    """Each function or class name a notebook's code defines, with the notebooks that define it."""
    found: dict[str, set[str]] = {}
    for path in index.notebooks():
        for text in index.notebook_cells(path, "code"):
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    found.setdefault(node.name, set()).add(path.stem.split("_")[0])
    return found


DEFINED = defined_in_notebooks()


def test_the_index_is_current():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "helpers_index.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", list(MODULES))
def test_every_exported_name_exists_and_has_a_docstring(name):
    module = importlib.import_module(name)
    assert MODULES[name].all, f"{name} has no __all__ (or an empty one)"
    assert tuple(module.__all__) == MODULES[name].all
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what the module does not have: {missing}"
    undocumented = [n for n in module.__all__ if not index.docstring((name, n), MODULES).strip()]
    assert not undocumented, f"these names in {name}.__all__ have no docstring: {undocumented}"


def test_every_name_the_notebooks_exercises_scripts_and_benchmarks_use_is_exported():
    missing = sorted(f"{m}.{n} (used by {', '.join(sorted(where))})" for (m, n), where in USED.items()
                     if m in MODULES and n not in (MODULES[m].all or ()))
    assert not missing, "add these to their module's __all__:\n  " + "\n  ".join(missing)


def test_every_name_a_student_is_told_about_is_exported():
    missing = sorted(f"{m}.{n} (in {', '.join(sorted(where))})" for (m, n), where in TOLD.items()
                     if n not in (MODULES[m].all or ()))
    assert not missing, "add these to their module's __all__:\n  " + "\n  ".join(missing)


def test_nothing_is_exported_that_no_one_uses():
    unused = [f"{m.name}.{n}" for m in MODULES.values() for n in m.all or ()
              if (m.name, n) not in USED and (m.name, n) not in TOLD]
    assert not unused, ("used only inside helpers or by the tests: take these out of __all__ (they stay "
                        "importable):\n  " + "\n  ".join(unused))


def test_a_notebook_and_a_keras_module_of_the_same_name_are_told_apart():
    notebook = [ast.parse("from helpers import layers\nlayers.DCGAN\n"),
                ast.parse("from keras import layers\nlayers.Dense(1)\n"),
                ast.parse("from helpers import layers as designs, train\ndesigns.DENSE\nhelpers.train.x\n"
                                "import helpers\nhelpers.train.make_step\ntrain.__file__\n")]
    bindings: dict[str, str] = {}
    found = set().union(*(index.uses_in(tree, bindings, set(MODULES)) for tree in notebook))
    assert found == {("helpers.layers", "DCGAN"), ("helpers.layers", "DENSE"), ("helpers.train", "make_step")}


@pytest.mark.parametrize("name", list(MODULES))
def test_each_tag_names_a_notebook_that_uses_the_name_or_writes_out_what_it_packages(name):
    wrong = []
    for attr in MODULES[name].all or ():
        use = index.origin((name, attr), MODULES)   # a re-exported name: its users wherever it is taken from
        tags = {t for group in TAG.findall(index.docstring(use, MODULES)) for t in re.findall(r"[0-9A]\d", group)}
        users = {chapter(w) for w in USED.get(use, set()) | TOLD.get(use, set())} - {None}
        if not tags or not users:   # untagged, or used only by scripts and benchmarks: nothing to compare with
            continue
        packaged = DEFINED.get(use[1], set())
        if use in PACKAGES:
            number, line = PACKAGES[use]
            assert line in notebook_sources(number), f"{name}.{attr}: notebook {number} no longer shows {line!r}"
            packaged = packaged | {number}
        if not tags <= users | packaged:
            wrong.append(f"{name}.{attr}: the tag names {sorted(tags)}, but the notebooks that use it are "
                         f"{sorted(users)}" + (f" and those that write it out {sorted(packaged)}" if packaged else ""))
    assert not wrong, "\n  ".join(["tags that name a notebook that does not use the name:", *wrong])
