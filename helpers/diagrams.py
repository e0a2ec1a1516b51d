"""Diagrams drawn where a picture is the explanation; each returns a matplotlib Figure (and a test draws it).

- ``gan_wiring``: how G and D are wired in the game (notebook 01).
- ``label_wiring``: how a label enters both networks of a conditional GAN (notebook 04).
- ``transposed_conv_stamp``: how a stride-2 transposed convolution stamps its kernel (notebook 03).
- ``earth_mover``: how the earth mover moves mass from one distribution to another (notebook 05).
"""

from __future__ import annotations

from matplotlib.figure import Figure


def gan_wiring() -> Figure:
    """How G and D are wired in the game: z -> G -> fake; real and fake -> D -> D(x); the two losses (notebook 01)."""
    raise NotImplementedError("drawn by notebook 01's author")


def label_wiring() -> Figure:
    """How a label enters both networks of a conditional GAN (notebook 04)."""
    raise NotImplementedError("drawn by notebook 04's author")


def transposed_conv_stamp() -> Figure:
    """How a stride-2 transposed convolution stamps its kernel, and where the copies overlap (notebook 03)."""
    raise NotImplementedError("drawn by notebook 03's author")


def earth_mover() -> Figure:
    """How the earth mover moves mass from one distribution to another, and what it costs (notebook 05)."""
    raise NotImplementedError("drawn by notebook 05's author")
