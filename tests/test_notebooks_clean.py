"""Stored notebooks stay clean: run top to bottom in one go, no error outputs, small, with the shared opening."""

from __future__ import annotations

from pathlib import Path

import pytest

import notebook_text

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]
IDS = [str(p.relative_to(p.parents[1])) for p in NOTEBOOKS]


def code_cells(path: Path) -> list[dict]:
    nb = notebook_text.load(path)
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_there_are_notebooks():
    assert any(p.name.startswith("00_") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_was_run_top_to_bottom(path):
    counts = [c["execution_count"] for c in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts}: re-run it top to bottom"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_no_error_outputs(path):
    errors = [o.get("ename") for c in code_cells(path) for o in c["outputs"] if o["output_type"] == "error"]
    assert errors == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_under_3_mb(path):
    assert path.stat().st_size < 3_000_000


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_opens_with_the_shared_setup_and_never_installs(path):
    cells = code_cells(path)
    first = "".join(cells[0]["source"])
    assert "helpers.setup(" in first
    for c in cells:
        src = "".join(c["source"])
        assert "!pip" not in src and "%pip" not in src


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_opens_with_the_python3_kernel(path):
    metadata = notebook_text.load(path)["metadata"]
    assert metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_training_output_stays_short(path):
    """A training cell keeps a progress line that updates in place and a summary, not hundreds of lines."""
    for c in code_cells(path):
        lines = sum("".join(o.get("text", "")).count("\n") for o in c["outputs"] if o["output_type"] == "stream")
        assert lines <= 40, f"a cell stores {lines} printed lines:\n{''.join(c['source'])[:300]}"
