"""A student's runs live in a folder of their own; only scripts/ship.py writes the shipped networks, with a record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import layers, runs, train

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import notebook_text  # noqa: E402
import ship  # noqa: E402

TINY = layers.DENSE.replace(generator=layers.DenseG(z_dim=8, hidden=(16,), slope=0.2),
                            discriminator=layers.DenseD(hidden=(16,), slope=0.2, dropout=0.3), batch_size=32)


@pytest.fixture
def full_mode(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_FAST", "0")
    monkeypatch.setenv(runs.RUNS_ENV, str(tmp_path / "my runs"))
    return tmp_path / "my runs"


def finished_run(folder: Path) -> Path:
    """A tiny trained generator saved in ``folder`` with its run.json."""
    import keras
    keras.utils.set_random_seed(0)
    step = train.make_step(TINY, TINY.build())
    images = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    history = train.train_gan(step, images, epochs=1, verbose=False)
    path = train.save_trained(step.generator, folder / "tiny_generator.keras")
    runs.record_run(folder, "03_dcgan", [path], steps=history.steps, seconds=history.seconds, scores={"fcd": 1.5})
    return path


def test_a_full_mode_run_goes_under_the_students_runs_folder_and_fast_mode_to_a_fresh_one(full_mode, monkeypatch):
    folder = runs.run_dir("03_dcgan")
    assert folder == full_mode / "03_dcgan" and folder.is_dir()
    monkeypatch.setenv("GAN_FAST", "1")
    a, b = runs.run_dir("03_dcgan"), runs.run_dir("03_dcgan")
    assert a != b and not list(a.iterdir()) and full_mode not in a.parents


def test_the_default_runs_folder_is_in_the_home_folder_not_in_the_package(monkeypatch):
    monkeypatch.delenv(runs.RUNS_ENV, raising=False)
    assert runs.runs_root() == Path.home() / "gan-runs"
    assert not train.is_shipped(runs.runs_root() / "x.keras")


def test_paths_are_shown_relative_to_the_repository_or_home():
    assert runs.shown(ROOT / "helpers" / "weights" / "a.keras") == "helpers/weights/a.keras"
    assert runs.shown(Path.home() / "gan-runs" / "03_dcgan") == "~/gan-runs/03_dcgan"
    import tempfile
    assert runs.shown(Path(tempfile.gettempdir()) / "demo") == "<tmp>/demo"


def test_ship_copies_a_finished_run_and_records_where_it_came_from(full_mode, tmp_path):
    run = runs.run_dir("03_dcgan")
    path = finished_run(run)
    weights = tmp_path / "weights"
    weights.mkdir()
    shipped = ship.ship(run, weights=weights)
    assert shipped == [weights / "tiny_generator.keras"]
    assert (weights / "tiny_generator.keras").read_bytes() == path.read_bytes()
    record = json.loads((weights / "SHIPPED.json").read_text())["tiny_generator.keras"]
    assert record["notebook"] == "03_dcgan" and record["steps"] == 2 and record["scores"] == {"fcd": 1.5}
    assert record["sha256"] == runs.sha256_of(path) and record["date"][:4].isdigit()


@pytest.mark.parametrize("fault, message", [("fast", "fast-mode"), ("changed", "changed after"),
                                            ("no record", "no finished run"), ("unknown", "not \\['other")])
def test_ship_refuses_what_is_not_a_finished_full_mode_run(full_mode, tmp_path, monkeypatch, fault, message, capsys):
    run = runs.run_dir("03_dcgan")
    if fault == "fast":
        monkeypatch.setenv("GAN_FAST", "1")
    path = finished_run(run)
    weights = tmp_path / "weights"
    weights.mkdir()
    names = None
    if fault == "changed":
        path.write_bytes(path.read_bytes() + b"x")
    elif fault == "no record":
        (run / runs.RUN_RECORD).unlink()
    elif fault == "unknown":
        names = ["other.keras"]
    with pytest.raises((SystemExit, FileNotFoundError), match=message):
        ship.ship(run, names, weights=weights)
    assert list(weights.iterdir()) == []


def test_no_notebook_saves_into_the_shipped_folder():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        code = "".join(notebook_text.cells(path, "code"))
        for line in code.splitlines():
            if "save_trained(" in line:
                target = line.split("save_trained(", 1)[1].split(",", 1)[1].strip()
                assert not target.startswith(("WEIGHTS", "PRETRAINED")), (path.name, line)   # a shipped path


def test_the_ship_command_runs_from_the_command_line(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "ship.py"), str(tmp_path / "nothing")],
                            capture_output=True, text=True, env={**os.environ, "GAN_FAST": "0"})
    assert result.returncode != 0 and "no finished run" in result.stderr


def test_every_shipped_generator_is_the_file_its_record_names():
    from helpers.config import WEIGHTS_DIR
    record = json.loads((WEIGHTS_DIR / "SHIPPED.json").read_text())
    networks = {p.name for p in WEIGHTS_DIR.glob("*.keras")} - {"mnist_classifier.keras"}   # the metric's, not a run's
    assert networks == set(record), "every shipped network comes from a run that scripts/ship.py recorded"
    for name, origin in record.items():
        assert runs.sha256_of(WEIGHTS_DIR / name) == origin["sha256"], name
        assert origin["steps"] > 0 and origin["notebook"][:2].isdigit() and origin["scores"], name
