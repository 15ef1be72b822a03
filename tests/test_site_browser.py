"""The built website in headless Chromium with every request to another host aborted: lectures
01, 02 and 06 load nothing from outside the site, their maths is typeset by the site's own
MathJax, each widget shows its first figure (saved widget state, the site's own widget renderer,
no kernel), and axe-core finds no serious or critical violation. Screenshots and axe reports
land in test-artifacts/site/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest

from site_helpers import SHOTS, built_site, offline_page, run_folder, serve
from test_browser import browser  # noqa: F401  (the browser fixture: Debian's Chromium)

pytestmark = pytest.mark.browser

PAGES = ["lectures/01_convolution_1d.html", "lectures/02_convolution_2d.html", "lectures/06_cnns_for_audio.html"]
MIN_ALT = 60  # characters, as tests/test_accessibility_lectures.py asks of every figure


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(built_site(run_folder(tmp_path_factory))) as url:
        yield url


@pytest.mark.parametrize("path", PAGES)
def test_lecture_page_offline_maths_widgets_and_axe(browser, site_url: str, path: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    SHOTS.mkdir(parents=True, exist_ok=True)
    name = Path(path).stem
    failed: list[str] = []
    with offline_page(browser, viewport={"width": 1280, "height": 900}) as (page, outside):
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(f"{site_url}/{path}")
        page.wait_for_load_state("networkidle")
        # maths: every formula of the page typeset by MathJax (served from _static/mathjax)
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
        formulas = page.locator(".math").count()
        typeset = page.locator(".math mjx-container").count()
        assert formulas >= 5 and typeset == formulas, f"{typeset} of {formulas} formulas typeset"
        assert page.evaluate("() => document.querySelector('script[src*=\"mathjax\"]').src.startsWith(location.origin)")
        # widgets: each saved widget view rendered with its figure and its text alternative
        views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
        assert views >= 1
        page.wait_for_function(f"() => document.querySelectorAll('.widget-image').length >= {views}")
        images = page.evaluate("""() => [...document.querySelectorAll('.widget-image')].map(i =>
            ({width: i.naturalWidth, src: i.getAttribute('src').slice(0, 20), title: i.getAttribute('title') || ''}))""")
        assert len(images) >= views
        for image in images:
            assert image["width"] > 100 and image["src"].startswith(("blob:", "data:image/png")), image
            assert len(image["title"]) >= MIN_ALT, f"a widget image without its text alternative: {image}"
        assert page.locator(".widget-slider, .widget-dropdown, .widget-checkbox").count() >= 1
        # nothing requested from another host, and every file asked of the site is there
        # (the widget renderer's fonts: book/widgets-paths.js)
        assert outside == [], f"requests that would leave the site: {outside}"
        assert failed == [], f"requests the site could not answer: {failed}"
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        results = Axe().run(page)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    violations = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    (SHOTS / f"{name}-axe.json").write_text(json.dumps(violations, indent=1))
    problems = [f"{v['id']} ({v['impact']}) at {' '.join(map(str, n['target']))}: {n['html'][:160]}"
                for v in violations for n in v["nodes"]]
    assert problems == [], "\n".join(problems)

