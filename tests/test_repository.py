"""The repository holds what its layout says, and nothing else at its top level."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP_LEVEL = {".ci", ".gitignore", "README.md", "benchmarks", "binder", "conftest.py", "docs", "exercises", "helpers",
             "notebooks", "pyproject.toml", "requirements-test.txt", "requirements.txt", "scripts", "tests"}


def test_the_top_level_holds_only_the_layout_the_readme_describes():
    result = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip("not a git checkout")
    names = {line.split("/", 1)[0] for line in result.stdout.splitlines()}
    assert names <= TOP_LEVEL, f"unexpected files at the top level: {sorted(names - TOP_LEVEL)}"


def test_the_suite_hands_out_its_longest_files_first():
    """With ``--dist loadfile`` the class, the slowest notebooks and the browser tests start first, so that the
    quick files, not one long file, fill the end of a run (conftest.py, which also keeps pytest-xdist to that order)."""
    import json
    import types

    import conftest

    fast_s = json.loads((ROOT / "docs" / "run_times.json").read_text())["fast_s"]
    cost = {name: conftest._expected_seconds(ROOT / name, fast_s) for name in (
        "tests/test_course.py", "notebooks/09_trained_restorer.ipynb", "tests/test_jupyterlab_browser.py",
        "notebooks/00_index.ipynb", "tests/test_exercises.py")}
    assert list(cost) == sorted(cost, key=cost.get, reverse=True), cost
    assert cost["tests/test_exercises.py"] == 0
    config = types.SimpleNamespace(option=types.SimpleNamespace(loadscopereorder=True))
    conftest.pytest_configure(config)
    assert config.option.loadscopereorder is False
