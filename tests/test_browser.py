"""The course in a real browser: JupyterLab on 127.0.0.1, driven by Debian's headless Chromium.

A throw-away JupyterLab (its own runtime, config, settings and workspace folders, a token,
a free loopback port) serves a temporary copy of lectures/ and exercises/. Playwright drives
/usr/bin/chromium (never a downloaded browser) to

1. open lecture 01, run all cells, move the sliding-convolution slider with the keyboard and
   check that the drawn figure changed (the PNG the widget shows and its pixels on screen) and
   that the slider's readout followed;
2. open exercise 01 as handed out and press nbgrader's "Validate" button: the untouched
   release must be reported as failing its tests.

Screenshots land in test-artifacts/browser/ (git-ignored).

Needs: Debian's ``chromium`` (``apt-get install chromium``) and the ``playwright`` Python
package in the venv (it is in pyproject.toml); no ``playwright install`` is ever needed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from deploy_helpers import (ARTIFACTS, ASSIGNMENT, LAB_QUIET, REPO, lab_state, released_exercise, start_jupyter,
                            stop_tree, wait_for_port)

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
LECTURE = "lectures/01_convolution_1d.ipynb"
EXERCISE = f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
SHOTS = ARTIFACTS / "browser"
TIMEOUT_MS = 60_000


class Lab:
    def __init__(self, url: str, token: str, root: Path, log: Path) -> None:
        self.url, self.token, self.root, self.log = url, token, root, log

    def link(self, path: str) -> str:
        # reset: a fresh workspace, so tabs of an earlier test are not reopened
        return f"{self.url}/lab/tree/{path}?token={self.token}&reset"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("lab")
    served = root / "course"
    served.mkdir()
    skip = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    shutil.copytree(REPO / "lectures", served / "lectures", ignore=skip)
    shutil.copytree(released_exercise(root), served / "exercises" / ASSIGNMENT, ignore=skip)
    if (REPO / "nbgrader_config.py").exists():  # the course's nbgrader settings, for Validate
        shutil.copy(REPO / "nbgrader_config.py", served / "nbgrader_config.py")
    env = lab_state(root)
    log = root / "jupyterlab.log"
    proc, port, token = start_jupyter("lab", served, env, log, *LAB_QUIET)
    try:
        wait_for_port(port, 45, proc, "jupyter lab", log)
        yield Lab(f"http://127.0.0.1:{port}", token, served, log)
    finally:
        stop_tree(proc)  # the server and its kernels
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, SHOTS / "jupyterlab.log")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import Error as PlaywrightError, sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"the Python package `playwright` is missing ({exc}): "
                    "`.venv/bin/pip install playwright` (no `playwright install` needed: "
                    "the test drives Debian's chromium)", pytrace=False)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: install it with "
                    "`apt-get install chromium` (Debian/Ubuntu, as root), or set COURSE_CHROMIUM "
                    "to another Chromium binary", pytrace=False)
    try:
        pw = sync_playwright().start()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"Playwright's driver did not start ({type(exc).__name__}: {exc}); "
                    "reinstall the package: `.venv/bin/pip install --force-reinstall "
                    "playwright`", pytrace=False)
    try:
        try:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                          headless=True)
        except PlaywrightError as exc:
            pytest.fail(f"Chromium at {CHROMIUM} did not start under Playwright: "
                        f"{str(exc).splitlines()[0]}\nReinstall it with `apt-get install "
                        "--reinstall chromium`; headless Chromium as root needs --no-sandbox "
                        "(given here).", pytrace=False)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    yield page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{request.node.name}-final.png"))
    (SHOTS / f"{request.node.name}-console.txt").write_text("\n".join(console))
    context.close()


def _open_notebook(page, lab: Lab, path: str) -> None:
    """Open ``path`` in JupyterLab and wait until its kernel is idle."""
    page.goto(lab.link(path))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="visible")
    _wait_kernel_idle(page)


def _wait_kernel_idle(page) -> None:
    """Wait until the status bar says the notebook's kernel is started and idle.

    (The toolbar's execution indicator says "idle" before any kernel exists, so it is not
    enough: a Run All too early opens the "Select Kernel" dialog.)
    """
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
                 .some(e => /\\|\\s*Idle\\s*$/.test(e.textContent))""")


def _run_all(page) -> None:
    """Run > Run All Cells, through the menu, then wait until no cell shows [*]."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => !p.textContent.includes('*'))
                && prompts.some(p => /\\[\\d+\\]/.test(p.textContent));
        }""")
    _wait_kernel_idle(page)


def test_lecture_01_slider_redraws_the_convolution(browser, lab: Lab, page) -> None:
    _open_notebook(page, lab, LECTURE)
    _run_all(page)
    assert page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
                        ).count() == 0, "a lecture cell raised an error in the browser"

    # the sliding-convolution widget: the box whose controls include the "t" slider and
    # the "signal x" dropdown; its figure is the ipywidgets Image next to them
    box = page.locator(".widget-vbox").filter(
        has=page.locator(".widget-dropdown", has_text="signal x")).filter(
        has=page.locator(".widget-slider", has_text="t")).first
    box.scroll_into_view_if_needed()
    image = box.locator("img").first
    image.wait_for(state="visible")
    readout = box.locator(".widget-slider .widget-readout").first
    handle = box.locator(".widget-slider .noUi-handle").first
    before_src = image.get_attribute("src")
    before = int(readout.inner_text().strip())
    top = int(float(handle.get_attribute("aria-valuemax")))
    key, after_expected = ("ArrowRight", before + 5) if before + 5 <= top else ("ArrowLeft", before - 5)
    before_text = box.inner_text()
    before_png = image.screenshot(path=str(SHOTS / "lecture01-slider-before.png"))

    handle.focus()
    for _ in range(5):
        handle.press(key)
    page.wait_for_function(
        "([img, old]) => img.getAttribute('src') !== old",
        arg=[image.element_handle(), before_src])
    _wait_until_settled(page, image)  # the kernel redraws once per key press: take the last
    after_png = image.screenshot(path=str(SHOTS / "lecture01-slider-after.png"))
    after = int(readout.inner_text().strip())
    after_text = box.inner_text()
    box.screenshot(path=str(SHOTS / "lecture01-widget.png"))

    assert after == after_expected, f"the slider readout went from {before} to {after}"
    if f"y[{before}]" in before_text:  # the widget's text readout of the current output sample
        assert f"y[{after}]" in after_text, after_text
    assert after_png != before_png, "the figure on screen did not change when the slider moved"
    assert _pixels_changed(before_png, after_png) > 0.001, "less than 0.1% of the pixels changed"


def _wait_until_settled(page, image, quiet_ms: int = 600, timeout_s: float = 30) -> None:
    """Wait until the image's source has stayed the same for ``quiet_ms``."""
    import time

    deadline = time.monotonic() + timeout_s
    last = image.get_attribute("src")
    while time.monotonic() < deadline:
        page.wait_for_timeout(quiet_ms)
        now = image.get_attribute("src")
        if now == last:
            return
        last = now
    raise AssertionError(f"the widget's image kept changing for {timeout_s:.0f} s")


def _pixels_changed(png_a: bytes, png_b: bytes) -> float:
    """Fraction of pixels that differ between two same-size screenshots."""
    import io

    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(io.BytesIO(png_a)).convert("RGB"), dtype=np.int16)
    b = np.asarray(Image.open(io.BytesIO(png_b)).convert("RGB"), dtype=np.int16)
    assert a.shape == b.shape, f"screenshots differ in size: {a.shape} vs {b.shape}"
    return float((np.abs(a - b).sum(axis=-1) > 30).mean())


def test_exercise_01_validate_button_reports_failing_tests(browser, lab: Lab, page) -> None:
    _open_notebook(page, lab, EXERCISE)
    page.screenshot(path=str(SHOTS / "exercise01-opened.png"))
    validate = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar").get_by_text(
        "Validate", exact=True).first
    validate.click()
    dialog = page.locator(".jp-Dialog").first
    dialog.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => !/validating/i.test(document.querySelector('.jp-Dialog')?.innerText || 'validating')")
    text = dialog.inner_text()
    page.screenshot(path=str(SHOTS / "exercise01-validate.png"))
    (SHOTS / "exercise01-validate.txt").write_text(text)
    # the release as handed out has no answers: nbgrader's dialog lists the failing test
    # cells with the student-facing diagnosis of the course's checks
    assert "Validation Results" in text, text
    assert "The following cell failed" in text, text
    assert 'record("ex01.convolve1d.full", convolve1d)' in text, text
    assert "NotImplementedError" in text, text
    assert "Success" not in text, text
