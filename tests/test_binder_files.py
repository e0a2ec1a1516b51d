"""What Binder builds from: the JupyterLab settings overrides, the check script's CPU and memory rules, the package."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load(path: Path):
    """Import a script of the repository as a module."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lab_settings = load(ROOT / "binder" / "lab_settings.py")
binder_check = load(ROOT / "scripts" / "binder_check.py")


def test_overrides_turn_off_the_news_question_with_a_setting_jupyterlab_knows():
    overrides = json.loads((ROOT / "binder" / "overrides.json").read_text())
    assert overrides == {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}
    import jupyterlab.commands

    schemas = Path(jupyterlab.commands.get_app_dir()) / "schemas"
    schema = json.loads((schemas / "@jupyterlab" / "apputils-extension" / "notification.json").read_text())
    allowed = {choice["const"]: choice["title"] for choice in schema["properties"]["fetchNews"]["oneOf"]}
    assert allowed["false"] == "Never"


def test_postbuild_installs_the_overrides_where_jupyterlab_reads_them(monkeypatch):
    assert "python binder/lab_settings.py" in (ROOT / "binder" / "postBuild").read_text()
    monkeypatch.delenv("JUPYTERLAB_DIR", raising=False)
    assert lab_settings.app_settings_dir() == Path(sys.prefix, "share", "jupyter", "lab", "settings")


def test_installing_the_overrides_keeps_settings_already_there(tmp_path):
    (tmp_path / "overrides.json").write_text(json.dumps({
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "true", "doNotDisturbMode": True}}))
    merged = json.loads(lab_settings.install(tmp_path).read_text())
    assert merged == {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
                      "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "doNotDisturbMode": True}}


def test_installing_over_a_broken_overrides_file_says_what_to_do(tmp_path):
    (tmp_path / "overrides.json").write_text("{")
    with pytest.raises(SystemExit, match="not valid JSON.*fix or delete it"):
        lab_settings.install(tmp_path)


@pytest.mark.skipif(not hasattr(binder_check.os, "sched_setaffinity"), reason="CPU affinity is Linux-only")
def test_binder_check_pins_kernels_to_one_cpu_and_cpu_limit_sees_it():
    code = "import os; from helpers.config import cpu_limit; print(len(os.sched_getaffinity(0)), cpu_limit())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          preexec_fn=binder_check.pin_to_cpus(binder_check.BINDER_CPUS))
    assert done.stdout.split() == ["1", "1"], done.stderr[-2000:]


def row(name: str, peak: float | None, cpus: int = 1, error: str | None = None) -> dict:
    """A row of the check's report."""
    return {"notebook": f"notebooks/{name}.ipynb", "seconds": 60.0, "peak_gb": peak, "cpus": cpus, "error": error}


def test_binder_check_rejects_a_kernel_that_saw_more_than_one_cpu_or_2_gb():
    assert binder_check.row_problem(row("00", 0.7), cpus=1) is None
    assert "saw 2 CPUs" in binder_check.row_problem(row("00", 0.7, cpus=2), cpus=1)
    assert "over 2 GB" in binder_check.row_problem(row("02", 2.1), cpus=1)


def test_binder_check_runs_the_two_heaviest_side_by_side_and_sums_their_peaks():
    rows = [row("00", 0.7), row("02", 1.45), row("03", 1.43), row("04", 3.0, error="DeadKernelError")]
    assert binder_check.heaviest_pair(rows) == ["notebooks/02.ipynb", "notebooks/03.ipynb"]
    assert binder_check.pair_verdict([row("02", 1.45), row("03", 1.43)]) == (2.88, "over 2 GB together")
    assert binder_check.pair_verdict([row("00", 0.7), row("06", 0.9)]) == (1.6, "ok")
    assert binder_check.pair_verdict([row("02", None, error="DeadKernelError: killed")])[1].startswith("error")


def test_package_uses_an_spdx_license_and_a_setuptools_that_reads_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"   # PEP 639: an SPDX expression, not a table
    pins = [re.fullmatch(r"setuptools\s*>=\s*(\d+)(\.\d+)*", r) for r in project["build-system"]["requires"]]
    assert any(pin and int(pin.group(1)) >= 77 for pin in pins), "setuptools>=77 reads a license expression"
