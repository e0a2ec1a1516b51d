"""JupyterLab in a real browser: open notebook 02, run it, move a latent slider, and see the image change.

Starts JupyterLab on localhost (kernels in fast mode) with the settings overrides that Binder and the README's
setup install (binder/overrides.json), drives headless Chromium with Playwright, checks that JupyterLab does not
ask about Jupyter news, runs every cell of a copy of the dense-GAN notebook from the Run menu (with
``LOAD_PRETRAINED = True``, as on Binder, so the sliders drive the shipped generator), drags the first latent
slider of the explorer and checks that the rendered digit changed. Saves screenshots before and after the drag
to ``build/browser/``. A second, shorter test starts JupyterLab without the overrides and sees the news question,
so the first test's check is known to detect it.

Needs Chromium (Debian: ``apt-get install chromium``) and the ``playwright`` package (in
``requirements-test.txt``); without them the test is skipped, unless ``GAN_REQUIRE_BROWSER=1`` (set by CI).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "02_dense_gan_mnist.ipynb"
SHOTS = ROOT / "build" / "browser"
NEWS_QUESTION = "Would you like to get notified about official Jupyter news?"   # JupyterLab 4's first-start toast
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _chromium() -> str | None:
    """Path of a Chromium executable: $CHROMIUM, or chromium / chromium-browser / google-chrome on the PATH."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _requirements_or_skip() -> str:
    """Return Chromium's path; skip (or fail, when GAN_REQUIRE_BROWSER=1) if Chromium or Playwright is missing."""
    missing = []
    chromium = _chromium()
    if chromium is None:
        missing.append("Chromium (Debian/Ubuntu: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -r requirements-test.txt)")
    if missing:
        message = "the browser test needs " + " and ".join(missing)
        if os.environ.get("GAN_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return chromium


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lab_settings():
    """The module binder/lab_settings.py, which installs the shipped overrides.json (no news pop-up)."""
    spec = importlib.util.spec_from_file_location("lab_settings", ROOT / "binder" / "lab_settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def _lab_server(tmp_path: Path, work: Path, overrides: bool):
    """Run JupyterLab on localhost serving ``work`` (kernels in fast mode), with fresh settings; yield (URL, token).

    With ``overrides``, binder/overrides.json is installed by binder/lab_settings.py into the server's
    application settings folder, as Binder's postBuild and the README's setup command do for a real environment.
    """
    settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)   # render every cell (no windowing), so that outputs far down exist in the page
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    app_settings = tmp_path / "app-settings"
    app_settings.mkdir()
    if overrides:
        _lab_settings().install(app_settings)
    port, token = _free_port(), "browser-test"
    env = {**os.environ, "GAN_FAST": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         f"--LabApp.app_settings_dir={app_settings}", "--allow-root"],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"JupyterLab exited at start; its log:\n{(tmp_path / 'jupyterlab.log').read_text()}")
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer on localhost within 60 s")
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server with the shipped settings overrides, serving a copy of notebook 02; yields (URL, Chromium)."""
    chromium = _requirements_or_skip()
    work = tmp_path / "lab"
    work.mkdir()
    source = (ROOT / "notebooks" / NOTEBOOK).read_text()
    assert "LOAD_PRETRAINED = False" in source, "notebook 02 no longer has the LOAD_PRETRAINED parameter"
    (work / NOTEBOOK).write_text(source.replace("LOAD_PRETRAINED = False", "LOAD_PRETRAINED = True", 1))
    with _lab_server(tmp_path, work, overrides=True) as (url, token):
        yield f"{url}/lab/tree/{NOTEBOOK}?token={token}", chromium


def test_without_the_shipped_overrides_jupyterlab_asks_about_news(tmp_path):
    """The control: a fresh JupyterLab does show the news question that the other test checks is absent."""
    chromium = _requirements_or_skip()
    from playwright.sync_api import sync_playwright

    work = tmp_path / "lab"
    work.mkdir()
    with _lab_server(tmp_path, work, overrides=False) as (url, token), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab?token={token}")
            page.get_by_text(NEWS_QUESTION).wait_for(timeout=90_000)
        finally:
            browser.close()


def test_latent_slider_changes_the_rendered_digit_in_jupyterlab(jupyterlab):
    url, chromium = jupyterlab
    from playwright.sync_api import TimeoutError as PlaywrightTimeout, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(url)
            page.locator(".jp-Notebook").wait_for(timeout=60_000)
            select_kernel = page.locator(".jp-Dialog .jp-mod-accept")   # "Select Kernel: Python 3", as a user would
            try:
                select_kernel.wait_for(timeout=10_000)
                select_kernel.click()
            except PlaywrightTimeout:
                pass   # no dialog: the kernel started by itself
            page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=60_000)
            news = page.get_by_text(NEWS_QUESTION)
            assert news.count() == 0, "JupyterLab asked about news: binder/overrides.json was not applied"

            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()

            cell = page.locator(".jp-CodeCell").filter(has_text="LatentExplorer(ema")
            slider = cell.locator(".widget-slider").first
            slider.wait_for(timeout=240_000)   # the cells before it load the data and the shipped generator
            image = cell.locator(".widget-image").first
            image.wait_for(timeout=60_000)
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                                  ).filter(has_text="Traceback")
            assert errors.count() == 0, f"a cell raised: {errors.first.inner_text()[:2000]}"

            cell.scroll_into_view_if_needed()
            readout = slider.locator(".widget-readout")
            before_value, before = readout.inner_text(), image.screenshot()
            page.screenshot(path=str(SHOTS / "latent_sliders_before.png"))

            handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-base")
            h, t = handle.bounding_box(), track.bounding_box()
            page.mouse.move(h["x"] + h["width"] / 2, h["y"] + h["height"] / 2)
            page.mouse.down()
            page.mouse.move(t["x"] + 0.95 * t["width"], h["y"] + h["height"] / 2, steps=10)
            page.mouse.up()

            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                after = image.screenshot()
                if after != before:
                    break
                time.sleep(0.5)
            page.screenshot(path=str(SHOTS / "latent_sliders_after.png"))
            assert readout.inner_text() != before_value, "dragging the slider did not change its value"
            assert after != before, "the slider moved but the rendered digit did not change within 30 s"
            assert news.count() == 0, "JupyterLab asked about news: binder/overrides.json was not applied"
        except Exception:
            page.screenshot(path=str(SHOTS / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
