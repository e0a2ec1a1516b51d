"""The one setup call every notebook makes first: seeds, quiet logs, fast-mode flag, plot defaults."""

from __future__ import annotations

import logging
import os
import platform
import sys
import warnings

FAST_ENV = "GAN_FAST"
"""Environment variable that switches every notebook to fast mode (tiny data, few steps): ``GAN_FAST=1``."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def fast_mode() -> bool:
    """Return True when the fast-mode environment variable is set to a true value."""
    value = os.environ.get(FAST_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{FAST_ENV}={value!r} is not understood: set it to 1 for fast mode, or unset it for full mode.")


def import_tensorflow_quietly():
    """Import TensorFlow with the C++ start-up banner (oneDNN, CPU features) kept off the screen."""
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


def quiet_logs() -> None:
    """Silence TensorFlow's and absl's informational messages and the usual noisy warnings."""
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
    """Seed every generator, quiet logs, set plot defaults, print versions; return the fast-mode flag."""
    fast = fast_mode()
    quiet_logs()
    import keras
    import numpy as np
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    plot_defaults()
    if verbose:
        mode = "FAST (tiny data, few steps)" if fast else "full"
        print(
            f"mode: {mode} | seed {seed} | Python {platform.python_version()} | TensorFlow {tf.__version__}"
            f" | Keras {keras.__version__} | NumPy {np.__version__} | CPU cores: {os.cpu_count()}"
        )
    return fast


def peak_memory_gb() -> float:
    """The peak resident memory of this process (a notebook's kernel) so far, in GB (10^9 bytes)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e9 if sys.platform == "darwin" else peak * 1024 / 1e9  # bytes on macOS, KiB on Linux
