"""Time to quality of the dense GAN: the classic design vs notebook 02's, same wall-clock budget, one run.

    python benchmarks/dense_gan.py                 # 5 minutes of training each, about 11 minutes in all
    python benchmarks/dense_gan.py --minutes 1     # a quick look

Prints the metric (FCD, classes >= 5%, mean confidence; helpers.metrics) on 5,000 samples at each mark,
and training images per second. Time spent measuring is not counted as training time.
"""

from __future__ import annotations

import helpers

helpers.setup(seed=0, verbose=False)

from quality_per_minute import arguments, run  # noqa: E402

from helpers import layers  # noqa: E402
from helpers.data import mnist_images  # noqa: E402


def main() -> None:
    args = arguments(__doc__, minutes=5.0)
    images = mnist_images(uint8=True)
    results = {name: run(name, design, images, args.minutes, args.eval, marks_min=(1, 2, 5))
               for name, design in (("classic", layers.CLASSIC_DENSE), ("ours", layers.DENSE))}
    classic, ours = results["classic"][-1], results["ours"][-1]
    ratio = ours["fcd"] / classic["fcd"]
    print(f"\nafter {args.minutes:g} min: FCD ours/classic = {ratio:.3f} (goal <= 0.333); "
          f"classes >= 5%: ours {ours['classes_covered']}/10 (goal 10)")


if __name__ == "__main__":
    main()
