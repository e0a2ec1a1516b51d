"""helpers.repair: notebook 08's damages, reader, report and inversion, the same as notebook 08's page defines them;
notebook 09's receptive field, restorer step and training loop."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import notebook_text
from helpers import repair

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_08 = ROOT / "notebooks" / "08_what_a_generator_knows.ipynb"


def _mask_as_08_describes() -> np.ndarray:
    mask = np.ones((1, 28, 28, 1), "float32")
    mask[:, 7:21, 7:21] = 0.0
    return mask


def _page_08(name: str, **extra):
    """Notebook 08's function ``name`` as its page defines it (it may call helpers.repair), or None if 08 takes the
    helper itself without a def."""
    import tensorflow as tf

    from helpers import metrics

    defining = [src for src in notebook_text.cells(NOTEBOOK_08, "code")
                if any(isinstance(n, ast.FunctionDef) and n.name == name for n in ast.parse(src).body)]
    if not defining:
        assert f"repair.{name}" in "\n".join(notebook_text.cells(NOTEBOOK_08, "code")), name
        return None
    namespace = {"np": np, "tf": tf, "metrics": metrics, "repair": repair, "mask": _mask_as_08_describes(),
                 "HOLE": 14, "NOISE": 0.6, "FACTOR": 4, "read": repair.read, **extra}
    return notebook_text.function(NOTEBOOK_08, defining[0], name, namespace)


@pytest.fixture(scope="module")
def digits():
    from helpers import metrics
    from helpers.data import load_mnist

    (_, _), (x_test, y_test) = load_mnist(verbose=False)
    return metrics.as_tanh_images(x_test[:100]), y_test[:100]


def test_the_damages_are_notebook_08s(digits):
    truth, _ = digits
    assert np.array_equal(repair.hole_mask(), _mask_as_08_describes())
    for name, ours in (("hide", lambda x: repair.hide(x)), ("downsample", lambda x: np.asarray(repair.downsample(x)))):
        page = _page_08(name)
        if page is not None:
            assert np.array_equal(np.asarray(page(truth)), ours(truth)), name
    page = _page_08("add_noise")
    if page is not None:
        assert np.array_equal(page(truth, 7), repair.add_noise(truth, 7))
    page = _page_08("blur")
    if page is not None:
        assert np.array_equal(page(truth, 0.75), repair.blur(truth, 0.75))


def test_the_reader_and_the_report_are_notebook_08s(digits, capsys):
    truth, labels = digits
    repairs = {"hidden": repair.hide(truth), "noisy": repair.add_noise(truth, 3)}
    page_read = _page_08("read")
    if page_read is not None:
        assert all(np.array_equal(a, b) for a, b in zip(page_read(truth), repair.read(truth)))
    page_report = _page_08("report", truth=truth, labels=labels)
    if page_report is not None:
        theirs = page_report(repair.hide, repair.hide(truth), {k: (v, 1.5) for k, v in repairs.items()})
        printed = capsys.readouterr().out
        ours = repair.report(repair.hide, repair.hide(truth), repairs, truth, labels, seconds=dict.fromkeys(repairs, 1.5))
        assert capsys.readouterr().out == printed
        assert {k: {m: pytest.approx(v) for m, v in row.items()} for k, row in theirs.items()} == ours


def test_the_report_adds_fcd_and_milliseconds_when_asked(digits, capsys):
    truth, labels = digits
    rows = repair.report(repair.hide, repair.hide(truth), {"truth": truth}, truth, labels, fcd=True, ms={"truth": 2.5})
    header = capsys.readouterr().out.splitlines()[0]
    assert "FCD" in header and "ms/digit" in header
    assert rows["truth"]["on_x"] == 0 and rows["truth"]["right"] == 1.0 and rows["truth"]["ms"] == 2.5
    assert rows["truth"]["fcd"] >= 0


def test_the_inversion_is_notebook_08s():
    """On a linear generator, helpers.repair.invert and best_start give what notebook 08's page gives."""
    import keras
    import tensorflow as tf

    from exercises import ch08

    linear, _, _ = ch08._linear_generator()
    _, y, mask = ch08._problem(86, n=3)
    y = y * mask
    namespace = {"np": np, "tf": tf, "keras": keras, "generator": linear, "Z_DIM": ch08.Z_DIM, "LR": 0.05,
                 "LAMBDA": 0.03, "STARTS": 2, "STEPS": 20, "SEED": 4}
    source = notebook_text.code_cell(NOTEBOOK_08, "def invert(")
    invert, best_start = (notebook_text.function(NOTEBOOK_08, source, n, namespace) for n in ("invert", "best_start"))
    z_page, fit_page = invert(lambda x: x * mask, y)
    z, fit = repair.invert(linear, lambda x: x * mask, y, lam=0.03, starts=2, steps=20, lr=0.05, seed=4)
    assert np.allclose(z, z_page, atol=1e-5) and np.allclose(fit, fit_page, rtol=1e-5)
    assert np.allclose(best_start(z, fit)[1], repair.best_start(linear, z, fit)[1], atol=1e-6)


@pytest.mark.parametrize("layers, side", [([(4, 2), (4, 2), (3, 1)], 18), ([(3, 1)] * 3, 7), ([], 1),
                                          ([(5, 2), (3, 2), (3, 2)], 17), ([(2, 2)] * 4, 16)])
def test_receptive_field(layers, side):
    assert repair.receptive_field(layers) == side


def test_blocks_draws_each_value_as_a_square():
    small = np.arange(4.0).reshape(1, 2, 2, 1)
    big = repair.blocks(small, 3)
    assert big.shape == (1, 6, 6, 1) and np.array_equal(big[0, :3, 3:, 0], np.full((3, 3), 1.0))
    assert np.allclose(np.asarray(repair.downsample(big, 3)), small)


def _tiny_restorer():
    import keras

    x = keras.Input((28, 28, 1))
    return keras.Model(x, keras.layers.Conv2D(1, 3, padding="same")(x))


def test_an_l1_only_restorer_learns_to_undo_a_shift():
    import keras

    keras.utils.set_random_seed(0)
    r = _tiny_restorer()
    step = repair.make_restorer_step(r, None, keras.optimizers.Adam(3e-2), l1_weight=1.0)
    clean = np.random.default_rng(0).integers(0, 256, (256, 28, 28), dtype=np.uint8)
    shifted = lambda x, k: x + 0.1    # noqa: E731
    first = repair.train_restorer(step, clean, shifted, seconds=60, max_steps=10, batch_size=32, verbose=False)
    later = repair.train_restorer(step, clean, shifted, seconds=60, max_steps=200, batch_size=32, verbose=False)
    assert later["steps"] == 200 and set(later) == {"steps", "seconds", "g_loss", "l1"}
    assert later["l1"] < first["l1"] / 2


def test_training_stops_with_a_message_when_a_loss_is_not_finite():
    from helpers.train import TrainingDiverged

    def broken(damaged, real):
        return {"l1": float("nan")}

    clean = np.zeros((8, 28, 28), np.uint8)
    with pytest.raises(TrainingDiverged, match="lower the learning rate"):
        repair.train_restorer(broken, clean, lambda x, k: x, seconds=5, batch_size=4, verbose=False, name="t")
    with pytest.raises(ValueError, match="batch no larger"):
        repair.train_restorer(broken, clean, lambda x, k: x, seconds=5, batch_size=16, verbose=False)
