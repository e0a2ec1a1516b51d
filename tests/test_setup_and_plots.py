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
    """Point the cgroup mount at an empty temporary folder and /proc/self/cgroup at a file saying the process is in
    the root cgroup (``0::/``), on a 4-CPU machine with no affinity mask; return the mount."""
    root = tmp_path / "sys-fs-cgroup"
    root.mkdir()
    (tmp_path / "proc-self-cgroup").write_text("0::/\n")
    monkeypatch.setattr(config, "CGROUP_ROOT", root)
    monkeypatch.setattr(config, "PROC_SELF_CGROUP", tmp_path / "proc-self-cgroup")
    monkeypatch.setattr(config.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(config.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    return root


def cgroup_tree(root, files: dict[str, str]):
    """Write cgroup files under ``root``: ``{"a/b/cpu.max": "150000 100000"}``."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text + "\n")


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
    cgroup_tree(cgroup, {"cpu/cpu.cfs_quota_us": quota, "cpu/cpu.cfs_period_us": "100000"})
    assert config.cpu_limit() == expected


@pytest.mark.parametrize("own, parent, expected", [("150000 100000", "max 100000", 2), ("max 100000", "100000 100000", 1),
                                                  ("300000 100000", "200000 100000", 2), ("max 100000", None, 4)])
def test_cpu_limit_follows_a_child_cgroups_v2_quota_and_its_parents(cgroup, tmp_path, own, parent, expected):
    """A kernel started by a JupyterHub spawner or systemd sits in a child cgroup: its quota, or a tighter one of
    a parent, binds it, not the root's (which has no cpu.max at all)."""
    (tmp_path / "proc-self-cgroup").write_text("0::/user.slice/jupyter-alice.service\n")
    cgroup_tree(cgroup, {"cgroup.controllers": "cpu memory", "user.slice/jupyter-alice.service/cpu.max": own,
                         **({"user.slice/cpu.max": parent} if parent else {})})
    assert config.cpu_limit() == expected


def test_cpu_limit_follows_a_child_cgroups_v1_quota(cgroup, tmp_path):
    (tmp_path / "proc-self-cgroup").write_text("5:memory:/kubepods/pod1\n4:cpu,cpuacct:/kubepods/pod1\n0::/\n")
    cgroup_tree(cgroup, {"cpu,cpuacct/cpu.cfs_quota_us": "-1", "cpu,cpuacct/cpu.cfs_period_us": "100000",
                         "cpu,cpuacct/kubepods/cpu.cfs_quota_us": "-1", "cpu,cpuacct/kubepods/cpu.cfs_period_us": "100000",
                         "cpu,cpuacct/kubepods/pod1/cpu.cfs_quota_us": "50000",
                         "cpu,cpuacct/kubepods/pod1/cpu.cfs_period_us": "100000"})
    assert config.cgroup_cpu_quota() == 0.5 and config.cpu_limit() == 1


def test_a_cgroup_path_not_visible_in_a_container_falls_back_to_the_mounted_root(cgroup, tmp_path):
    """In a container, /proc/self/cgroup may name the host's path; the container's own mount is its root."""
    (tmp_path / "proc-self-cgroup").write_text("0::/docker/0123abcd\n")
    cgroup_tree(cgroup, {"cgroup.controllers": "cpu", "cpu.max": "100000 100000"})
    assert config.cpu_limit() == 1


def test_the_cgroup_paths_can_be_given(tmp_path):
    cgroup_tree(tmp_path / "fs", {"cgroup.controllers": "cpu", "a/b/cpu.max": "250000 100000"})
    (tmp_path / "self").write_text("0::/a/b\n")
    assert config.cgroup_cpu_quota(root=tmp_path / "fs", proc_cgroup=tmp_path / "self") == 2.5
    assert config.cgroup_cpu_quota(root=tmp_path / "none", proc_cgroup=tmp_path / "none") is None


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
