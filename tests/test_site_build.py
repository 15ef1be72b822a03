"""The course website (``make site``, README "The course as a website"), built once per test run
from the lectures executed once per run (``tests/site_helpers.py``): Sphinx with warnings as
errors, navigation in lecture order, every internal link resolving, a page per exercise with
the student notebook to download, launch buttons, and nothing of the instructor's side."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from site_helpers import REPO, built_site, run_folder

from book.build import SiteError, exercises, lectures, sphinx  # noqa: E402
from book.launch import LITE_LECTURES, LITE_NOTE, repo_folder  # noqa: E402
from book.leaks import hidden_test_ids, signs, site_leaks  # noqa: E402


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.links.append({"tag": tag, "url": a[key], **{k: v or "" for k, v in a.items()}})


def links(page: Path) -> list[dict[str, str]]:
    parser = _Links()
    parser.feed(page.read_text("utf-8"))
    return parser.links


def launch_buttons(page: Path) -> dict[str, str]:
    return {re.sub(r"<[^>]+>", "", m.group(2)).strip(): m.group(1).replace("&amp;", "&") for m in re.finditer(
        r'<a class="[^"]*course-launch-button"[^>]*href="([^"]+)"[^>]*>(.*?)</a>', page.read_text("utf-8"))}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_site(run_folder(tmp_path_factory))


def page_of(site: Path, notebook: Path) -> Path:
    return site / notebook.relative_to(REPO).with_suffix(".html")


def test_every_lecture_and_exercise_has_a_page_and_the_navigation_follows_the_lectures(site: Path) -> None:
    for notebook in [*lectures(), *exercises()]:
        assert page_of(site, notebook).is_file(), f"no page for {notebook.relative_to(REPO)}"
    nav = [l["url"] for l in links(site / "index.html") if l["url"].startswith("lectures/")]
    in_order = list(dict.fromkeys(u.split("#")[0] for u in nav))
    assert in_order == [f"lectures/{p.stem}.html" for p in lectures()]
    readme = (site / "README.html").read_text("utf-8")
    assert 'id="for-students"' in readme and "Check your understanding" in readme
    assert "For instructors" not in readme and "solutions/" not in readme


def test_every_internal_link_and_file_of_a_page_exists(site: Path) -> None:
    """The lectures' ``../exercises/*.ipynb`` and ``../README.md`` links became pages; every
    script, style sheet, image and download a page names is in the site."""
    missing, outside = [], []
    for page in sorted(site.rglob("*.html")):
        if page.relative_to(site).parts[0] in ("lite", "_static"):  # JupyterLite's app; the theme's macro files
            continue
        for link in links(page):
            parts = urlsplit(link["url"])
            if parts.scheme in ("http", "https"):
                if link["tag"] != "a":
                    outside.append(f"{page.relative_to(site)}: <{link['tag']}> loads {link['url']}")
                continue
            if parts.scheme or not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.exists():
                missing.append(f"{page.relative_to(site)}: {link['url']}")
    assert outside == [], "\n".join(outside)
    assert missing == [], "\n".join(missing)
    lecture01 = page_of(site, lectures()[0]).read_text("utf-8")
    assert 'href="../exercises/ex01_convolution_1d/ex01_convolution_1d.html"' in lecture01
    assert 'href="../README.html"' in lecture01


def test_exercise_pages_offer_the_student_notebook_as_released(site: Path) -> None:
    for notebook in exercises():
        buttons = launch_buttons(page_of(site, notebook))
        download = (page_of(site, notebook).parent / buttons["Download the notebook"]).resolve()
        assert download.read_bytes() == notebook.read_bytes(), f"{download} is not {notebook.relative_to(REPO)}"


def test_launch_buttons(site: Path) -> None:
    from book import conf  # the settings of the site, read from the environment

    for notebook in [*lectures(), *exercises()]:
        rel = notebook.relative_to(REPO).as_posix()
        buttons = launch_buttons(page_of(site, notebook))
        # the class JupyterHub: nbgitpuller pulls the repository and opens the notebook in it
        hub = urlsplit(buttons["Open on the class JupyterHub"])
        assert f"{hub.scheme}://{hub.netloc}" == conf.course_hub_url.rstrip("/")
        assert hub.path == "/hub/user-redirect/git-pull"
        query = {k: v[0] for k, v in parse_qs(hub.query).items()}
        assert query == {"repo": conf.course_repository, "branch": conf.course_branch,
                         "urlpath": f"lab/tree/{repo_folder(conf.course_repository)}/{rel}"}
        # Colab: the site's copy, whose first cell installs the course without pinning over Colab
        colab = buttons["Open in Colab"]
        assert colab.endswith(f"/blob/{conf.course_colab_branch}/colab/{rel}")
        copy = json.loads((site / "colab" / rel).read_text("utf-8"))
        first = copy["cells"][0]["source"]
        assert first.startswith("# Colab") and "%pip install --quiet --no-deps" in first
        assert f"git+{conf.course_repository}@{conf.course_branch}" in first
        assert not re.search(r"\b(torch|numpy|scipy|matplotlib|ipywidgets)\s*[=<>~]", first)
        assert copy["cells"][1:] == json.loads(notebook.read_text("utf-8"))["cells"]
        # JupyterLite: lectures 01-05 only, with the note that it needs internet for NumPy
        lite = buttons.get("Open in the browser")
        text = page_of(site, notebook).read_text("utf-8")
        if rel.startswith("lectures/") and notebook.name[:2] in LITE_LECTURES:
            assert lite and (page_of(site, notebook).parent / urlsplit(lite).path).resolve().is_file()
            assert parse_qs(urlsplit(lite).query)["path"] == [notebook.name]
            assert (site / "lite" / "files" / notebook.name).is_file()
            assert LITE_NOTE in text and "internet" in LITE_NOTE
        else:
            assert lite is None and LITE_NOTE not in text


def test_the_site_holds_no_solution_hidden_test_or_secret(site: Path) -> None:
    from course.grading.secret import ensure_secret

    secret = ensure_secret(REPO)
    ids = hidden_test_ids(REPO)
    assert len(ids) >= 6, ids  # every assignment but ex06 has hidden tests with their own check ids
    assert site_leaks(site, REPO, secret, ids) == []


def test_the_leak_check_finds_each_kind_of_leak(site: Path, tmp_path: Path) -> None:
    """Planted in a copy of a page, a wheel and a download, each sign is reported."""
    import zipfile

    hidden = hidden_test_ids(REPO)[0]
    secret = bytes(range(32))
    line = next(text for text, why in signs(REPO, secret, [hidden]).items() if why.startswith("a solution"))
    fake = tmp_path / "site"
    shutil.copytree(site / "exercises", fake / "exercises")
    page = fake / "exercises" / "ex01_convolution_1d" / "ex01_convolution_1d.html"
    page.write_text(page.read_text("utf-8").replace("</main>", f"<pre>{line}</pre></main>"), "utf-8")
    (fake / "notes.txt").write_text(f"see solutions/ex01_convolution_1d\n{secret.hex()}\n", "utf-8")
    with zipfile.ZipFile(fake / "course-0.1.0-py3-none-any.whl", "w") as whl:
        whl.writestr("course/x.py", f"record({hidden!r}, f)\n### BEGIN HIDDEN TESTS\n")
    found = "\n".join(site_leaks(fake, REPO, secret, [hidden]))
    for why in ("a solution or hidden-test line", "a path into solutions/", "the instructor's grading secret",
                "the id of a hidden check", "an nbgrader solution/hidden-test marker"):
        assert why in found, f"not reported: {why}\n{found}"


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "lectures").mkdir(parents=True)
    (src / "index.md").write_text("# Course\n\n```{toctree}\n:glob:\n\nlectures/*\n```\n", "utf-8")
    (src / "lectures" / "01_x.md").write_text("# Lecture\n\n[the exercise](../exercises/ex99/ex99.ipynb)\n", "utf-8")
    (src / "_extra").mkdir()
    (src / "_offline").mkdir()  # the browser files are not needed to find a broken link
    with pytest.raises(SiteError, match=r"ex99"):
        sphinx(src, tmp_path / "out")


def test_launch_links_from_the_settings() -> None:
    from book.launch import colab_link, hub_link

    link = hub_link("https://hub.example.edu/", "https://git.example.edu/cs/course-student.git", "term1",
                    "lectures/01_x.ipynb")
    assert link.startswith("https://hub.example.edu/hub/user-redirect/git-pull?")
    assert {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()} == {
        "repo": "https://git.example.edu/cs/course-student.git", "branch": "term1",
        "urlpath": "lab/tree/course-student.git/lectures/01_x.ipynb"}  # nbgitpuller's default targetpath
    with pytest.raises(ValueError, match="http:// or https://"):
        hub_link("hub.example.edu", "https://github.com/o/r", "main", "x.ipynb")
    assert colab_link("https://git.example.edu/cs/course-student.git", "gh-pages", "x.ipynb") is None
    assert colab_link("https://github.com/o/r.git", "gh-pages", "lectures/01_x.ipynb") == (
        "https://colab.research.google.com/github/o/r/blob/gh-pages/colab/lectures/01_x.ipynb")
