"""Training sets from a folder of image files: find them, make each one square, small and grey or colour (notebook 07).

Every file becomes a uint8 array of shape (size, size, 1) or (size, size, 3); the training loop scales batches
to [-1, 1] as it goes, as it does for MNIST.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
"""The file types ``image_files`` picks up (any case)."""

FITS = ("crop", "pad")


def image_files(folder: str | Path) -> list[Path]:
    """The image files in ``folder`` and its subfolders, sorted by path (notebook 07)."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"no folder {root.resolve()}: set IMAGE_FOLDER to a folder of .png or .jpg files")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    if not files:
        found = sorted({p.suffix.lower() or p.name for p in root.rglob("*") if p.is_file()})[:8]
        raise ValueError(f"{root.resolve()} holds no image files ({', '.join(SUFFIXES)})"
                         + (f"; it holds: {', '.join(found)}" if found else "; it is empty"))
    return files


def to_mode(img, colour: bool):
    """The picture as 8-bit RGB or grey, transparent parts laid on white (notebook 07)."""
    from PIL import Image

    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):       # 16-bit or float greys: rescale to 8 bits
        a = np.asarray(img, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        img = Image.fromarray(np.uint8(np.round(255 * (a - lo) / (hi - lo or 1))))
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img.convert("RGB" if colour else "L")


def fit_square(img, fit: str = "crop"):
    """The picture made square: its centre cut out ('crop') or its borders extended with its edge colour ('pad')
    (notebook 07)."""
    from PIL import Image, ImageOps

    if fit not in FITS:
        raise ValueError(f"fit={fit!r}: use 'crop' (cut the centre square) or 'pad' (extend the short side)")
    w, h = img.size
    side = min(w, h) if fit == "crop" else max(w, h)
    if fit == "crop":
        left, top = (w - side) // 2, (h - side) // 2
        return img.crop((left, top, left + side, top + side))
    edge = np.concatenate([np.asarray(img)[[0, -1]].reshape(-1, len(img.getbands())),
                           np.asarray(img)[:, [0, -1]].reshape(-1, len(img.getbands()))])
    colour = tuple(int(v) for v in np.median(edge, axis=0))
    return ImageOps.pad(img, (side, side), color=colour[0] if len(colour) == 1 else colour,
                        method=Image.Resampling.NEAREST)


def prepare(img, size: int = 32, colour: bool = True, fit: str = "crop") -> np.ndarray:
    """One picture as a uint8 array (size, size, 3) or (size, size, 1): 8-bit, square, resized (notebook 07)."""
    from PIL import Image

    square = fit_square(to_mode(img, colour), fit)
    small = square.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    a = np.asarray(small, dtype=np.uint8)
    return a if a.ndim == 3 else a[..., None]


def is_colour(img) -> bool:
    """Whether a picture holds colour: its channels differ somewhere, not only its mode (notebook 07)."""
    if img.mode in ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"):
        return False
    rgb = np.asarray(img.convert("RGB").resize((32, 32)), dtype=np.int16)
    return bool(np.abs(rgb - rgb.mean(axis=2, keepdims=True)).max() > 8)


def load_folder(folder: str | Path, size: int = 32, colour: bool | None = None, fit: str = "crop",
                limit: int | None = None, verbose: bool = True) -> np.ndarray:
    """Every image in ``folder`` as uint8 (N, size, size, C); colour=None decides from the first 50 images
    (notebook 07)."""
    from PIL import Image, UnidentifiedImageError

    if size < 8 or size % 4:
        raise ValueError(f"size={size}: use a multiple of 4 of at least 8 (the DCGAN halves it twice), e.g. 32")
    files = image_files(folder)[:limit]
    if colour is None:
        sample = files[:: max(1, len(files) // 50)][:50]
        votes = []
        for path in sample:
            try:
                with Image.open(path) as img:
                    votes.append(is_colour(img))
            except (OSError, UnidentifiedImageError, ValueError):
                pass
        colour = sum(votes) * 2 > len(votes)
    start = time.perf_counter()
    out = np.empty((len(files), size, size, 3 if colour else 1), np.uint8)
    n, skipped = 0, []
    for path in files:
        try:
            with Image.open(path) as img:
                img.draft("RGB" if colour else "L", (2 * size, 2 * size))   # JPEG: decode at a smaller scale
                out[n] = prepare(img, size, colour, fit)
            n += 1
        except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as err:
            skipped.append(f"{path.name} ({type(err).__name__})")
    if n == 0:
        raise ValueError(f"none of the {len(files)} files in {folder} could be read: {', '.join(skipped[:3])}")
    if verbose:
        kind = "colour" if colour else "grey"
        print(f"{n:,} images from {folder}, {size}x{size} {kind}, {out[:n].nbytes / 1e6:.1f} MB, "
              f"read in {time.perf_counter() - start:.1f} s"
              + (f"; skipped {len(skipped)} unreadable: {', '.join(skipped[:3])}" if skipped else ""))
    return out[:n]


def sample_picture() -> Path:
    """The colour photograph that ships with matplotlib (Grace Hopper, 512x600 pixels, public domain) (notebook 07)."""
    import matplotlib.cbook

    return Path(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def write_patches(folder: str | Path, n: int = 2000, seed: int = 0, source: str | Path | None = None,
                  min_side: int = 48, max_side: int = 160) -> Path:
    """Write ``n`` square patches of random size and place cut from a picture as PNG and JPEG files: a folder of
    'art' to learn from (notebook 07). An existing folder written with the same settings is kept."""
    from PIL import Image

    folder = Path(folder)
    source = Path(source) if source is not None else sample_picture()
    settings = {"n": n, "seed": seed, "source": source.name, "min_side": min_side, "max_side": max_side}
    marker = folder / "patches.json"
    if marker.is_file():
        try:
            if json.loads(marker.read_text()) == settings and len(image_files(folder)) == n:
                return folder
        except (ValueError, OSError):
            pass
        shutil.rmtree(folder)
    elif folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} exists and holds files this function did not write; choose another folder")
    with Image.open(source) as img:
        picture = img.convert("RGB")
    w, h = picture.size
    rng = np.random.default_rng(seed)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        for i in range(n):
            side = int(rng.integers(min_side, min(max_side, w, h) + 1))
            x, y = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
            patch = picture.crop((x, y, x + side, y + side))
            if rng.random() < 0.5:
                patch = patch.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            if i % 4 == 3:
                patch.save(tmp / f"patch_{i:05d}.jpg", quality=92)
            else:
                patch.save(tmp / f"patch_{i:05d}.png")
        (tmp / "patches.json").write_text(json.dumps(settings))
        if folder.exists():
            folder.rmdir()                                  # empty: checked above
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return folder
