"""Quality per CPU-minute of notebook 03's DCGAN vs the TensorFlow tutorial's DCGAN design and notebook 02's
dense GAN: the same wall-clock budget each, one run, one machine.

    python benchmarks/dcgan.py                 # 10 minutes of training each, about 35 minutes in all
    python benchmarks/dcgan.py --minutes 2     # a quick look

Prints the metric (FCD, classes >= 5%, mean confidence; helpers.metrics) on 5,000 samples at 1, 2, 5 and
10 minutes, and training images per second. Time spent measuring is not counted as training time.
"""

from __future__ import annotations

import helpers

helpers.setup(seed=0, verbose=False)

from quality_per_minute import arguments, run  # noqa: E402

from helpers import layers  # noqa: E402
from helpers.data import mnist_images  # noqa: E402

DESIGNS = (("tutorial", layers.TUTORIAL_DCGAN), ("dense 02", layers.DENSE), ("dcgan 03", layers.DCGAN))


def main() -> None:
    args = arguments(__doc__, minutes=10.0)
    images = mnist_images(uint8=True)
    results = {name: run(name, design, images, args.minutes, args.eval) for name, design in DESIGNS}
    ref, ours = results["tutorial"][-1], results["dcgan 03"][-1]
    print(f"\nafter {args.minutes:g} min: FCD dcgan/tutorial = {ours['fcd'] / ref['fcd']:.3f} (goal <= 0.1); "
          f"classes >= 5%: {ours['classes_covered']}/10 (goal 10); mean confidence {ours['mean_confidence']:.3f} "
          f"(goal >= 0.9); throughput {ours['images_per_s'] / ref['images_per_s']:.1f}x the tutorial's (goal >= 2)")


if __name__ == "__main__":
    main()
