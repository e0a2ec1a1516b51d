"""The GAN playground in JupyterLab in a real browser: play, watch it train, pause, change the loss, reset.

Starts JupyterLab on localhost (kernels in fast mode, the shipped settings overrides) with the start-up code of
``tests/test_jupyterlab_browser.py``, writes notebook 01's own playground section (its setup cell, its
``parameters`` cell and the code cells of "The GAN playground", outputs cleared) to a temporary folder, runs it
in headless Chromium driven by Playwright, and presses the widget's buttons as a user would. Checks that the frame changes and the step counter rises while playing (and counts the frames the
browser receives), that pause stops it, that a new loss starts again from step 0, and that reset does too.
Saves screenshots to ``build/browser/``.

Needs Chromium and the ``playwright`` package, as the other browser test; without them it is skipped, unless
``GAN_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import time
from pathlib import Path

import pytest

import notebook_text

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
NOTEBOOK = "playground_check.ipynb"
CHAPTER = HERE.parent / "notebooks" / "01_minimax_game.ipynb"
SECTION = "## 7 · The GAN playground"


def _browser_test_module():
    """tests/test_jupyterlab_browser.py, for its JupyterLab start-up (``_lab_server``) and skip rules."""
    module = sys.modules.get("test_jupyterlab_browser")
    if module is None:
        spec = importlib.util.spec_from_file_location("test_jupyterlab_browser", HERE / "test_jupyterlab_browser.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def _notebook() -> str:
    """Notebook 01's setup cell, its parameters cell and the code cells of its playground section."""
    nb = notebook_text.load(CHAPTER)
    cells, code = nb["cells"], [c for c in nb["cells"] if c["cell_type"] == "code"]
    start = next(i for i, c in enumerate(cells) if "".join(c["source"]).startswith(SECTION))
    end = next(i for i, c in enumerate(cells) if i > start and c["cell_type"] == "markdown"
               and "".join(c["source"]).startswith("## "))
    section = [c for c in cells[start:end] if c["cell_type"] == "code"]
    parameters = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert section and any("playground.widget" in "".join(c["source"]) for c in section), "no playground in 01"
    kept = [dict(c, outputs=[], execution_count=None) for c in [code[0], *parameters, *section]]
    return json.dumps(dict(nb, cells=kept), indent=1) + "\n"


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server serving the playground notebook; yields (URL, Chromium, the browser test's module)."""
    browser = _browser_test_module()
    chromium = browser._requirements_or_skip()
    work = tmp_path / "lab"
    work.mkdir()
    (work / NOTEBOOK).write_text(_notebook())
    with browser._lab_server(tmp_path, work, overrides=True) as (url, token):
        yield f"{url}/lab/tree/{NOTEBOOK}?token={token}", chromium, browser


def _step(label) -> int:
    """The number on the step counter, e.g. 1230 from "step 1,230"."""
    match = re.fullmatch(r"step ([\d,]+)", label.inner_text().strip())
    assert match, f"the step counter reads {label.inner_text()!r}"
    return int(match.group(1).replace(",", ""))


def _wait_for(condition, seconds: float, message: str, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    pytest.fail(message)


def _settled(label, timeout: float = 10.0) -> int:
    """The step counter once two readings half a second apart agree."""
    last, deadline = _step(label), time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _step(label)
        if now == last:
            return now
        last = now
    raise AssertionError(f"the step counter kept rising for {timeout:.0f} s after pause")


def test_playground_plays_pauses_and_resets_in_jupyterlab(lab):
    url, chromium, browser_test = lab
    from playwright.sync_api import TimeoutError as PlaywrightTimeout, sync_playwright

    shots = browser_test.SHOTS
    shots.mkdir(parents=True, exist_ok=True)
    start, phases = time.monotonic(), []

    def phase(name):
        phases.append(f"{name} {time.monotonic() - start:.0f} s")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=browser_test.CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(url)
            page.locator(".jp-Notebook").wait_for(timeout=60_000)
            select_kernel = page.locator(".jp-Dialog .jp-mod-accept")
            try:
                select_kernel.wait_for(timeout=5_000)
                select_kernel.click()
            except PlaywrightTimeout:
                pass   # no dialog: the kernel started by itself
            page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=60_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()

            widget = page.locator(".gan-playground")
            image = widget.locator(".gan-playground-image")
            label = widget.locator(".gan-playground-step-label")
            image.wait_for(timeout=120_000)   # the kernel imports TensorFlow and draws the first frame
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                                  ).filter(has_text="Traceback")
            assert errors.count() == 0, f"a cell raised: {errors.first.inner_text()[:2000]}"
            widget.scroll_into_view_if_needed()
            _wait_for(lambda: label.inner_text().strip().startswith("step "), 30, "the step counter is not shown")
            initial = _step(label)   # notebook 01 runs a short still-picture run before it shows the widget
            phase("widget shown")
            page.screenshot(path=str(shots / "playground_before.png"))

            # count the frames the browser receives: every new frame gives the image a new source
            image.evaluate("""img => { window.__frames = 0;
                new MutationObserver(() => window.__frames++).observe(img, {attributes: true,
                                                                            attributeFilter: ['src']}); }""")
            before = image.screenshot()
            widget.locator(".gan-playground-play").click()
            _wait_for(lambda: _step(label) >= initial + 50, 60, "the step counter did not rise after play")
            first, shot = _step(label), image.screenshot()
            assert shot != before, "the plot did not change while playing"
            time.sleep(1)
            frames = page.evaluate("window.__frames")
            counted_at, steps_then = time.monotonic(), _step(label)
            time.sleep(3)
            rate = (page.evaluate("window.__frames") - frames) / (time.monotonic() - counted_at)
            print(f"frames received by the browser while playing: {rate:.1f} per second")
            assert steps_then > first and _step(label) > steps_then, "the step counter stopped rising"
            assert image.screenshot() != shot, "the plot stopped changing while playing"
            assert rate >= 1, f"only {rate:.1f} frames per second reached the browser"
            page.screenshot(path=str(shots / "playground_playing.png"))
            phase("played")

            widget.locator(".gan-playground-pause").click()   # handled while the play loop runs
            _wait_for(lambda: widget.locator(".gan-playground-play").is_enabled(), 20, "pause did not stop play")
            stopped = _settled(label)   # a frame already on its way to the browser may still arrive
            time.sleep(1.5)
            assert _step(label) == stopped, "the step counter still rises after pause"

            widget.locator("select").nth(1).select_option(label="WGAN-GP")   # data, then loss
            _wait_for(lambda: _step(label) == 0, 60, "changing the loss did not start again from step 0")
            widget.locator(".gan-playground-step").click()
            _wait_for(lambda: _step(label) == 1, 30, "the step button did not advance the counter")
            widget.locator(".gan-playground-reset").click()
            _wait_for(lambda: _step(label) == 0, 30, "reset did not bring the counter back to step 0")
            page.screenshot(path=str(shots / "playground_after.png"))
            phase("paused, new loss, step, reset")
            print("after the server started: " + ", ".join(phases))
            assert errors.count() == 0, f"a cell raised: {errors.first.inner_text()[:2000]}"
            assert "stopped" not in widget.inner_text(), widget.inner_text()
        except Exception:
            page.screenshot(path=str(shots / "playground_failure.png"), full_page=True)
            raise
        finally:
            browser.close()
