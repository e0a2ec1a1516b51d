"""The series' loop under tf.distribute.MirroredStrategy, on two logical CPU devices (a stand-in for two GPUs)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import dataclasses, json, tempfile
    import helpers
    helpers.setup(seed=0, verbose=False)
    import numpy as np, tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from helpers import checkpoints, layers, train
    strategy = tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")])
    design = layers.DCGAN.replace(generator=layers.ConvG(z_dim=8, width=4), discriminator=layers.ConvD(width=4))
    with strategy.scope():
        gen, disc, g_opt, d_opt = design.build()
    step = train.make_train_step(gen, disc, g_opt, d_opt, real_label=design.real_label, strategy=strategy,
                                  batch_size=32)
    assert step.strategy is strategy
    before = [w.copy() for w in gen.get_weights()]
    images = np.random.default_rng(0).integers(0, 256, (128, 28, 28, 1), dtype=np.uint8)
    folder, calls = tempfile.mkdtemp(), []

    def interrupt_on_call_3(*args):  # an interrupt, then a resume from the checkpoint it saved
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return step.fn(*args)
    try:
        train.train_gan(dataclasses.replace(step, fn=interrupt_on_call_3), images, epochs=2,
                        checkpoint_dir=folder, verbose=False)
    except KeyboardInterrupt:
        interrupted = {"saved": checkpoints.saved_steps(folder)[0], "iterations": int(d_opt.iterations.numpy())}
    history = train.train_gan(step, images, epochs=2, checkpoint_dir=folder, verbose=False)
    variables = gen.trainable_variables + disc.trainable_variables + g_opt.variables + d_opt.variables
    gaps = [float(np.max(np.abs(v.value.values[0].numpy() - v.value.values[1].numpy())))
            if hasattr(v, "value") and hasattr(v.value, "values") else
            float(np.max(np.abs(v.values[0].numpy() - v.values[1].numpy())))
            for v in variables]
    print(json.dumps({"replicas": strategy.num_replicas_in_sync, "steps": len(history["g_loss"]),
                      "finite": bool(np.all(np.isfinite(history["g_loss"]))), "max_gap": max(gaps),
                      "variables": len(gaps), "interrupted": interrupted,
                      "moved": any(not np.allclose(a, b) for a, b in zip(before, gen.get_weights()))}))
""")


def test_the_loop_runs_unchanged_under_mirrored_strategy_and_replicas_stay_in_sync():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2 and report["steps"] == 8 and report["finite"] and report["moved"]
    assert report["variables"] > 10 and report["max_gap"] == 0.0
    assert report["interrupted"] == {"saved": 2, "iterations": 2}
