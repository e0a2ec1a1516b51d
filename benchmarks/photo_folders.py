"""What reading a real photo folder costs (notebook 07): ``helpers.images.load_folder`` on folders of 200 and 5,000
photo-like files, at 32 and 64 pixels, colour decided from the pictures (07's default): time and peak memory.

    python benchmarks/photo_folders.py                  # writes the folders into /tmp/photo_folders, then measures
    python benchmarks/photo_folders.py --counts 200     # the small folder only

The folders hold what a phone or a download folder holds: JPEGs of mixed sizes (640 pixels to 4,032x3,024, a tenth
of them over 3,000 pixels wide), a quarter of them portrait photos stored sideways with an EXIF orientation tag
(6, 8 or 3), PNG screenshots with transparency, a few grey, 16-bit and CMYK pictures, 1 % truncated JPEGs and 0.5 %
files that are not pictures at all, one 192-megapixel JPEG (over Pillow's 179 Mpx safety limit), one 200-megapixel
PNG header (a "bomb"), and .heic and .avif files. The pictures are smooth colour fields with shapes and grain, so
their JPEG sizes are those of photos (about 0.2 to 2 MB). Each measurement runs in a fresh process, so its peak
memory is its own; the baseline is that process's memory after importing numpy and Pillow.
"""

from __future__ import annotations

import argparse
import io
import json
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path("/tmp/photo_folders")


def photo(rng: np.random.Generator, w: int, h: int):
    """A photo-like RGB picture: a smooth colour field, a few shapes, grain."""
    from PIL import Image, ImageDraw

    base = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    img = Image.fromarray(base).resize((w, h), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(4):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(w // 20, w // 4))
        draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    grain = Image.effect_noise((max(1, w // 2), max(1, h // 2)), 24).resize((w, h)).convert("RGB")
    return Image.blend(img, grain, 0.15)


class Photos:
    """Photo-like pictures, quick to make in thousands: each is one of a few pictures of its size per size, with
    two shapes of its own drawn on, in one of four turns, so no two files are alike."""

    def __init__(self, rng: np.random.Generator, per_size: int = 6):
        self.rng, self.per_size, self.pool = rng, per_size, {}

    def __call__(self, w: int, h: int):
        from PIL import Image, ImageDraw

        pool = self.pool.setdefault((w, h), [])
        if len(pool) < self.per_size:
            pool.append(photo(self.rng, w, h))
        img = pool[int(self.rng.integers(len(pool)))].copy()
        draw = ImageDraw.Draw(img)
        for _ in range(2):
            x0, y0, r = int(self.rng.integers(0, w)), int(self.rng.integers(0, h)), int(self.rng.integers(w // 30, w // 6))
            draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill=tuple(int(v) for v in self.rng.integers(0, 256, 3)))
        return img.transpose(Image.Transpose.ROTATE_180) if self.rng.random() < 0.5 else img


def png_bomb_header(w: int, h: int) -> bytes:
    """A small PNG file whose header announces w x h pixels (what a decompression bomb looks like)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def write_folder(folder: Path, n: int, seed: int = 0) -> dict:
    """Write ``n`` photo-like files (and the odd ones described above) into ``folder``; return what was written."""
    from PIL import Image

    marker = folder / ".written.json"
    if marker.is_file():
        return json.loads(marker.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    make = Photos(rng)
    kinds: dict[str, int] = {}
    start = time.perf_counter()
    for i in range(n):
        r = rng.random()
        long_side = int(rng.choice([640, 1024, 1280, 1600, 2048, 3024, 4032], p=[.1, .15, .2, .2, .25, .05, .05]))
        short_side = long_side * 3 // 4
        name = folder / f"IMG_{i:05d}"
        if r < 0.25:                                            # a portrait photo stored sideways, EXIF turns it up
            orientation = int(rng.choice([6, 8, 3]))
            img = make(long_side, short_side)
            exif = Image.Exif()
            exif[0x0112] = orientation
            img.save(f"{name}.jpg", quality=88, exif=exif)
            kind = f"jpeg, EXIF orientation {orientation}"
        elif r < 0.33:                                          # a screenshot with transparency
            img = make(short_side, long_side).convert("RGBA")
            img.putalpha(Image.linear_gradient("L").resize(img.size))
            img.save(f"{name}.png")
            kind = "png with transparency"
        elif r < 0.35:
            make(long_side, short_side).convert("L").save(f"{name}.jpg", quality=88)
            kind = "grey jpeg"
        elif r < 0.36:
            a = np.asarray(make(800, 600).convert("L"), dtype=np.uint16) * 257
            Image.fromarray(a).save(f"{name}.png")
            kind = "16-bit grey png"
        elif r < 0.37:
            make(long_side, short_side).convert("CMYK").save(f"{name}.jpg", quality=88)
            kind = "cmyk jpeg"
        elif r < 0.38:                                          # cut off mid-transfer
            buffer = io.BytesIO()
            make(long_side, short_side).save(buffer, "JPEG", quality=88)
            Path(f"{name}.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
            kind = "truncated jpeg"
        elif r < 0.385:
            Path(f"{name}.jpg").write_bytes(rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
            kind = "not a picture, named .jpg"
        else:
            make(long_side, short_side).save(f"{name}.jpg", quality=88)
            kind = "jpeg"
        kinds[kind] = kinds.get(kind, 0) + 1
    Image.new("RGB", (16000, 12000), (90, 120, 160)).save(folder / "panorama_192Mpx.jpg", quality=80)
    (folder / "bomb_200Mpx.png").write_bytes(png_bomb_header(20000, 10000))
    for i in range(3):
        (folder / f"IMG_{i:04d}.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(2000))
    make(800, 600).save(folder / "from_a_website.avif")
    kinds.update({"192 Mpx jpeg": 1, "200 Mpx png header": 1, ".heic": 3, ".avif": 1})
    written = {"n": n, "seed": seed, "kinds": kinds, "write_s": round(time.perf_counter() - start, 1),
               "mb": round(sum(p.stat().st_size for p in folder.iterdir()) / 1e6)}
    marker.write_text(json.dumps(written))
    return written


def peak_memory_gb() -> float:
    """This process's peak resident memory in GB: VmHWM, which (unlike getrusage's) starts afresh at exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e9
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def measure(folder: str, size: int) -> dict:
    """Load ``folder`` at ``size`` in this process; return time, result and peak memory."""
    from helpers import images

    baseline = peak_memory_gb()
    start = time.perf_counter()
    x = images.load_folder(folder, size=size, colour=None, verbose=False)
    seconds = time.perf_counter() - start
    report = images.last_report()
    return {"size": size, "images": len(x), "shape": list(x.shape[1:]), "seconds": round(seconds, 1),
            "files_per_s": round((len(x) + len(report.unreadable)) / seconds), "array_mb": round(x.nbytes / 1e6, 1),
            "peak_gb": round(peak_memory_gb(), 2), "baseline_gb": round(baseline, 2),
            "unreadable": len(report.unreadable), "other_kinds": {k: len(v) for k, v in report.other_kinds.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", type=int, nargs="+", default=[200, 5000])
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--measure", nargs=2, metavar=("FOLDER", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        import numpy  # noqa: F401  (in the baseline, as in a notebook)
        import PIL.Image  # noqa: F401
        print(json.dumps(measure(args.measure[0], int(args.measure[1]))))
        return
    for n in args.counts:
        folder = ROOT / f"photos_{n}"
        written = write_folder(folder, n)
        print(f"{folder}: {n:,} photo files + 6 odd ones, {written['mb']:,} MB, written in {written['write_s']} s;"
              f" kinds {written['kinds']}", flush=True)
        for size in args.sizes:
            done = subprocess.run([sys.executable, __file__, "--measure", str(folder), str(size)], capture_output=True,
                                  text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"  {size}x{size}: {r['images']:,} images {r['shape']} read in {r['seconds']} s"
                  f" ({r['files_per_s']} files/s), {r['array_mb']} MB array, peak memory {r['peak_gb']} GB"
                  f" (baseline {r['baseline_gb']} GB); {r['unreadable']} unreadable named; other kinds skipped and"
                  f" named: {r['other_kinds']}", flush=True)


if __name__ == "__main__":
    main()
