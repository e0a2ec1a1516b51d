"""Frame rate of the GAN playground (helpers.playground) with its default sizes, without a browser.

    python benchmarks/playground.py                # about 20 s of measurement
    python benchmarks/playground.py --seconds 4    # a quick look

Three measurements, one after the other, each on the default playground (the ring, the non-saturating loss):

1. the frame function, ``Playground.frame()``: a frame's training steps, D's surface and the generator's arrows,
   the redraw and the JPEG, called in a loop;
2. the play loop as the play button runs it in a kernel: the asyncio task, on an event loop of its own, started
   by ``play()`` and stopped by ``pause()``; it waits between frames if it would exceed ``MAX_FPS``;
3. training alone, ``Playground.run()``, for the training steps per second with nothing drawn.

Prints frames per second and training steps per second (wall clock), and CPU seconds per frame: on a machine
shared with other work the wall-clock rate falls, the CPU time does not. The load average is printed with the
machine line for that reason.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

import helpers

helpers.setup(seed=0, verbose=False)

from quality_per_minute import machine  # noqa: E402

from helpers.playground import MAX_FPS, Playground  # noqa: E402


def timed(seconds: float, fn) -> tuple[int, float, float]:
    """Call ``fn`` until ``seconds`` have passed; return (calls, wall seconds, CPU seconds)."""
    calls, wall, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        fn()
        calls += 1
    return calls, time.perf_counter() - wall, time.process_time() - cpu


def report(name: str, frames: int, steps: int, wall: float, cpu: float) -> None:
    line = f"{name:18s} " + (f"{frames / wall:6.1f} frames/s" if frames else " " * 15)
    line += f"  {steps / wall:7.0f} training steps/s"
    if frames:
        line += f"  {1000 * wall / frames:5.1f} ms/frame  {1000 * cpu / frames:5.1f} CPU ms/frame"
    print(line + f"  ({frames} frames, {steps} steps, {wall:.1f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of the frame and play-loop measurements")
    args = parser.parse_args()
    print(machine())
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))

    playground = Playground()
    print(f"default playground: {playground.loss} on the {playground.data.name}, widths {playground.width_d}/"
          f"{playground.width_g}, batch {playground.batch}, {playground.steps_per_frame} steps per frame, "
          f"at most {MAX_FPS:g} frames/s in the play loop")
    playground.frame()   # trace the compiled functions and draw the background once
    playground.frame()

    step = playground.step
    frames, wall, cpu = timed(args.seconds, playground.frame)
    report("frame()", frames, playground.step - step, wall, cpu)

    async def play_for(seconds: float) -> None:
        playground.play()
        await asyncio.sleep(seconds)
        playground.pause()
        await playground._task

    step, frames = playground.step, playground.frames
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(play_for(args.seconds))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    report("play loop", playground.frames - frames, playground.step - step, wall, cpu)

    step = playground.step
    calls, wall, cpu = timed(args.seconds / 2, lambda: playground.run(100))
    report("run() (no drawing)", 0, playground.step - step, wall, cpu)
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
