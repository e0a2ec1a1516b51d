"""Time to quality on notebook 07's folder of patches (32x32 colour, cut from the photograph that ships with
matplotlib): notebook 03's design with the new image shape, beside notebook 07's design for a folder
(layers.OWN_IMAGES: 64 and 128 channels, no Dense hidden layer); the same wall-clock budget each, one run.

    python benchmarks/patches.py                 # 2.5 minutes of training each, about 7 minutes in all

Quality is the patch FD (helpers.metrics.patch_fd; lower is better) of 2,000 samples against 2,000 held-out
patches; the floor is the patch FD of 2,000 training patches against the same held-out ones.
"""

from __future__ import annotations

import helpers

helpers.setup(seed=0, verbose=False)

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from quality_per_minute import arguments, run  # noqa: E402

from helpers import images, layers, metrics  # noqa: E402


def main() -> None:
    args = arguments(__doc__, minutes=2.5)
    with tempfile.TemporaryDirectory() as tmp:
        data = images.load_folder(images.write_patches(Path(tmp) / "patches", n=4000), size=32, verbose=False)
    train_x, reference = data[:2000], data[2000:2000 + args.eval]
    shape = train_x.shape[1:]
    floor = metrics.patch_fd(train_x[:len(reference)], reference)
    print(f"floor: patch FD of {len(reference):,} training patches against {len(reference):,} held-out ones = {floor:.2f}")

    def score(samples):
        return {"patch_fd": metrics.patch_fd(reference, samples)}

    def summary(scores):
        return f"patch FD {scores['patch_fd']:.2f}"

    designs = (("dcgan 03", layers.DCGAN.for_images(shape)), ("own images", layers.OWN_IMAGES.for_images(shape)))
    results = {name: run(name, design, train_x, args.minutes, len(reference), marks_min=(0.5, 1, 2.5), score=score,
                         summary=summary) for name, design in designs}
    print("\nafter each mark (patch FD; lower is better):")
    for name, rows in results.items():
        print(f"{name:12s} " + "  ".join(f"{r['minutes']:.1f} min {r['patch_fd']:6.2f}" for r in rows)
              + f"   {rows[-1]['images_per_s']:.0f} img/s")


if __name__ == "__main__":
    main()
