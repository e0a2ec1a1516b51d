"""Write docs/helpers_index.md: each helpers module's public names, what each does, and who uses it.

    python scripts/helpers_index.py            # rewrite the index
    python scripts/helpers_index.py --check    # exit 1 and name the drift (the tests run this)

A module's public names are its ``__all__``. Who uses them is computed, never written by hand: the code cells of
notebooks/*.ipynb and notebooks/solutions/*.ipynb and the .py files of exercises/, scripts/ and benchmarks/ are
parsed (not run), and every use of a helpers name is followed through the imports before it
(``from helpers import train`` then ``train.make_step``, ``helpers.train.make_step``,
``from helpers.train import make_step``, an alias such as ``from helpers import layers as designs``, not
``from keras import layers``; Python code held in a string, run in another process, counts too). A name is also
public when a student is told about it: a notebook's text, README.md or docs/*.md writes it in code as
``module.name`` (``helpers.module.name``), or the documents write it bare and one module defines it.

Each row names the notebooks whose code uses the name (``(solutions)`` where only the solutions notebook does,
``(text)`` where only the notebook's text names it); where no notebook does, the exercises, scripts and
benchmarks that use it; else the documents. ``--check`` also names the drift between the modules' ``__all__``
and these uses: a name used but not in ``__all__``, or in ``__all__`` but used and documented nowhere.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import inspect
import json
import re
import textwrap
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ROOT / "helpers"
INDEX = ROOT / "docs" / "helpers_index.md"
PACKAGE = "helpers"
CODE_FOLDERS = ("exercises", "scripts", "benchmarks")
QUALIFIED = re.compile(r"\b((?:helpers\.)?[a-z_]+)\.([A-Za-z_]\w*)")
BARE = re.compile(r"([A-Za-z_]\w*)(?:\(.*\))?(?:\.\w+)*")
Use = tuple[str, str]
"""A helpers name as it is used: (the module it is taken from, e.g. ``helpers.train``, the name)."""
Uses = dict[Use, set[str]]
"""Each helpers name with the places (paths from the repository root) that use it."""


@dataclass(frozen=True)
class Module:
    """One helpers module as its source states it: its names with their docstrings, re-exports and ``__all__``."""

    name: str
    defined: dict[str, str]
    imported: dict[str, Use]
    all: tuple[str, ...] | None

    def has(self, name: str) -> bool:
        """Whether the module defines or imports ``name``."""
        return name in self.defined or name in self.imported


def modules() -> dict[str, Module]:
    """Every module of the package, the package itself first, by dotted name."""
    paths = [HELPERS / "__init__.py"] + sorted(p for p in HELPERS.glob("*.py") if p.name != "__init__.py")
    return {m.name: m for m in map(read_module, paths)}


def read_module(path: Path) -> Module:
    """Parse one module: what it defines (with each one's docstring, '' for none), imports from helpers, exports."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    defined: dict[str, str] = {}
    imported: dict[str, Use] = {}
    exported = None
    for node, following in zip(body, body[1:] + [None]):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined[node.name] = ast.get_docstring(node) or ""
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name) and target.id == "__all__":
                    exported = tuple(ast.literal_eval(node.value))
                elif isinstance(target, ast.Name):
                    defined[target.id] = attribute_docstring(following)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE:
            imported.update({a.asname or a.name: (node.module, a.name) for a in node.names})
    name = PACKAGE if path.name == "__init__.py" else f"{PACKAGE}.{path.stem}"
    return Module(name, defined, imported, exported)


def attribute_docstring(node: ast.stmt | None) -> str:
    """The string that follows an assignment (a constant's docstring), or ''."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return inspect.cleandoc(node.value.value)
    return ""


def summary(doc: str) -> str:
    """The first paragraph of a docstring, on one line."""
    return " ".join(doc.strip().split("\n\n")[0].split())


def uses_in(tree: ast.AST, bindings: dict[str, str], names: set[str]) -> set[Use]:
    """The helpers names ``tree`` uses, following its imports in order; ``bindings`` (local name -> module) carries on."""
    found: set[Use] = set()
    for node in sorted((n for n in ast.walk(tree) if hasattr(n, "lineno")), key=lambda n: (n.lineno, n.col_offset)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bind(bindings, alias.asname or alias.name.split(".")[0],
                     alias.name if alias.asname else alias.name.split(".")[0], names)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bind(bindings, alias.asname or alias.name, f"{node.module}.{alias.name}", names)
                if node.module in names and f"{node.module}.{alias.name}" not in names:
                    found.add((node.module, alias.name))
        elif isinstance(node, ast.Attribute):
            base = resolve(node.value, bindings, names)
            if base and f"{base}.{node.attr}" not in names and not node.attr.startswith("__"):
                found.add((base, node.attr))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
              and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)):
            base = resolve(node.args[0], bindings, names)
            if base:
                found.add((base, str(node.args[1].value)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and PACKAGE in node.value:
            embedded = code_in(node.value)
            if embedded is not None:
                found |= uses_in(embedded, {}, names)
    return found


def bind(bindings: dict[str, str], local: str, target: str, names: set[str]) -> None:
    """Bind ``local`` to a helpers module, or forget it when an import rebinds it to anything else."""
    if target in names:
        bindings[local] = target
    else:
        bindings.pop(local, None)


def resolve(node: ast.AST, bindings: dict[str, str], names: set[str]) -> str | None:
    """The helpers module an expression names (``train``, ``helpers.train``), else None."""
    if isinstance(node, ast.Name):
        return bindings.get(node.id)
    if isinstance(node, ast.Attribute):
        base = resolve(node.value, bindings, names)
        return f"{base}.{node.attr}" if base and f"{base}.{node.attr}" in names else None
    return None


def code_in(text: str) -> ast.AST | None:
    """The Python code a string holds (a program run in another process), if it imports something and parses."""
    if "import" not in text:
        return None
    try:
        return ast.parse(textwrap.dedent(text))
    except SyntaxError:
        return None


def notebook_cells(path: Path, kind: str) -> list[str]:
    """The sources of a notebook's cells of one kind, in order; code without IPython magics and shell lines."""
    cells = [cell for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == kind]
    texts = ["".join(cell["source"]) for cell in cells]
    if kind == "code":
        texts = ["\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in text.split("\n"))
                 for text in texts]
    return texts


def notebooks() -> list[Path]:
    """The chapters and their solutions notebooks."""
    return sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))


def code() -> dict[str, list[ast.AST]]:
    """Every place whose code may use helpers, by path from the repository root: its parsed code, in order."""
    found: dict[str, list[ast.AST]] = {}
    for path in notebooks():
        try:
            found[relative(path)] = [ast.parse(text) for text in notebook_cells(path, "code")]
        except SyntaxError as err:
            raise SystemExit(f"{relative(path)}: a code cell does not parse: {err}") from err
    for folder in CODE_FOLDERS:
        for path in sorted(p for p in (ROOT / folder).glob("*.py") if p != Path(__file__).resolve()):
            found[relative(path)] = [ast.parse(path.read_text(encoding="utf-8"))]
    return found


def relative(path: Path) -> str:
    """A path from the repository root, with forward slashes."""
    return path.relative_to(ROOT).as_posix()


def users(mods: dict[str, Module]) -> Uses:
    """Each helpers name the code of notebooks, exercises, scripts and benchmarks uses, with the paths that do."""
    found: Uses = defaultdict(set)
    for where, trees in code().items():
        bindings: dict[str, str] = {}
        for tree in trees:
            for use in uses_in(tree, bindings, set(mods)):
                found[use].add(where)
    return with_origins(found, mods)


def told(mods: dict[str, Module]) -> Uses:
    """Each helpers name a student is told about in code spans: of a notebook's text, README.md and docs/*.md."""
    found: Uses = defaultdict(set)
    owners = defaultdict(list)
    for module in mods.values():
        for name in module.defined:
            owners[name].append(module.name)
    for path in notebooks():
        bindings: dict[str, str] = {}
        for tree in (ast.parse(text) for text in notebook_cells(path, "code")):
            uses_in(tree, bindings, set(mods))
        for text in notebook_cells(path, "markdown"):
            for use in spans(text, mods, bindings):
                found[use].add(relative(path))
    for path in [ROOT / "README.md"] + sorted(p for p in (ROOT / "docs").glob("*.md") if p != INDEX):
        for span in re.findall(r"`([^`\n]+)`", path.read_text(encoding="utf-8")):
            bare = BARE.fullmatch(span)
            if bare and len(owners.get(bare.group(1), ())) == 1:
                found[(owners[bare.group(1)][0], bare.group(1))].add(relative(path))
            for use in spans(f"`{span}`", mods, {}):
                found[use].add(relative(path))
    return with_origins(found, mods)


def spans(text: str, mods: dict[str, Module], bindings: dict[str, str]) -> set[Use]:
    """The helpers names that code spans of ``text`` write as ``helpers.module.name`` or ``module.name``."""
    short = {m.rsplit(".", 1)[-1]: m for m in mods if m != PACKAGE} | bindings
    return {(short.get(module, module), name)
            for span in re.findall(r"`([^`\n]+)`", text) for module, name in QUALIFIED.findall(span)
            if short.get(module, module) in mods and mods[short.get(module, module)].has(name)}


def with_origins(found: Uses, mods: dict[str, Module]) -> Uses:
    """The uses, with a re-exported name's uses counted in the module that defines it as well."""
    for (module, name), where in list(found.items()):
        while module in mods and name in mods[module].imported:
            module, name = mods[module].imported[name]
            found[(module, name)] |= where
    return found


def label(where: str) -> str:
    """How a table names a notebook: ``02``, ``02 (solutions)``."""
    number = Path(where).stem.split("_")[0]
    return f"{number} (solutions)" if "/solutions/" in where else number


def used_by(use: Use, used: Uses, mentioned: Uses) -> str:
    """The users column: notebooks, else exercises, scripts and benchmarks, else the documents that name it."""
    where, text = used.get(use, set()), mentioned.get(use, set())
    chapters = {label(w) for w in where if w.endswith(".ipynb") and "/solutions/" not in w}
    others = {label(w) for w in where if "/solutions/" in w and label(w).split()[0] not in chapters}
    others |= {f"{label(w)} (text)" for w in text if w.endswith(".ipynb") and label(w).split()[0] not in chapters}
    code_files = sorted(w for w in where if not w.endswith(".ipynb"))
    documents = sorted(w for w in text if not w.endswith(".ipynb"))
    return (", ".join(sorted(chapters | others)) or ", ".join(f"`{w}`" for w in code_files)
            or ", ".join(f"`{w}` (documented)" for w in documents) or "—")


def origin(use: Use, mods: dict[str, Module]) -> Use:
    """Where a name is defined: a re-exported name followed to its module."""
    module, name = use
    while name not in mods[module].defined and name in mods[module].imported:
        module, name = mods[module].imported[name]
    return module, name


def docstring(use: Use, mods: dict[str, Module]) -> str:
    """A name's docstring, from the module that defines it ('' for none)."""
    module, name = origin(use, mods)
    return mods[module].defined.get(name, "")


def render(mods: dict[str, Module], used: Uses, mentioned: Uses) -> str:
    """The index as Markdown: one table per module, one row per name in its ``__all__``."""
    out = ["# The helpers package: its public names and who uses them", "",
           "Written by `python scripts/helpers_index.py` from the code (do not edit it by hand; the tests check that it",
           "is current). A module's public names are its `__all__`. *Used by* names the notebooks whose code uses the",
           "name (`(solutions)`: only the solutions notebook; `(text)`: only the notebook's text names it), else the",
           "exercises, scripts and benchmarks that use it, else the documents that describe it. A module's other",
           "names are its plumbing: importable, but used only inside `helpers` and by the tests.", ""]
    for module in mods.values():
        out += [f"## `{module.name}`", "", "| name | what it is | used by |", "|---|---|---|"]
        for name in module.all or ():
            text = summary(docstring((module.name, name), mods)).replace("|", "\\|")
            out.append(f"| `{name}` | {text} | {used_by((module.name, name), used, mentioned)} |")
        out.append("")
    return "\n".join(out)


def drift(mods: dict[str, Module], used: Uses, mentioned: Uses) -> list[str]:
    """Where the modules' ``__all__`` and the uses disagree, one line each."""
    problems = []
    everywhere = {use: used.get(use, set()) | mentioned.get(use, set()) for use in set(used) | set(mentioned)}
    for (module, name), where in sorted(everywhere.items()):
        if module not in mods:
            continue
        if not mods[module].has(name):
            problems.append(f"{module}.{name}: used by {', '.join(sorted(where))}, but {module} has no such name")
        elif name not in (mods[module].all or ()):
            problems.append(f"{module}.{name}: used by {', '.join(sorted(where))}, but not in its __all__")
    for module in mods.values():
        if module.all is None:
            problems.append(f"{module.name}: no __all__")
        problems += [f"{module.name}.{name}: in __all__, but no notebook, exercise, script, benchmark or document "
                     "uses it" for name in module.all or () if (module.name, name) not in everywhere]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="report drift, change nothing")
    args = parser.parse_args()
    mods = modules()
    used, mentioned = users(mods), told(mods)
    problems = drift(mods, used, mentioned)
    for problem in problems:
        print(problem)
    text = render(mods, used, mentioned)
    old = INDEX.read_text(encoding="utf-8") if INDEX.exists() else ""
    if old != text and args.check:
        changed = [line for line in difflib.unified_diff(old.splitlines(), text.splitlines(), lineterm="", n=0)
                   if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        print(f"{relative(INDEX)} is not current (run: python scripts/helpers_index.py); the lines that differ:\n  "
              + "\n  ".join(changed[:40] + ([f"... and {len(changed) - 40} more"] if len(changed) > 40 else [])))
    elif old != text:
        INDEX.write_text(text, encoding="utf-8")
        print(f"updated: {relative(INDEX)}")
    return 1 if args.check and (old != text or problems) else 0


if __name__ == "__main__":
    raise SystemExit(main())
