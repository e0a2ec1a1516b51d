"""Checkpoints (helpers.checkpoints through train.train_gan): interrupts, exact resumes, changed settings, damaged files.

Each test injects its fault: a step that raises KeyboardInterrupt, settings changed between runs, files truncated,
emptied or with flipped bytes, garbage in TensorFlow's own ``checkpoint`` state file.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers import checkpoints, layers, runs, train

EPOCHS, BATCH = 3, 64          # 256 images: 4 steps an epoch, 12 in all
SMALL = layers.DENSE.replace(generator=layers.DenseG(z_dim=8, hidden=(16,), slope=0.2),
                             discriminator=layers.DenseD(hidden=(16,), slope=0.2, dropout=0.3), batch_size=BATCH)
KEYS = ("d_loss", "g_loss", "d_real", "d_fake")
DATA = "ckpt-{}.data-00000-of-00001"


@pytest.fixture(autouse=True, scope="module")
def checkpoint_every_epoch():
    """Epochs here last a fraction of a second: save at each one's end, as a long epoch would."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(train, "EPOCH_CHECKPOINT_EVERY_S", 0.0)
        yield


def small_step(seed: int, design: layers.Design = SMALL, ema=False) -> train.GanStep:
    """A fresh step of ``design`` whose networks were initialised with ``seed`` (and a weight average if ``ema``)."""
    import keras
    keras.utils.set_random_seed(seed)
    design = design if ema else design.replace(ema_decay=None)
    return train.make_step(design, design.build())


def counted(step: train.GanStep, interrupt_on: int | None = None, after_update: bool = False):
    """``step`` wrapped to count its calls and raise KeyboardInterrupt on call number ``interrupt_on`` (1, 2, ...):
    before the update runs, or, with ``after_update``, after it ran but before train_gan could count it."""
    calls = []

    def fn(*args):
        calls.append(len(calls) + 1)
        if calls[-1] == interrupt_on:
            if after_update:
                step.fn(*args)
            raise KeyboardInterrupt
        return step.fn(*args)
    return dataclasses.replace(step, fn=fn), calls


def run(step, images, folder, epochs=EPOCHS, **kwargs) -> train.History:
    kwargs = {"verbose": False, **kwargs}
    return train.train_gan(step, images, epochs=epochs, checkpoint_dir=folder, **kwargs)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}


def assert_same_losses(got: dict, want: dict, skip: int | None = None) -> None:
    for key in KEYS:
        a, b = np.array(got[key]), np.array(want[key])
        assert len(a) == len(b), key
        if skip is not None:
            assert np.isnan(a[skip]), key
            a, b = np.delete(a, skip), np.delete(b, skip)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=key)


def assert_same_variables(a, b) -> None:
    assert len(a) == len(b)
    for va, vb in zip(a, b):
        np.testing.assert_array_equal(np.asarray(va), np.asarray(vb))


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(-1, 1, (256, 28, 28, 1)).astype("float32")


@pytest.fixture(scope="module")
def straight(images):
    """The run every resumed run must reproduce: 3 epochs, no checkpoints, no interrupt."""
    return train.train_gan(small_step(7), images, epochs=EPOCHS, verbose=False)


@pytest.fixture(scope="module")
def two_epochs(images, tmp_path_factory):
    """A checkpoint folder after 2 of the 3 epochs: ckpt-4 and ckpt-8."""
    folder = tmp_path_factory.mktemp("two_epochs")
    run(small_step(7), images, folder, epochs=2)
    assert checkpoints.saved_steps(folder) == [8, 4]
    return folder


@pytest.fixture
def folder(two_epochs, tmp_path):
    """A fresh copy of the two-epoch folder, for a test to damage."""
    return Path(shutil.copytree(two_epochs, tmp_path / "run"))


# ---------------------------------------------------------------- the folder

def test_a_folder_keeps_the_newest_two_checkpoints_their_histories_and_the_settings(images, straight, tmp_path):
    history = run(small_step(7), images, tmp_path)
    assert_same_losses(history, straight)
    assert checkpoints.KEEP == 2 and checkpoints.saved_steps(tmp_path) == [12, 8]
    assert sorted(files(tmp_path)) == sorted(["settings.json"] + [f"ckpt-{n}.{ext}" for n in (8, 12)
                                                                  for ext in ("index", "history.json")]
                                             + [DATA.format(8), DATA.format(12)])
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == []      # no temporary folders left
    saved = json.loads((tmp_path / "ckpt-12.history.json").read_text())
    assert saved == json.loads(json.dumps(history))
    settings = json.loads((tmp_path / "settings.json").read_text())
    assert settings["batch_size"] == BATCH and settings["images"] == 256 and settings["seed"] == 0
    assert settings["real_label"] == 0.9 and settings["g_opt"]["learning_rate"] == pytest.approx(4e-4)


# ---------------------------------------------------------------- interrupts

def test_an_interrupt_saves_and_propagates_and_fresh_networks_resume_to_the_same_losses(images, straight, tmp_path):
    step = small_step(7)
    wrapped, calls = counted(step, interrupt_on=7)          # 6 steps done: in the middle of epoch 2
    with pytest.raises(KeyboardInterrupt):
        run(wrapped, images, tmp_path / "a")
    assert calls == list(range(1, 8)) and int(step.g_opt.iterations) == int(step.d_opt.iterations) == 6
    assert checkpoints.saved_steps(tmp_path / "a") == [6, 4]
    shutil.copytree(tmp_path / "a", tmp_path / "b")

    # the checkpoint holds the state the interrupt left: restore it into fresh objects with other initial weights
    fresh = small_step(99)
    ckpt = checkpoints.make_checkpoint(fresh)
    settings = json.loads((tmp_path / "a" / "settings.json").read_text())
    history = checkpoints.restore(tmp_path / "a", ckpt, settings, verbose=False)
    assert int(ckpt.step) == 6 and len(history["g_loss"]) == 6 and int(fresh.g_opt.iterations) == 6
    assert_same_variables(fresh.d_opt.variables, step.d_opt.variables)
    assert_same_variables(fresh.g_opt.variables, step.g_opt.variables)
    assert_same_variables(fresh.generator.variables, step.generator.variables)
    assert_same_variables(fresh.discriminator.variables, step.discriminator.variables)  # dropout's seed too

    # a second call with fresh networks resumes and ends exactly like the run that was never interrupted
    fresh = small_step(99)
    resumed = run(fresh, images, tmp_path / "a")
    assert int(fresh.g_opt.iterations) == 12 and len(resumed["epoch_time_s"]) == 3
    assert_same_losses(resumed, straight)

    # the interrupted networks are half-trained: refused, until the cell is run again and finishes
    with pytest.raises(RuntimeError, match="interrupted"):
        train.save_trained(step.generator, tmp_path / "g.keras")
    assert not (tmp_path / "g.keras").exists()
    run(step, images, tmp_path / "b")
    assert int(step.g_opt.iterations) == 12
    assert train.save_trained(step.generator, tmp_path / "g.keras").exists()
    assert train.save_trained(fresh.generator, tmp_path / "fresh.keras").exists()


def test_an_interrupt_without_a_folder_propagates_and_the_model_is_refused(images, tmp_path, capsys):
    step = small_step(7)
    wrapped, _ = counted(step, interrupt_on=3)
    with pytest.raises(KeyboardInterrupt):
        train.train_gan(wrapped, images, epochs=1, verbose=False)
    assert "cannot be resumed" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="interrupted"):
        train.save_trained(step.generator, tmp_path / "g.keras")
    train.train_gan(step, images, epochs=1, verbose=False)     # a whole run, start to end
    assert train.save_trained(step.generator, tmp_path / "g.keras").exists()


def test_an_interrupt_after_the_update_ran_is_counted(images, straight, tmp_path):
    step = small_step(7)
    wrapped, _ = counted(step, interrupt_on=7, after_update=True)  # the 7th update ran; the loop did not count it
    with pytest.raises(KeyboardInterrupt):
        run(wrapped, images, tmp_path)
    assert int(step.d_opt.iterations) == int(step.g_opt.iterations) == 7
    assert checkpoints.saved_steps(tmp_path)[0] == 7
    saved = json.loads((tmp_path / "ckpt-7.history.json").read_text())
    assert all(len(saved[key]) == 7 and np.isnan(saved[key][6]) for key in KEYS)

    fresh = small_step(99)
    resumed = run(fresh, images, tmp_path)
    assert int(fresh.d_opt.iterations) == int(fresh.g_opt.iterations) == 12
    assert_same_losses(resumed, straight, skip=6)   # step 7 ran once, not twice: the rest is the same


def test_an_interrupt_after_the_last_step_leaves_a_finished_run_that_can_be_saved(images, tmp_path, capsys):
    step = small_step(7)

    def stop(epoch, history):
        if epoch == 1:
            raise KeyboardInterrupt   # e.g. while the callback draws samples
    with pytest.raises(KeyboardInterrupt):
        run(step, images, tmp_path, epochs=1, on_epoch_end=stop)
    with pytest.raises(RuntimeError, match="interrupted"):
        train.save_trained(step.generator, tmp_path / "g.keras")
    capsys.readouterr()
    again = run(step, images, tmp_path, epochs=1, verbose=True)
    assert "nothing to train" in capsys.readouterr().out and again.steps == 4
    assert train.save_trained(step.generator, tmp_path / "g.keras").exists()


def test_a_finished_run_resumes_as_finished_and_more_epochs_continue_it(folder, images, capsys):
    step = small_step(99)
    wrapped, calls = counted(step)
    capsys.readouterr()
    before = files(folder)
    again = run(wrapped, images, folder, epochs=2, verbose=True)
    out = capsys.readouterr().out
    assert "nothing to train" in out and runs.shown(folder) in out
    assert calls == [] and int(step.g_opt.iterations) == 8 and files(folder) == before
    assert again == json.loads((folder / "ckpt-8.history.json").read_text()) and again.steps == 8
    more = run(wrapped, images, folder, epochs=3)
    assert len(calls) == 4 and len(more["g_loss"]) == 12 and len(more["epoch_time_s"]) == 3
    assert more["g_loss"][:8] == again["g_loss"]
    capsys.readouterr()
    assert run(wrapped, images, folder, epochs=3, time_budget_s=1e-9, verbose=True).steps == 12   # its time is up, too
    assert "nothing to train" in capsys.readouterr().out and len(calls) == 4


# ---------------------------------------------------------------- changed settings

@pytest.mark.parametrize("setting, design", [
    ("batch_size", SMALL.replace(batch_size=32)),
    ("learning_rate", SMALL.replace(adam=layers.Adam(1e-3, beta_1=0.5))),
    ("generator_layers", SMALL.replace(generator=layers.DenseG(z_dim=8, hidden=(32,), slope=0.2))),
    ("discriminator_layers", SMALL.replace(discriminator=layers.DenseD(hidden=(16, 16), slope=0.2))),
    ("real_label", SMALL.replace(real_label=1.0)),
])
def test_resuming_with_other_settings_is_refused_and_nothing_changes(folder, images, setting, design):
    step = small_step(1, design)
    wrapped, calls = counted(step)
    weights = [w.copy() for w in step.generator.get_weights()]
    before = files(folder)
    with pytest.raises(checkpoints.CheckpointError) as error:
        run(wrapped, images, folder)
    message = str(error.value)
    assert runs.shown(folder) in message and setting in message and "start afresh" in message
    assert calls == [] and int(step.g_opt.iterations) == 0
    assert_same_variables(step.generator.get_weights(), weights)
    assert files(folder) == before


# ---------------------------------------------------------------- damaged checkpoints

def _truncate_data(folder):
    path = folder / DATA.format(8)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _empty_index(folder):
    (folder / "ckpt-8.index").write_bytes(b"")


def _flip_bytes(folder):
    path = folder / DATA.format(8)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    path.write_bytes(bytes(data))


def _truncate_history(folder):
    path = folder / "ckpt-8.history.json"
    path.write_text(path.read_text()[:100])


@pytest.mark.parametrize("damage", [_truncate_data, _empty_index, _flip_bytes, _truncate_history])
def test_a_damaged_newest_checkpoint_is_set_aside_and_training_resumes_from_the_one_before(
        folder, images, straight, damage, capsys):
    names = [p.name for p in folder.glob("ckpt-8.*")]
    damage(folder)
    damaged = {name: (folder / name).read_bytes() for name in names}
    wrapped, calls = counted(small_step(99))
    capsys.readouterr()
    history = run(wrapped, images, folder, verbose=True)
    out = capsys.readouterr().out
    assert "ckpt-8" in out and "damaged" in out and "resuming from" in out and "4 steps done" in out
    assert len(calls) == 8                                 # from step 4 to step 12
    assert_same_losses(history, straight)
    for name, content in damaged.items():                  # moved aside, never deleted or changed
        assert (folder / f"damaged-{name}").read_bytes() == content
    assert checkpoints.saved_steps(folder) == [12, 8]


def test_when_every_checkpoint_is_damaged_the_error_names_the_folder(folder, images):
    _empty_index(folder)
    (folder / DATA.format(4)).write_bytes(b"")
    wrapped, calls = counted(small_step(99))
    for _ in range(2):     # the first call finds both damaged; the second finds only damaged-* files
        with pytest.raises(checkpoints.CheckpointError, match=re.escape(runs.shown(folder))) as error:
            run(wrapped, images, folder)
        assert "start afresh" in str(error.value)
    assert calls == [] and checkpoints.saved_steps(folder) == []
    assert {"damaged-ckpt-4.index", "damaged-ckpt-8.index", f"damaged-{DATA.format(4)}"} <= set(files(folder))


def test_garbage_in_tensorflows_checkpoint_state_file_changes_nothing(folder, images, straight, capsys):
    (folder / "checkpoint").write_bytes(b'model_checkpoint_path: "ckpt-999"\n\x00\xff garbage {{{')
    wrapped, calls = counted(small_step(99))
    capsys.readouterr()
    run(wrapped, images, folder, epochs=2, verbose=True)
    assert "nothing to train" in capsys.readouterr().out           # it read ckpt-8, the newest
    assert checkpoints.saved_steps(folder) == [8, 4] and not any(n.startswith("damaged") for n in files(folder))
    history = run(wrapped, images, folder)
    assert len(calls) == 4
    assert_same_losses(history, straight)


# ---------------------------------------------------------------- what a checkpoint holds

def test_a_checkpoint_restores_batch_norm_statistics_and_the_ema_copy(tmp_path):
    design = layers.DCGAN.replace(generator=layers.ConvG(z_dim=8, width=4), discriminator=layers.ConvD(width=4),
                                  jit_compile=False, batch_size=32)
    step = small_step(0, design, ema=True)
    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1), dtype=np.uint8)
    train.train_gan(step, images, epochs=2, checkpoint_dir=tmp_path, verbose=False)

    fresh = small_step(1, design, ema=True)
    ckpt = checkpoints.make_checkpoint(fresh)
    settings = json.loads((tmp_path / "settings.json").read_text())
    assert settings["ema_decay"] == design.ema_decay == 0.9995
    checkpoints.restore(tmp_path, ckpt, settings, verbose=False)
    assert int(ckpt.step) == 4 and float(ckpt.seconds) > 0
    for a, b in ((step.generator, fresh.generator), (step.discriminator, fresh.discriminator),
                 (step.ema, fresh.ema)):
        assert any("moving_mean" in v.path for v in a.variables)
        for va, vb in zip(a.variables, b.variables):
            np.testing.assert_array_equal(va.numpy(), vb.numpy(), err_msg=va.path)
    assert_same_variables(fresh.g_opt.variables, step.g_opt.variables)
    assert not np.allclose(step.ema.get_weights()[0], step.generator.get_weights()[0])  # the average lags G


# ---------------------------------------------------------------- faults a student's run meets

def test_a_folder_whose_name_holds_brackets_resumes(images, straight, tmp_path):
    folder = tmp_path / "photos [2024] *best*"
    step = small_step(7)
    wrapped, _ = counted(step, interrupt_on=6)
    with pytest.raises(KeyboardInterrupt):
        run(wrapped, images, folder)
    resumed = run(small_step(99), images, folder)
    assert_same_losses(resumed, straight)
    assert not list(folder.glob("damaged-*"))


def test_an_added_dropout_layer_is_named_before_anything_is_restored(folder, images):
    design = SMALL.replace(discriminator=layers.DenseD(hidden=(16,), slope=0.2, dropout=0.3))
    before = files(folder)
    step = small_step(1, design)
    import keras
    extra = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(16),
                              keras.layers.Dropout(0.3), keras.layers.Dropout(0.1), keras.layers.Dense(1)])
    other = train.make_step(design, layers.Players(step.generator, extra, step.g_opt, step.d_opt))
    with pytest.raises(checkpoints.CheckpointError) as error:
        run(other, images, folder)
    message = str(error.value)
    assert "discriminator_layers" in message and "Dropout" in message and "new in this run" in message
    assert files(folder) == before and not list(folder.glob("damaged-*"))


@pytest.mark.parametrize("change", ["other images", "another activation"])
def test_resuming_on_other_images_of_the_same_count_or_another_activation_is_refused(folder, images, change):
    if change == "other images":
        step, data, name = small_step(1), images[::-1].copy(), "data"
    else:
        design = SMALL.replace(generator=layers.DenseG(z_dim=8, hidden=(16,), slope=0.3))
        step, data, name = small_step(1, design), images, "generator_layers"
    with pytest.raises(checkpoints.CheckpointError, match=name):
        run(step, data, folder)


def test_a_settings_file_without_checkpoints_pins_nothing(images, tmp_path):
    (tmp_path / checkpoints.SETTINGS).write_text(json.dumps({"batch_size": 999, "kind": "old"}))
    history = run(small_step(7), images, tmp_path, epochs=1)
    assert history.steps == 4
    assert json.loads((tmp_path / checkpoints.SETTINGS).read_text())["batch_size"] == BATCH


@pytest.mark.parametrize("fault", ["a file", "read-only"])
def test_a_folder_that_cannot_hold_checkpoints_is_named_before_training(images, tmp_path, fault):
    import os
    if fault == "a file":
        folder = tmp_path / "ckpt"
        folder.write_text("not a folder")
    else:
        if os.geteuid() == 0:
            pytest.skip("root can write to a read-only folder")
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
    step = small_step(7)
    wrapped, calls = counted(step)
    with pytest.raises(checkpoints.CheckpointError, match="checkpoint"):
        run(wrapped, images, folder)
    assert calls == []


def test_too_little_disk_space_is_named_before_training(images, tmp_path, monkeypatch):
    import collections
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    step = small_step(7)
    wrapped, calls = counted(step)
    with pytest.raises(checkpoints.CheckpointError, match="MB free"):
        run(wrapped, images, tmp_path / "full")
    assert calls == []


def test_a_stop_during_the_first_step_leaves_every_history_aligned(images, straight, tmp_path):
    step = small_step(7)
    wrapped, _ = counted(step, interrupt_on=1, after_update=True)   # the very first update ran, then the stop
    with pytest.raises(KeyboardInterrupt):
        run(wrapped, images, tmp_path)
    saved = json.loads((tmp_path / "ckpt-1.history.json").read_text())
    assert all(len(saved[key]) == 1 for key in KEYS)
    resumed = run(small_step(99), images, tmp_path)
    assert_same_losses(resumed, straight, skip=0)


def test_a_stop_after_an_epochs_last_step_still_records_that_epochs_end(images, straight, tmp_path):
    step = small_step(7)
    wrapped, _ = counted(step, interrupt_on=5)           # step 4 ended epoch 1; the stop came in step 5
    monkey = pytest.MonkeyPatch()
    monkey.setattr(train, "EPOCH_CHECKPOINT_EVERY_S", 1e9)   # epoch 1's end saved nothing: only the interrupt saves
    try:
        with pytest.raises(KeyboardInterrupt):
            run(wrapped, images, tmp_path)
    finally:
        monkey.undo()
    resumed = run(small_step(99), images, tmp_path)
    assert len(resumed["epoch_time_s"]) == EPOCHS
    assert_same_losses(resumed, straight)


def test_a_nan_loss_stops_training_and_keeps_the_good_checkpoints(images, tmp_path):
    run(small_step(7), images, tmp_path, epochs=2)
    before = files(tmp_path)
    step = small_step(7)
    bad = images.copy()
    with pytest.raises(ValueError, match="NaN"):
        bad[3, 5, 5, 0] = np.nan
        run(step, bad, tmp_path, epochs=3)

    def poisoned(*args):
        out = step.fn(*args)
        return {**out, "g_loss": float("nan")} if int(step.d_opt.iterations) >= 10 else out
    with pytest.raises(train.TrainingDiverged, match="g_loss = nan"):
        run(dataclasses.replace(step, fn=poisoned), images, tmp_path, epochs=3)
    assert files(tmp_path) == {**before, **{k: v for k, v in files(tmp_path).items() if k not in before}}
    assert checkpoints.saved_steps(tmp_path)[0] == 8
    with pytest.raises(RuntimeError, match="did not finish"):
        train.save_trained(step.generator, tmp_path / "g.keras")
