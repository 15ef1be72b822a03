"""JupyterLite on the built website (``site/lite/``, lectures 01-05): the Pyodide kernel boots
in headless Chromium with every request to another host aborted, installs the course wheel and
ipywidgets from the site, and a slider redraws an ``ipywidgets.Image`` (a PNG made with the
standard library: NumPy and matplotlib are Pyodide builds fetched from the internet, which this
test does not have, so it does not claim they run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

import pytest

from site_helpers import SHOTS, built_site, offline_page, run_folder, serve
from test_browser import browser  # noqa: F401  (the browser fixture: Debian's Chromium)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

INSTALL = "%pip install -q course ipywidgets"
WIDGET = """import ipywidgets as w, struct, zlib
import course
def png(v):
    raw = b''.join(b'\\x00' + bytes([v, 0, 255 - v]) * 8 for _ in range(8))
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    return (b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 8, 8, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
shade = w.IntSlider(value=0, min=0, max=255, step=51, description='shade')
image = w.Image(value=png(0), format='png', width=64)
shade.observe(lambda change: setattr(image, 'value', png(change['new'])), names='value')
print('course', course.__version__, 'installed in', course.__file__.split('/course/')[0])
w.VBox([shade, image])"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_site(run_folder(tmp_path_factory))


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


def test_lite_offers_lectures_01_to_05_with_the_install_cell(site: Path) -> None:
    files = sorted(p.name for p in (site / "lite" / "files").glob("*.ipynb"))
    assert [f[:2] for f in files] == ["01", "02", "03", "04", "05"]
    for name in files:
        first = json.loads((site / "lite" / "files" / name).read_text("utf-8"))["cells"][0]["source"]
        assert first.endswith(INSTALL) and "internet" in first
    wheels = sorted(p.name for p in (site / "lite" / "pypi").glob("*.whl"))
    assert any(w.startswith("course-") for w in wheels) and any(w.startswith("ipywidgets-8.1.9") for w in wheels)


def test_pyodide_kernel_boots_offline_and_a_widget_redraws(browser, site_url: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    query = urlencode([("kernel", "python"), ("toolbar", "1"), ("code", INSTALL), ("code", WIDGET)])
    with offline_page(browser, viewport={"width": 1200, "height": 800}) as (page, outside):
        try:
            page.goto(f"{site_url}/lite/repl/index.html?{query}")
            page.wait_for_selector(".jp-OutputArea-output .widget-slider", timeout=240_000)
            # the wheel the site serves, installed by %pip (importing numpy would need the internet)
            assert page.get_by_text("course 0.1.0 installed in /lib/python3.14/site-packages").count() == 1
            image = page.locator(".jp-OutputArea-output img").last
            before = image.get_attribute("src")
            handle = page.locator(".jp-OutputArea-output .noUi-handle").first
            handle.focus()
            handle.press("ArrowRight")
            page.wait_for_function("([e, old]) => e.getAttribute('src') !== old", arg=[image.element_handle(), before])
        finally:
            page.screenshot(path=str(SHOTS / "lite-repl.png"))
        assert outside == [], f"requests that would leave the site: {outside}"
