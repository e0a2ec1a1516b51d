"""The setup call every notebook makes first, and the shared plots."""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import numpy as np
import pytest

import helpers
from helpers import config, plots


@pytest.fixture
def cgroup(monkeypatch, tmp_path):
    """Point the cgroup files at a temporary folder (none exist yet), on a 4-CPU machine with no affinity mask."""
    monkeypatch.setattr(config, "CGROUP_V2_CPU_MAX", tmp_path / "cpu.max")
    monkeypatch.setattr(config, "CGROUP_V1_QUOTA", tmp_path / "cpu.cfs_quota_us")
    monkeypatch.setattr(config, "CGROUP_V1_PERIOD", tmp_path / "cpu.cfs_period_us")
    monkeypatch.setattr(config.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(config.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    return tmp_path


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("", False), ("0", False)])
def test_fast_mode_flag_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(helpers.FAST_ENV, value)
    assert helpers.fast_mode() is expected


def test_unclear_fast_mode_value_says_what_to_do(monkeypatch):
    monkeypatch.setenv(helpers.FAST_ENV, "maybe")
    with pytest.raises(ValueError, match="set it to 1"):
        helpers.fast_mode()


def test_setup_seeds_everything_and_prints_one_line(monkeypatch, capsys):
    import keras
    monkeypatch.setenv(helpers.FAST_ENV, "1")
    assert helpers.setup(seed=3) is True
    first = (np.random.rand(), keras.random.normal((2,)).numpy().tolist())
    helpers.setup(seed=3)
    second = (np.random.rand(), keras.random.normal((2,)).numpy().tolist())
    assert first == second
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "TensorFlow" in lines[0] and "FAST" in lines[0]
    assert matplotlib.rcParams["image.cmap"] == "gray"


@pytest.mark.parametrize("cpu_max, expected", [("100000 100000", 1), ("150000 100000", 2), ("50000 100000", 1),
                                                ("max 100000", 4), ("800000 100000", 4)])
def test_cpu_limit_follows_the_cgroup_v2_quota(cgroup, cpu_max, expected):
    (cgroup / "cpu.max").write_text(cpu_max + "\n")
    assert config.cpu_limit() == expected


@pytest.mark.parametrize("quota, expected", [("100000", 1), ("150000", 2), ("-1", 4)])
def test_cpu_limit_follows_the_cgroup_v1_quota(cgroup, quota, expected):
    (cgroup / "cpu.cfs_quota_us").write_text(quota + "\n")
    (cgroup / "cpu.cfs_period_us").write_text("100000\n")
    assert config.cpu_limit() == expected


def test_cpu_limit_without_cgroup_files_is_the_cpu_count(cgroup):
    assert config.cpu_limit() == 4
    assert config.describe_cpus() == "CPUs: 4"


def test_cpu_limit_follows_the_affinity_mask(cgroup, monkeypatch):
    monkeypatch.setattr(config.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert config.cpu_limit() == 1
    assert config.describe_cpus() == "CPUs: 1 (CPU affinity; the machine has 4)"


def test_setup_banner_and_tensorflow_threads_follow_the_cpu_limit(cgroup, monkeypatch, capsys):
    (cgroup / "cpu.max").write_text("100000 100000\n")
    sized = []
    monkeypatch.setattr(config, "limit_tensorflow_threads", sized.append)
    monkeypatch.setenv(helpers.FAST_ENV, "1")
    helpers.setup(seed=0)
    assert sized == [1]
    assert "| CPUs: 1 (cgroup quota; the machine has 4)" in capsys.readouterr().out


def test_tensorflow_threads_are_set_before_tensorflow_starts():
    """In a fresh process, setup() sizes both thread pools; a second call (TensorFlow running) says nothing."""
    code = ("import helpers, tensorflow as tf\n"
            "from helpers import config\n"
            "config.cpu_limit = lambda: 1\n"
            "helpers.setup(verbose=False); tf.constant(1.0) + 1\n"
            "config.cpu_limit = lambda: 3\n"
            "helpers.setup(verbose=False)\n"
            "print(tf.config.threading.get_intra_op_parallelism_threads(),"
            " tf.config.threading.get_inter_op_parallelism_threads())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "2"]


def test_image_grid_accepts_uint8_and_tanh_images():
    uint8 = np.random.default_rng(0).integers(0, 256, (16, 28, 28), dtype=np.uint8)
    tanh = uint8[..., None].astype(np.float32) / 127.5 - 1
    np.testing.assert_allclose(plots.to_display(uint8), plots.to_display(tanh), atol=1e-2)
    fig = plots.image_grid(tanh, title="sixteen")
    assert len([ax for ax in fig.axes if ax.images]) == 16
    fig = plots.image_grid(uint8[:10], ncols=5, titles=list("0123456789"))
    assert len(fig.axes) == 10


def test_image_grid_rejects_a_wrong_shape_with_advice():
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        plots.image_grid(np.zeros((2, 28, 28, 2)))


def test_loss_curves_draws_one_line_per_series():
    fig = plots.loss_curves({"d_loss": [1, 0.8, 0.7], "g_loss": [0.5, 0.9, 1.1]}, window=2, hline=0.5)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()][:2] == ["d_loss", "g_loss"]
    np.testing.assert_allclose(plots.smooth([1, 3, 5], 2), [1, 2, 4])
    with pytest.raises(ValueError, match="at least one"):
        plots.loss_curves({})
