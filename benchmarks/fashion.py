"""Time to quality on Fashion-MNIST (notebook 07): the TensorFlow tutorial's DCGAN and notebook 03's MNIST design
as they are, beside notebook 03's design with one change each; the same wall-clock budget each, one run.

    python benchmarks/fashion.py                 # 4 minutes of training each, about 25 minutes in all
    python benchmarks/fashion.py --minutes 1     # a quick look

Quality is the patch FD (helpers.metrics.patch_fd; lower is better) of 5,000 samples against 5,000 Fashion-MNIST
test images, at 1, 2 and 4 minutes; the floor is the patch FD of 5,000 training images against the same test
images. Time spent measuring is not counted as training time.
"""

from __future__ import annotations

import helpers

helpers.setup(seed=0, verbose=False)

from quality_per_minute import arguments, compare_by_patch_fd  # noqa: E402

from helpers import layers, metrics  # noqa: E402
from helpers.data import load_fashion_mnist  # noqa: E402

DCGAN = layers.DCGAN
DESIGNS = (
    ("tutorial", layers.TUTORIAL_DCGAN),
    ("dcgan 03", DCGAN),
    ("03 64 ch", DCGAN.replace(generator=layers.ConvG(width=64, hidden=128),
                               discriminator=layers.ConvD(width=64, hidden=128))),
    ("03 no dense", DCGAN.replace(generator=layers.ConvG(width=64, hidden=0),
                                  discriminator=layers.ConvD(width=64, hidden=0))),
    ("03 lr 2e-4", DCGAN.replace(adam=layers.Adam(2e-4, beta_1=0.5))),
)


def main() -> None:
    args = arguments(__doc__, minutes=4.0)
    (train_x, _), (test_x, _) = load_fashion_mnist(verbose=False)
    images, reference = train_x[..., None], test_x[:args.eval, ..., None]
    floor = metrics.patch_fd(images[:args.eval], reference)
    print(f"floor: patch FD of {args.eval:,} training images against {args.eval:,} test images = {floor:.2f}")

    compare_by_patch_fd(DESIGNS, images, reference, args.minutes, marks_min=(1, 2, 4))

if __name__ == "__main__":
    main()
