"""Test-session setup shared by the unit tests and nbval: fast mode on, stderr never compared."""

import os
import tempfile

os.environ.setdefault("GAN_FAST", "1")  # nbval kernels inherit this: every notebook runs in fast mode
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_SCRATCH = tempfile.mkdtemp(prefix="gan-tests-")
os.environ.setdefault("GAN_PROGRESS_FILE", os.path.join(_SCRATCH, "progress.json"))   # never the student's own record
os.environ.setdefault("GAN_RUNS_DIR", os.path.join(_SCRATCH, "runs"))                 # never the student's own runs

try:
    from nbval.plugin import IPyNbCell
except ImportError:  # nbval not installed: unit tests still run
    IPyNbCell = None


def _without_stderr(outputs):
    """Drop stderr streams (TensorFlow logs, warnings): only what a cell prints on purpose is compared."""
    return [o for o in outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]


if IPyNbCell is not None and not getattr(IPyNbCell, "_stderr_ignored", False):
    _compare = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        return _compare(self, _without_stderr(test), _without_stderr(ref), skip_compare)

    IPyNbCell.compare_outputs = compare_outputs
    IPyNbCell._stderr_ignored = True


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (the README's test command, with pytest-xdist): one worker per CPU this process may use (its
    cgroup quota and affinity counted), at most 4, since each worker may hold a notebook's kernel (about 1.3 GB)."""
    from helpers.config import cpu_limit

    return max(1, min(4, cpu_limit()))


def _expected_seconds(path, fast_s: dict) -> float:
    """A test file's rough cost: a notebook's stored fast-mode time (a solutions notebook: its chapter's), the class
    and the browser tests as measured; 0 for the quick files."""
    if path.suffix == ".ipynb":
        return fast_s.get(path.name.split("_")[0], 20)
    return {"test_course.py": 110, "test_jupyterlab_browser.py": 45, "test_playground_browser.py": 40}.get(path.name, 0)


def pytest_configure(config):
    """Keep the order of the files set below: pytest-xdist would otherwise hand them out by their number of tests."""
    if hasattr(config.option, "loadscopereorder"):   # pytest-xdist is installed
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    """Mark as ``slow`` what takes minutes in all: every notebook cell nbval re-executes, the browser tests and the
    simulated nbgrader class (``python -m pytest -m "not slow"`` runs the rest, the quick unit tests). Then order
    the files longest first, so that with ``--dist loadfile`` the quick files fill the end of the run on every worker
    instead of one long file running alone."""
    import json
    from pathlib import Path

    import pytest

    for item in items:
        if (item.path.suffix == ".ipynb" or item.get_closest_marker("browser")
                or "graded" in getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    times = Path(__file__).parent / "docs" / "run_times.json"
    fast_s = json.loads(times.read_text())["fast_s"] if times.exists() else {}
    items.sort(key=lambda item: -_expected_seconds(item.path, fast_s))   # stable: a file's tests keep their order
