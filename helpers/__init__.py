"""Shared code for the GAN teaching notebooks.

The first code cell of every notebook is::

    import helpers
    FAST = helpers.setup(seed=0)

Importing this package quiets TensorFlow's C++ logs before TensorFlow is loaded; ``setup`` does the rest.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # must precede the first TensorFlow import

from helpers.config import FAST_ENV, fast_mode, peak_memory_gb, setup  # noqa: E402, F401

__all__ = ["peak_memory_gb", "setup"]
__version__ = "0.1.0"
