"""Time to quality on notebook 07's folder of patches (32x32 colour, cut from the photograph that ships with
matplotlib): notebook 03's design with the new image shape (layers.OWN_IMAGES), beside a wider design without the
Dense hidden layers (64 and 128 channels); the same wall-clock budget each, one run.

    python benchmarks/patches.py                 # 2.5 minutes of training each, about 7 minutes in all

Quality is the patch FD (helpers.metrics.patch_fd; lower is better) of 2,000 samples against 2,000 held-out
patches; the floor is the patch FD of 2,000 training patches against the same held-out ones.
"""

from __future__ import annotations

import helpers

helpers.setup(seed=0, verbose=False)

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from quality_per_minute import arguments, compare_by_patch_fd  # noqa: E402

from helpers import images, layers, metrics  # noqa: E402


def main() -> None:
    args = arguments(__doc__, minutes=2.5)
    with tempfile.TemporaryDirectory() as tmp:
        data = images.load_folder(images.write_patches(Path(tmp) / "patches", n=4000), size=32, verbose=False)
    train_x, reference = data[:2000], data[2000:2000 + args.eval]
    shape = train_x.shape[1:]
    floor = metrics.patch_fd(train_x[:len(reference)], reference)
    print(f"floor: patch FD of {len(reference):,} training patches against {len(reference):,} held-out ones = {floor:.2f}")

    wider = layers.DCGAN.replace(generator=layers.ConvG(width=64, hidden=0), discriminator=layers.ConvD(width=64, hidden=0))
    designs = (("dcgan 03", layers.OWN_IMAGES.for_images(shape)), ("64 ch, no dense", wider.for_images(shape)))
    compare_by_patch_fd(designs, train_x, reference, args.minutes, marks_min=(0.5, 1, 2.5))

if __name__ == "__main__":
    main()
