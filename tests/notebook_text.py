"""Reading a stored notebook, for every test that reads one: its JSON, its cells, the path a student reads, its
functions. The one notebook reader of the tests."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path


def load(path: Path) -> dict:
    """The stored notebook as its JSON: cells with their outputs and metadata, and the notebook's metadata."""
    return json.loads(path.read_text(encoding="utf-8"))


def cells(path: Path, kind: str | None = None) -> list[str]:
    """The source of every cell of one kind ("markdown" or "code"), or of every cell, in order."""
    return ["".join(c["source"]) for c in load(path)["cells"] if kind is None or c["cell_type"] == kind]


def first(path: Path, pattern: str, kind: str | None = None) -> int:
    """The index, among all cells, of the first cell (of ``kind``) whose source matches the regex ``pattern``."""
    nb = load(path)
    return next(i for i, c in enumerate(nb["cells"])
                if (kind is None or c["cell_type"] == kind) and re.search(pattern, "".join(c["source"])))


def main_path(path: Path) -> list[str]:
    """The markdown cells a student reads before the summary."""
    found = []
    for text in cells(path, "markdown"):
        if text.startswith("## Summary"):
            break
        found.append(text)
    return found


def prose(text: str) -> str:
    """Markdown without the navigation and launch lines."""
    return "\n".join(line for line in text.split("\n") if not line.startswith(("[←", "[![", "[Index]")))


def running_text(path: Path) -> str:
    """The main path as one text, whitespace collapsed: no navigation, list of what you will learn or heading."""
    text = "\n".join(prose(t) for t in main_path(path))
    text = re.sub(r"\*\*What you will learn\*\*\n(?:\d\..*\n(?: {3}.*\n)*)+", "", text)
    text = "\n".join(line for line in text.split("\n") if not line.startswith("#"))
    return re.sub(r"\s+", " ", text)


def checked(path: Path) -> set[str]:
    """The names of the exercises that the notebook's code cells check."""
    return set(re.findall(r'\bcheck\("([^"]+)"', "\n".join(cells(path, "code"))))


def code_cell(path: Path, defining: str) -> str:
    """The first code cell whose source contains ``defining``."""
    return next(src for src in cells(path, "code") if defining in src)


def function(path: Path, source: str, name: str, namespace: dict):
    """Define the notebook's function ``name`` (only its def, nothing else of the cell) in ``namespace``."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    exec(compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec"), namespace)  # noqa: S102
    return namespace[name]


@dataclass(frozen=True)
class Notebook:
    """One stored notebook read as text: its cells, the path a student reads, its code."""

    path: Path

    def cells(self, kind: str | None = None) -> list[str]:
        """The source of every cell of one kind ("markdown" or "code"), or of every cell, in order."""
        return cells(self.path, kind)

    def first(self, pattern: str, kind: str | None = None) -> int:
        """The index, among all cells, of the first cell (of ``kind``) whose source matches ``pattern``."""
        return first(self.path, pattern, kind)

    def main_path(self) -> list[str]:
        """The markdown cells a student reads before the summary."""
        return main_path(self.path)

    def code_cell(self, defining: str) -> str:
        """The first code cell whose source contains ``defining``."""
        return code_cell(self.path, defining)

    def function(self, source: str, name: str, namespace: dict):
        """Define the notebook's function ``name`` (only its def) from ``source`` in ``namespace``."""
        return function(self.path, source, name, namespace)

    def parameters(self, fast: bool, **names) -> dict:
        """The names the `parameters` cell defines in fast or full mode; ``names`` stand in for its imports."""
        cell = next(c for c in load(self.path)["cells"] if "parameters" in c["metadata"].get("tags", []))
        namespace = {"FAST": fast, "WEIGHTS_DIR": Path("weights"), **names}
        exec("".join(cell["source"]), namespace)  # noqa: S102
        return namespace


def assert_exercises_asked_and_solved(notebook: Path, solutions: Path, names: list[str]) -> None:
    """Each exercise is checked in the chapter, and solved (its verdict asserted) in the solutions notebook."""
    asked, solved = "\n".join(cells(notebook, "code")), cells(solutions, "code")
    for name in names:
        assert f'check("{name}", ' in asked, f"{name} is not asked in {notebook.name}"
        cell = next(src for src in solved if f'check("{name}", ' in src)
        assert "assert verdict.passed" in cell, f"{name}'s solution does not assert its verdict"


def assert_opens_like_a_chapter(solutions: Path) -> None:
    """The solutions notebook's first code cell is the chapters' own: the Colab guard, then helpers.setup."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import nav

    first = cells(solutions, "code")[0]
    assert first.startswith("".join(nav.GUARD)) and "FAST = helpers.setup(seed=0)" in first
