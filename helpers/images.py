"""Training sets from a folder of image files: find them, make each one square, small and grey or colour (notebook 07).

Every file becomes a uint8 array of shape (size, size, 1) or (size, size, 3); the training loop scales batches
to [-1, 1] as it goes, as it does for MNIST.
"""

from __future__ import annotations

import json
import operator
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers.config import cpu_limit
from helpers.runs import shown

__all__ = ["last_report", "image_files", "first_pictures", "fit_square", "prepare", "load_folder", "sample_picture",
           "write_patches"]

SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
"""The file types ``image_files`` picks up (any case); also ``.avif`` when this Pillow reads it."""

FITS = ("crop", "pad")

HEIC_ADVICE = ("Pillow cannot read HEIC/HEIF photos (the iPhone's format); convert them to JPEG (on the iPhone:"
               " Settings > Camera > Formats > Most Compatible; on a Mac: open them in Preview, File > Export)")
OTHER_KINDS = {
    ".heic": HEIC_ADVICE, ".heif": HEIC_ADVICE, ".hif": HEIC_ADVICE,
    ".avif": "this Pillow cannot read AVIF; convert them to JPEG, or upgrade Pillow (`pip install -U pillow`)",
    ".jxl": "Pillow cannot read JPEG XL; convert them to JPEG or PNG",
    ".svg": "an SVG is a drawing, not pixels; export it as PNG",
    ".pdf": "a PDF is a document; export its pictures as PNG or JPEG",
    ".psd": "Photoshop files are not read here; export them as PNG or JPEG",
    **dict.fromkeys((".dng", ".cr2", ".cr3", ".nef", ".arw", ".orf", ".rw2", ".raf", ".raw"),
                    "camera raw files are not read here; export them as JPEG"),
    **dict.fromkeys((".mov", ".mp4", ".m4v", ".avi", ".mkv", ".webm", ".3gp"),
                    "videos are not read here; save still frames as PNG or JPEG"),
}
"""Why a kind of file that is no picture ``load_folder`` reads is skipped, and what to do (notebook 07)."""

READ_THREADS = 4
"""Files ``load_folder`` reads at once, at most (decoding runs outside Python's lock); no more than the CPUs."""

REDUCE_ABOVE = 8
"""``load_folder`` first shrinks a picture (by a whole factor, averaging blocks) whose short side is over this many
times the training side, so a big PNG is not converted at full size (notebook 07)."""

NAMED_AT_MOST = 10
"""``load_folder`` names this many unreadable files, then says how many more (``last_report()`` has them all)."""

_LAST_REPORT: list[FolderReport] = []


class UnreadablePicture(ValueError):
    """A file that is not a picture this project can read, with the reason (notebook 07)."""


@dataclass
class FolderReport:
    """What ``load_folder`` read from a folder and what it skipped, each file with its reason (notebook 07)."""

    folder: Path
    read: int = 0
    unreadable: list[tuple[Path, str]] = field(default_factory=list)
    other_kinds: dict[str, list[Path]] = field(default_factory=dict)

    def kind_lines(self) -> list[str]:
        """One line per kind of file skipped for its type: how many, why, what to do."""
        return [f"{len(paths):,} {kind or 'suffix-less'} file{'s' if len(paths) > 1 else ''} skipped: "
                f"{OTHER_KINDS.get(kind, 'not a picture file')}" for kind, paths in self.other_kinds.items()]

    def unreadable_text(self, at_most: int | None = None) -> str:
        """The unreadable files as ``name (reason)``, the first ``at_most`` of them, then how many more."""
        shown = self.unreadable if at_most is None else self.unreadable[:at_most]
        text = "; ".join(f"{self._name(path)} ({why})" for path, why in shown)
        more = len(self.unreadable) - len(shown)
        return text + (f"; and {more:,} more: print(images.last_report()) lists them all" if more else "")

    def _name(self, path: Path) -> str:
        """A file's path relative to the folder."""
        try:
            return str(path.relative_to(self.folder))
        except ValueError:
            return str(path)

    def __str__(self) -> str:
        lines = [f"{self.read:,} pictures read from {shown(self.folder)}; {len(self.unreadable):,} unreadable"]
        lines += [f"  {self._name(path)}: {why}" for path, why in self.unreadable]
        lines += [f"  {line}" for line in self.kind_lines()]
        return "\n".join(lines)


def last_report() -> FolderReport | None:
    """The report of the latest ``load_folder`` call: every file it skipped, with the reason (notebook 07)."""
    return _LAST_REPORT[-1] if _LAST_REPORT else None


def picture_suffixes() -> tuple[str, ...]:
    """The suffixes of the files read as pictures: SUFFIXES, and ``.avif`` when this Pillow reads AVIF (notebook 07)."""
    from PIL import Image

    Image.init()
    extra = tuple(s for s in (".avif",) if Image.registered_extensions().get(s) == "AVIF" and "AVIF" in Image.OPEN)
    return SUFFIXES + extra


def _folder_path(folder) -> Path:
    """The folder as a Path, or a message saying what IMAGE_FOLDER should be."""
    if folder is None or isinstance(folder, bool) or not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"the folder is {folder!r}: set IMAGE_FOLDER to a folder of pictures, e.g. "
                        'Path("~/Pictures/cats")')
    root = Path(folder).expanduser()
    if root.is_file():
        raise NotADirectoryError(f"{root} is a file: set IMAGE_FOLDER to the folder that holds your pictures "
                                 f"(here {root.parent})")
    if not root.is_dir():
        raise FileNotFoundError(f"no folder {root.resolve()}: set IMAGE_FOLDER to a folder of .png or .jpg files")
    return root


def _visible_files(root: Path) -> list[Path]:
    """Every file under ``root`` that is not hidden (no part of its path starts with a dot), sorted."""
    return sorted(p for p in root.rglob("*") if p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))


def other_files(folder: str | Path) -> dict[str, list[Path]]:
    """The files in ``folder`` that are not pictures ``load_folder`` reads, by suffix (notebook 07)."""
    root, suffixes, kinds = _folder_path(folder), picture_suffixes(), {}
    for p in _visible_files(root):
        if p.suffix.lower() not in suffixes:
            kinds.setdefault(p.suffix.lower(), []).append(p)
    return kinds


def image_files(folder: str | Path) -> list[Path]:
    """The image files in ``folder`` and its subfolders, sorted by path (notebook 07)."""
    root, suffixes = _folder_path(folder), picture_suffixes()
    files = [p for p in _visible_files(root) if p.suffix.lower() in suffixes]
    if not files:
        report = FolderReport(root, other_kinds=other_files(root))
        held = "; it holds: " + "; ".join(report.kind_lines()) if report.other_kinds else "; it is empty"
        raise ValueError(f"{root.resolve()} holds no image files ({', '.join(suffixes)}){held}")
    return files


def _open_large_jpeg(path: Path, side: int, error: Exception):
    """Open a JPEG over Pillow's pixel limit already reduced by its decoder to about ``side`` pixels, if that is
    small enough; else UnreadablePicture saying how large it is."""
    from PIL import Image
    from PIL.JpegImagePlugin import JpegImageFile

    limit, size = Image.MAX_IMAGE_PIXELS, ""
    try:
        img = JpegImageFile(str(path))    # the plugin itself: the header read, no size check yet
    except (SyntaxError, OSError, ValueError):             # not a JPEG
        pixels = re.search(r"\((\d+) pixels\)", str(error))
        size = f"{int(pixels[1]) / 1e6:,.0f} Mpx" if pixels else "too many pixels"
    else:
        w, h = img.size
        size = f"{w:,}x{h:,} = {w * h / 1e6:,.0f} Mpx"
        img.close()
        for wanted in (side, 1) if side else ():   # about ``side`` pixels; if still too many, the decoder's smallest
            img = JpegImageFile(str(path))
            img.draft("RGB" if img.mode != "L" else "L", (wanted, wanted))
            if img.size[0] * img.size[1] <= limit:
                return img
            img.close()
    raise UnreadablePicture(f"{size}, over Pillow's safety limit of {2 * limit / 1e6:,.0f} Mpx; shrink it (e.g. to"
                            " 4,000 pixels on its long side)")


def open_picture(path: str | Path, side: int | None = None, mode: str | None = None):
    """The picture in a file, read in full and upright (EXIF orientation applied); with ``side``, a JPEG is decoded
    at a reduced scale of at least that size; UnreadablePicture says why a file cannot be read (notebook 07)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                img = Image.open(path)
            except Image.DecompressionBombError as e:
                img = _open_large_jpeg(path, side or 0, e)
            with img:
                if side:
                    img.draft(mode or ("L" if img.mode == "L" else "RGB"), (side, side))
                img.load()
                ImageOps.exif_transpose(img, in_place=True)
                return img
    except UnidentifiedImageError:
        raise UnreadablePicture("not a picture Pillow can read (damaged, or another kind of file)") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        if isinstance(e, UnreadablePicture):
            raise
        reason = str(e).split("\n")[0] or type(e).__name__
        raise UnreadablePicture(f"damaged or truncated: {reason}") from None


def first_pictures(paths, n: int = 6, side: int | None = None) -> list:
    """The first ``n`` files of ``paths`` that read in full (upright), with a note naming those skipped
    (notebook 07)."""
    pictures, skipped = [], []
    for path in paths:
        if len(pictures) == n:
            break
        try:
            pictures.append(open_picture(path, side))
        except UnreadablePicture as e:
            skipped.append(f"{Path(path).name} ({e})")
    if skipped:
        print(f"skipped {len(skipped)} unreadable: {'; '.join(skipped)}")
    return pictures


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


def _check_arguments(size, colour, fit, limit) -> int:
    """Raise a message naming the argument unless the arguments of ``load_folder`` are usable; return ``size``."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise TypeError(f"size={size!r}: use a whole number of pixels, a multiple of 4 of at least 8, e.g. 32")
    if size < 8 or size % 4:
        raise ValueError(f"size={size}: use a multiple of 4 of at least 8 (the DCGAN halves it twice), e.g. 32")
    if colour is not None and not isinstance(colour, (bool, np.bool_)):
        raise TypeError(f"colour={colour!r}: use True (colour), False (grey) or None (decide from the pictures)")
    if fit not in FITS:
        raise ValueError(f"fit={fit!r}: use 'crop' (cut the centre square) or 'pad' (extend the short side)")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1):
        raise ValueError(f"limit={limit!r}: use a whole number of files of at least 1, or None for all of them")
    return operator.index(size)


def _read_one(path: Path, size: int, colour: bool, fit: str) -> np.ndarray | str:
    """One file as ``prepare`` makes it, or the reason it cannot be read."""
    try:
        img = open_picture(path, REDUCE_ABOVE * size, "RGB" if colour else "L")   # a big JPEG is decoded smaller
        factor = min(img.size) // (REDUCE_ABOVE * size)
        if factor > 1 and img.mode in ("RGB", "RGBA", "L", "LA", "CMYK"):   # a big PNG...: shrunk before converting
            img = img.reduce(factor)
        return prepare(img, size, colour, fit)
    except UnreadablePicture as err:
        return str(err)
    except (OSError, ValueError) as err:
        return f"cannot be converted: {err}"


def _vote_colour(files: list[Path]) -> bool:
    """Whether most of up to 50 files spread over ``files`` hold colour (unreadable ones do not vote)."""
    votes = []
    for path in files[:: max(1, len(files) // 50)][:50]:
        try:
            votes.append(is_colour(open_picture(path, 64, "RGB")))
        except UnreadablePicture:
            pass
    return sum(votes) * 2 > len(votes)


def load_folder(folder: str | Path, size: int = 32, colour: bool | None = None, fit: str = "crop",
                limit: int | None = None, verbose: bool = True) -> np.ndarray:
    """Every image in ``folder`` as uint8 (N, size, size, C), upright; colour=None decides from 50 images;
    ``last_report()`` names every file skipped (notebook 07)."""
    size = _check_arguments(size, colour, fit, limit)
    files = image_files(folder)[:limit]
    report = FolderReport(_folder_path(folder), other_kinds=other_files(folder))
    _LAST_REPORT[:] = [report]
    colour = _vote_colour(files) if colour is None else bool(colour)
    start = time.perf_counter()
    out = np.empty((len(files), size, size, 3 if colour else 1), np.uint8)
    n = 0
    with ThreadPoolExecutor(max(1, min(READ_THREADS, cpu_limit()))) as pool:         # Pillow decodes outside the GIL: files read side by side
        for path, result in zip(files, pool.map(lambda p: _read_one(p, size, colour, fit), files)):
            if isinstance(result, str):
                report.unreadable.append((path, result))
            else:
                out[n] = result
                n += 1
    report.read = n
    if n == 0:
        raise ValueError(f"none of the {len(files)} files in {folder} could be read: "
                         + report.unreadable_text(NAMED_AT_MOST) + "".join(f"; {k}" for k in report.kind_lines()))
    if verbose:
        kind = "colour" if colour else "grey"
        print(f"{n:,} images from {shown(folder)}, {size}x{size} {kind}, {n * out[0].nbytes / 1e6:.1f} MB, "
              f"read in {time.perf_counter() - start:.1f} s"
              + (f"; skipped {len(report.unreadable)} unreadable: {report.unreadable_text(NAMED_AT_MOST)}"
                 if report.unreadable else ""))
        for line in report.kind_lines():
            print(line)
    return out if n == len(files) else out[:n].copy()


def sample_picture() -> Path:
    """The colour photograph that ships with matplotlib (Grace Hopper, 512x600 pixels, public domain) (notebook 07)."""
    import matplotlib.cbook

    return Path(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def write_patches(folder: str | Path, n: int = 2000, seed: int = 0, source: str | Path | None = None,
                  min_side: int = 48, max_side: int = 160) -> Path:
    """Write ``n`` square patches of random size and place cut from a picture as PNG and JPEG files: a folder of
    'art' to learn from (notebook 07). An existing folder written with the same settings is kept."""
    from PIL import Image

    for name, value in (("n", n), ("min_side", min_side), ("max_side", max_side)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}={value!r}: use a whole number of at least 1")
    if min_side > max_side:
        raise ValueError(f"min_side={min_side} is larger than max_side={max_side}")
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
