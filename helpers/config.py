"""The one setup call every notebook makes first: seeds, quiet logs, CPU threads, fast-mode flag, plot defaults."""

from __future__ import annotations

import logging
import math
import os
import platform
import sys
import warnings
from pathlib import Path

__all__ = ["IMAGE_SHAPE", "N_CLASSES", "WEIGHTS_DIR", "cpu_limit", "describe_cpus", "setup", "peak_memory_gb"]

IMAGE_SHAPE = (28, 28, 1)
"""The shape of one image everywhere in the series: 28x28 pixels, one channel (notebook 02)."""

N_CLASSES = 10
"""The number of digit classes (notebook 04)."""

WEIGHTS_DIR = Path(__file__).parent / "weights"
"""The folder of the shipped pretrained models (`.keras` files) and the metric's classifier (notebook 02)."""

FAST_ENV = "GAN_FAST"
"""Environment variable that switches every notebook to fast mode (tiny data, few steps): ``GAN_FAST=1``."""

CGROUP_ROOT = Path("/sys/fs/cgroup")
"""Where the cgroup file systems are mounted: v2's ``cpu.max`` files (``"QUOTA PERIOD"`` in microseconds, or
``"max PERIOD"``), or v1's ``cpu/cpu.cfs_quota_us`` (``-1``: none) and ``cpu.cfs_period_us``."""

PROC_SELF_CGROUP = Path("/proc/self/cgroup")
"""This process's cgroups, one ``ID:CONTROLLERS:PATH`` line per hierarchy (v2: ``0::PATH``)."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def fast_mode() -> bool:
    """Return True when the fast-mode environment variable is set to a true value (notebook 00)."""
    value = os.environ.get(FAST_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{FAST_ENV}={value!r} is not understood: set it to 1 for fast mode, or unset it for full mode.")


def import_tensorflow_quietly():
    """Import TensorFlow with the C++ start-up banner (oneDNN, CPU features) kept off the screen (notebook 00)."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow as tf
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return tf


def _cgroup_paths(proc_cgroup: Path) -> dict[str, str]:
    """This process's cgroup path per controller, read from ``/proc/self/cgroup`` (v2's unified one under ``""``)."""
    paths = {}
    for line in proc_cgroup.read_text().splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                paths[controller] = parts[2]
    return paths


def _up_the_tree(mount: Path, path: str) -> list[Path]:
    """The cgroup folder of ``path`` under ``mount`` and each of its parents up to ``mount``, those that exist."""
    folder = mount / path.strip("/")
    chain = [folder, *folder.parents]
    return [d for d in chain[: chain.index(mount) + 1] if d.is_dir()] if mount in chain else [mount]


def _quota(quota: str, period: str) -> float | None:
    """CPUs granted by one quota and period, None for no quota (``max`` or ``-1``)."""
    return None if quota == "max" or int(quota) <= 0 else int(quota) / int(period)


def _v1_cpu_mount(root: Path) -> Path | None:
    """The folder where cgroup v1's cpu controller is mounted (``cpu``, or ``cpu,cpuacct``), if any."""
    for name in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        if (root / name / "cpu.cfs_quota_us").exists():
            return root / name
    return None


def cgroup_cpu_quota(root: Path | None = None, proc_cgroup: Path | None = None) -> float | None:
    """CPUs granted by this process's cgroup CPU quota, e.g. 1.5: the smallest quota of its own cgroup and every
    parent, found through ``/proc/self/cgroup`` (v2, else v1); None when no quota binds (notebook 00)."""
    root, proc_cgroup = root or CGROUP_ROOT, proc_cgroup or PROC_SELF_CGROUP
    try:
        paths = _cgroup_paths(proc_cgroup)
    except (OSError, UnicodeDecodeError):
        paths = {}
    v1 = _v1_cpu_mount(root)
    if v1 is not None:
        files = [(d / "cpu.cfs_quota_us", d / "cpu.cfs_period_us") for d in _up_the_tree(v1, paths.get("cpu", "/"))]
    else:
        v2 = root if (root / "cgroup.controllers").exists() or not (root / "unified").is_dir() else root / "unified"
        files = [(d / "cpu.max", None) for d in _up_the_tree(v2, paths.get("", "/"))]
    quotas = []
    for quota_file, period_file in files:
        try:
            if period_file is None:
                quotas.append(_quota(*quota_file.read_text().split()[:2]))
            else:
                quotas.append(_quota(quota_file.read_text().strip(), period_file.read_text().strip()))
        except (OSError, ValueError, TypeError):   # no such file at this level (the root has no cpu.max), or unreadable
            pass
    granted = [q for q in quotas if q is not None]
    return min(granted) if granted else None


def cpu_limits() -> dict[str, int]:
    """The CPU counts that bound this process: the machine's, and the cgroup quota's and affinity's if any
    (notebook 00)."""
    limits = {"machine": os.cpu_count() or 1}
    quota = cgroup_cpu_quota()
    if quota is not None:
        limits["cgroup quota"] = max(1, math.ceil(quota))
    if hasattr(os, "sched_getaffinity"):
        limits["CPU affinity"] = max(1, len(os.sched_getaffinity(0)))
    return limits


def cpu_limit() -> int:
    """The number of CPUs this process can really use: the smallest of the machine's, its quota's, its affinity's
    (notebook 00)."""
    return min(cpu_limits().values())


def describe_cpus() -> str:
    """One phrase for the banner: ``CPUs: 2``, or ``CPUs: 1 (cgroup quota; the machine has 64)`` (notebook 00)."""
    limits = cpu_limits()
    n, machine = min(limits.values()), limits["machine"]
    if n == machine:
        return f"CPUs: {n}"
    reasons = " and ".join(name for name, value in limits.items() if value == n)
    return f"CPUs: {n} ({reasons}; the machine has {machine})"


def limit_tensorflow_threads(n: int) -> None:
    """Size TensorFlow's thread pools for ``n`` CPUs; silently keep them if TensorFlow has already started
    (notebook 00)."""
    tf = import_tensorflow_quietly()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(max(2, n))  # 2 at least: ops that wait on each other
    except RuntimeError:  # "cannot be modified after initialization": an earlier setup() or op already started it
        pass


def quiet_logs() -> None:
    """Silence TensorFlow's and absl's informational messages and the usual noisy warnings (notebook 00)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tf = import_tensorflow_quietly()

    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")


def plot_defaults() -> None:
    """Set matplotlib defaults shared by every notebook: small, crisp figures that keep notebooks light."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 3.6),
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "image.cmap": "gray",
            "font.size": 10,
        }
    )


def setup(seed: int = 0, verbose: bool = True) -> bool:
    """Seed everything, quiet logs, fit TensorFlow's threads to the CPUs, set plot defaults; return the fast flag
    (notebook 00)."""
    fast = fast_mode()
    quiet_logs()
    limit_tensorflow_threads(cpu_limit())
    import keras
    import numpy as np
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    plot_defaults()
    if verbose:
        mode = "FAST (tiny data, few steps)" if fast else "full"
        print(
            f"mode: {mode} | seed {seed} | Python {platform.python_version()} | TensorFlow {tf.__version__}"
            f" | Keras {keras.__version__} | NumPy {np.__version__} | {describe_cpus()}"
        )
    return fast


def peak_memory_gb() -> float:
    """The peak resident memory of this process (a notebook's kernel) so far, in GB (10^9 bytes) (notebook 07)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e9 if sys.platform == "darwin" else peak * 1024 / 1e9  # bytes on macOS, KiB on Linux
