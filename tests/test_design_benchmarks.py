"""The stored design benchmarks behind notebooks 02, 03 and 04 say what the notebooks and benchmarks/README say."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np

from helpers import layers, tricks
from helpers.tricks import compare_pairs

N_WIDE, N_AVERAGE = 5, 8   # seeds stored so far of the 512-unit runs and of the averaged baseline runs

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def benchmark(name: str):
    """A benchmark script, imported as a module (nothing runs)."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_dense_weight_average_scores_below_the_raw_generator_at_every_mark_and_seed():
    runs = [json.loads(line) for line in (BENCHMARKS / "results" / "dense_average.jsonl").read_text().splitlines()]
    assert sorted(r["seed"] for r in runs) == [0, 1, 2] and {r["steps"] for r in runs} == {15_000}
    for run in runs:
        assert len(run["scores"]) == 4
        for mark in run["scores"].values():
            assert mark["average"] < 0.7 * mark["raw"]


def test_the_dense_benchmark_trains_notebook_02s_design_with_its_label_smoothing(capsys):
    module = benchmark("dense_average")
    assert module.STEPS == 15_000 and module.SEEDS == (0, 1, 2)
    assert layers.DENSE.ema_decay == 0.999 and layers.DENSE.real_label == 0.9
    module.summary()
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 4 and rows[-1].startswith("| 15,000 | 9.11 ± 0.59 | 20.17 ± 4.01")


def test_the_benchmarked_projection_design_is_notebook_04s_and_the_others_differ_only_where_named():
    module = benchmark("cgan_designs")
    assert module.design("projection") == layers.CGAN
    hidden, plain = module.design("hidden"), module.design("plain")
    assert hidden.discriminator.projection is False and hidden.generator == layers.CGAN.generator
    assert (plain.generator.width, plain.generator.hidden, plain.discriminator.hidden) == (64, 0, 0)
    assert hidden.adam == plain.adam == layers.CGAN.adam and hidden.ema_decay == layers.CGAN.ema_decay


def test_the_projection_term_makes_the_logit_depend_on_the_label_through_d_s_features():
    with_projection = layers.CondConvD(width=4, hidden=8).build()
    without = layers.CondConvD(width=4, hidden=8, projection=False).build()
    assert with_projection.count_params() == without.count_params() + 10 * 8      # a second 10 x 8 table
    assert any(type(layer).__name__ == "Dot" for layer in with_projection.layers)
    x = np.zeros((10, 28, 28, 1), "float32")
    logits = with_projection([x, np.arange(10)], training=False).numpy()[:, 0]
    assert np.ptp(logits) > 0


def test_at_equal_time_every_projection_seed_obeys_more_and_scores_a_lower_fcd_than_every_plain_seed(capsys):
    module = benchmark("cgan_designs")
    lines = [json.loads(line) for line in module.OUT.read_text().splitlines() if line.strip()]
    final = {name: [r for r in lines if r.get("design") == name and r.get("of") == steps and r["step"] == steps]
             for name, steps in module.EQUAL_TIME.items()}
    assert all(sorted(r["seed"] for r in runs) == [0, 1, 2] for runs in final.values())
    assert min(r["obedience"] for r in final["projection"]) > max(r["obedience"] for r in final["plain"])
    assert max(r["fcd"] for r in final["projection"]) < min(r["fcd"] for r in final["plain"])
    module.seeds_compared()
    out = capsys.readouterr().out
    assert "| projection | 5,000 | 3 |" in out and "| plain | 2,100 | 3 |" in out and "| aux | 5,000 | 3 |" in out
    assert "| cbn | 4,768 | 3 |" in out


def test_the_auxiliary_classifier_made_no_clear_difference_at_equal_time():
    from helpers.tricks import compare

    module = benchmark("cgan_designs")
    lines = [json.loads(line) for line in module.OUT.read_text().splitlines() if line.strip()]
    final = {name: [r for r in lines if r.get("design") == name and r.get("of") == 5000 and r["step"] == 5000]
             for name in ("projection", "aux")}
    for metric in ("obedience", "fcd"):
        c = compare([r[metric] for r in final["aux"]], [r[metric] for r in final["projection"]])
        assert c["diff_low"] < 0 < c["diff_high"], (metric, c)      # the interval holds 0: "no clear difference"
    d = module.aux_discriminator()
    assert [tuple(o.shape) for o in d.outputs] == [(None, 1), (None, 10)]


def test_conditional_batch_norm_obeyed_more_at_equal_time_with_no_clear_change_in_fcd():
    from helpers.tricks import compare

    module = benchmark("cgan_designs")
    lines = [json.loads(line) for line in module.OUT.read_text().splitlines() if line.strip()]
    final = {name: [r for r in lines if r.get("design") == name and r.get("of") == steps and r["step"] == steps]
             for name, steps in (("projection", 5000), ("cbn", module.EQUAL_TIME["cbn"]))}
    assert min(r["obedience"] for r in final["cbn"]) > max(r["obedience"] for r in final["projection"])
    obey = compare([r["obedience"] for r in final["cbn"]], [r["obedience"] for r in final["projection"]])
    fcd = compare([r["fcd"] for r in final["cbn"]], [r["fcd"] for r in final["projection"]])
    assert obey["diff_low"] > 0 and fcd["diff_low"] < 0 < fcd["diff_high"]
    g = module.cbn_generator(width=4, hidden=8)
    x = g([np.zeros((10, 100), "float32"), np.arange(10)], training=False).numpy()
    assert x.shape == (10, 28, 28, 1) and np.abs(x).max() <= 1 and np.ptp(x, axis=0).max() > 0   # one z, 10 labels
    tables = [layer for layer in g.layers if type(layer).__name__ == "Embedding"]
    assert len(tables) == 1 + 2 * 3                     # the label's embedding, a scale and a shift per batch norm


def test_at_notebook_04s_budget_conditional_batch_norm_made_no_clear_difference_so_cgan_keeps_plain_batch_norm():
    from helpers.tricks import compare

    module = benchmark("cgan_designs")
    lines = [json.loads(line) for line in module.OUT.read_text().splitlines() if line.strip()]
    final = {name: [r for r in lines if r.get("design") == name and r.get("of") == steps and r["step"] == steps]
             for name, steps in module.NOTEBOOK_BUDGET.items()}
    assert sorted(r["seed"] for r in final["cbn"]) == sorted(r["seed"] for r in final["projection"]) == [0, 1, 2]
    for metric in ("obedience", "fcd"):
        c = compare([r[metric] for r in final["cbn"]], [r[metric] for r in final["projection"]])
        assert c["diff_low"] < 0 < c["diff_high"], (metric, c)      # the interval holds 0: "no clear difference"
    generator = layers.CGAN.generator.build()
    assert sum(type(layer).__name__ == "Embedding" for layer in generator.layers) == 1   # the label's embedding only


def test_the_stronger_reader_reads_real_digits_better_than_the_metrics_and_both_read_the_shipped_generator():
    stored = json.loads((BENCHMARKS / "results" / "obedience_reader.json").read_text())
    series, stronger = stored["readers"]["the metric's reader (helpers.metrics)"], stored["readers"]["the stronger reader"]
    assert stored["samples"] == 10_000
    assert stronger["real_test_digits_read_right"] > series["real_test_digits_read_right"] > 0.99
    assert min(series["cgan_obedience"], stronger["cgan_obedience"]) > 0.99
    shipped = json.loads((BENCHMARKS.parent / "helpers" / "weights" / "SHIPPED.json").read_text())["cgan_generator.keras"]
    assert stored["generator_sha256"] == shipped["sha256"], "re-run benchmarks/obedience_reader.py on the shipped generator"


def test_the_hidden_width_runs_change_only_the_hidden_units_and_get_the_baselines_time():
    from dataclasses import replace

    module = benchmark("dcgan_hidden")
    wide = module.design(256)
    assert wide.generator == replace(layers.DCGAN.generator, hidden=256)
    assert wide.discriminator == replace(layers.DCGAN.discriminator, hidden=256)
    assert wide.replace(generator=layers.DCGAN.generator, discriminator=layers.DCGAN.discriminator) == tricks.MNIST_BASE
    lines = [json.loads(line) for line in module.OUT.read_text().splitlines() if line.strip()]
    speed = {r["hidden"]: r["seconds_per_step"] for r in lines if r["calibration"]}
    runs = [r for r in lines if not r["calibration"]]
    assert runs and speed[128] < min(speed[r["hidden"]] for r in runs)        # wider layers cost more per step
    for r in runs:   # equal time: the baseline's steps scaled by the two designs' step times, to a multiple of 4
        assert r["steps"] == round(module.BASELINE_STEPS * speed[128] / speed[r["hidden"]] / 4) * 4
        assert list(r["fcd"]) == [str(r["steps"] * k // 4) for k in (1, 2, 3, 4)]
    from helpers.tricks import compare

    wide = compare([list(r["fcd"].values())[-1] for r in runs if r["hidden"] == 512],
                   [list(r["fcd"].values())[-1] for r in module.baseline()])
    assert wide["n"] == N_WIDE and wide["diff"] < 0 < wide["diff_high"]      # lower on average, yet no clear difference


def _average_runs() -> list[dict]:
    return [json.loads(line) for line in (BENCHMARKS / "results" / "dcgan_average.jsonl").read_text().splitlines()]


def test_the_averaged_runs_repeat_a2s_baseline_runs_of_the_same_seed_exactly():
    stored = {r["seed"]: r for r in map(json.loads, (BENCHMARKS / "results" / "tricks_mnist-10min.jsonl").read_text()
                                        .splitlines()) if r["trick"] == "baseline"}
    module = benchmark("dcgan_average")
    assert module.STEPS == benchmark("dcgan_hidden").BASELINE_STEPS == stored[0]["steps"]
    for run in _average_runs():
        if run["seed"] in stored:
            marks = [*stored[run["seed"]]["marks"].values(), stored[run["seed"]]["average"]]
            assert [v["average"] for v in run["scores"].values()] == [round(m["fcd"], 3) for m in marks]


def test_at_notebook_03s_budget_a_longer_average_helps_beyond_the_pairs_spread_and_notebook_03_adopts_it():
    runs = _average_runs()
    assert sorted(r["seed"] for r in runs) == list(range(N_AVERAGE))
    for run in runs:   # before the warm-up reaches 0.998 (t < 4,490 steps) the three averages are one
        first = next(iter(run["scores"].values()))
        assert first["average 0.998"] == first["average"] == first["average 0.9995"]
    end = [r["scores"]["17189"] for r in runs]
    design = [e["average"] for e in end]
    longer, shorter = compare_pairs([e["average 0.9995"] for e in end], design), compare_pairs([e["average 0.998"] for e in end], design)
    assert longer["diff_high"] < 0 < shorter["diff_low"]                       # both beyond the pairs' spread
    each = np.array([e["average 0.9995"] for e in end]) - design
    assert round(longer["diff"], 2) == -0.06 and np.sum(each < 0) == 7 and each.max() < 0.01
    assert layers.DCGAN.ema_decay == 0.9995 and tricks.MNIST_BASE.ema_decay == 0.999   # adopted; A2's baseline keeps


def test_the_conditional_runs_averages_repeat_the_stored_runs_and_a_longer_one_scores_a_worse_fcd_there():
    module = benchmark("cgan_designs")
    lines = [json.loads(line) for line in module.OUT.read_text().splitlines() if line.strip()]
    steps = module.NOTEBOOK_BUDGET["projection"]
    mark = {(r["design"], r["seed"], r["step"]): r for r in lines if r.get("of") == steps}
    seeds = sorted({s for (d, s, _) in mark if d == "projection@0.9995"})
    assert seeds == [0, 1, 2, 3]
    for (design, seed, step), r in mark.items():   # the 0.999 average is the design's: the stored run, repeated
        if design == "projection" and ("projection@0.999", seed, step) in mark:
            again = mark["projection@0.999", seed, step]
            assert (again["obedience"], again["fcd"]) == (r["obedience"], r["fcd"])
    longer, base = ([mark[f"projection@{decay}", s, steps]["fcd"] for s in seeds] for decay in (0.9995, 0.999))
    c = compare_pairs(longer, base)
    assert c["diff_low"] > 0 and round(c["diff"], 2) == 0.09 and all(a > b for a, b in zip(longer, base))   # every seed
    assert layers.CGAN.ema_decay == 0.999
