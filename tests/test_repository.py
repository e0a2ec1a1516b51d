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
