"""What must never reach the site: solution code, hidden tests, ``solutions/`` paths, the
instructor's secret, the id of a hidden check (ARCHITECTURE.md, "Trust boundary"). The same
signs ``course check-release`` looks for (``course/grading/release.py``), looked for in every
page and download of a built site, inside wheels too."""

from __future__ import annotations

import zipfile
from pathlib import Path

from course.grading.release import MARKERS, leaks, secret_lines

#: folders copied verbatim from npm or PyPI packages (no course content can be in them)
VENDORED = ("_static/mathjax", "_static/widgets", "lite/build", "lite/extensions", "lite/static/pyodide")
BINARY = {".png", ".jpg", ".svg", ".woff", ".woff2", ".ttf", ".eot", ".ico", ".wasm", ".zip", ".gz", ".mo", ".inv"}


def _solution_lines(repo: Path) -> dict[str, Path]:
    """Every meaningful line of a solution or hidden-test region, with its notebook."""
    return {line: nb for nb in sorted((repo / "solutions").glob("*/*.ipynb")) for line in secret_lines(nb)}


def hidden_test_ids(repo: Path) -> list[str]:
    """Ids of the hidden checks that the hidden tests of ``solutions/`` call."""
    from course.grading.checks import all_checks

    lines = list(_solution_lines(repo))
    return sorted(cid for cid, check in all_checks().items() if check.hidden and any(cid in line for line in lines))


def public_text(repo: Path) -> str:
    """What students have anyway (``deploy/student-side.txt``): the lectures and the ``course``
    package, whose NumPy references the lectures call (``course.conv_output_size``)."""
    files = [*sorted((repo / "lectures").glob("*.ipynb")), *sorted((repo / "course").rglob("*.py"))]
    return "\n".join(p.read_text("utf-8") for p in files)


def signs(repo: Path, secret: bytes | None, hidden_ids: list[str]) -> dict[str, str]:
    """``text -> why`` for every string whose presence means a leak. A solution line that the
    student side shows itself (a lecture's ``return model``, the reference ``conv_output_size``
    of ``course/shapes.py``) is not a leak."""
    found = {m: "an nbgrader solution/hidden-test marker" for m in MARKERS}
    found["solutions/"] = "a path into solutions/"
    public = public_text(repo)
    for line, notebook in _solution_lines(repo).items():
        if line not in public:
            found[line] = f"a solution or hidden-test line of {notebook.relative_to(repo)}"
    if secret:
        found[secret.hex()] = "the instructor's grading secret"
    for check_id in hidden_ids:
        found[check_id] = "the id of a hidden check"
    return found


def _texts(site: Path):
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        if rel.startswith(VENDORED) or path.suffix.lower() in BINARY:
            continue
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as whl:
                for member in whl.namelist():
                    yield f"{rel}!{member}", whl.read(member).decode("utf-8", errors="replace")
        else:
            yield rel, path.read_bytes().decode("utf-8", errors="replace")


def site_leaks(site: Path, repo: Path, secret: bytes | None, hidden_ids: list[str]) -> list[str]:
    """Every place in ``site`` that holds one of :func:`signs`; the exercise notebooks offered
    for download also pass ``check-release``'s own test (:func:`course.grading.release.leaks`)."""
    table = signs(repo, secret, hidden_ids)
    problems = [f"{rel}: {why} ({text[:60]!r})" for rel, body in _texts(site) for text, why in table.items() if text in body]
    for notebook in sorted((site / "notebooks" / "exercises").glob("*/*.ipynb")):
        solution = repo / "solutions" / notebook.parent.name / notebook.name
        problems += [p.replace(str(site) + "/", "") for p in leaks(notebook, solution)]
    return problems
