"""Shared by tests/test_site*.py: the lectures executed once per test run, the site built once
per test run, a static server on 127.0.0.1 and a browser page that cannot leave it.

Under pytest-xdist every worker has its own session, so "once per run" goes through a folder all
workers of the run share (the parent of each worker's ``basetemp``) and a file lock: the first
worker to need a lecture executes it (``book/execute.py``) and the others wait and reuse the copy;
the same for the site build. ``test_site_lectures.py`` asks for the lectures in teaching order and
the site build in reverse order, so two workers execute different lectures side by side.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest
from filelock import FileLock

from deploy_helpers import ARTIFACTS, REPO

sys.path.insert(0, str(REPO))
from book.build import build, lectures  # noqa: E402
from book.execute import execute, package_digest  # noqa: E402

SHOTS = ARTIFACTS / "site"
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder shared by every xdist worker of this test run (the session's own otherwise)."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "course-site"
    root.mkdir(exist_ok=True)
    return root


def executed_lectures(root: Path, reverse: bool = False) -> dict[str, Path]:
    """Every lecture's executed copy for this run: ``name -> path``."""
    package = package_digest()
    order = lectures()[::-1] if reverse else lectures()
    return {p.name: execute(p, root / "executed", package) for p in order}


def built_site(root: Path) -> Path:
    """The site built once for this run (``make site`` with the run's executed lectures)."""
    out = root / "site"
    with FileLock(str(root / "site.lock")):
        if not (out / ".built").exists():
            build(out, executed_lectures(root, reverse=True))
            (out / ".built").write_text("ok")
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no request log on stderr
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """``folder`` served over HTTP on 127.0.0.1 (a free port) while the block runs."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextmanager
def offline_page(browser, **context_args) -> Iterator[tuple[object, list[str]]]:
    """A page whose every request to a host other than 127.0.0.1/localhost is aborted and
    listed (the list comes with the page)."""
    context = browser.new_context(**context_args)
    outside: list[str] = []

    def route(r) -> None:
        if urlsplit(r.request.url).hostname in LOCAL_HOSTS or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page, outside
    finally:
        context.close()
