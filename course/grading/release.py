"""``course check-release``: is ``exercises/`` exactly what ``course release`` would produce now,
and does it leak nothing (no solution code, no hidden test, no outputs)?"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_REGION = re.compile(r"###\s*BEGIN (SOLUTION|HIDDEN TESTS)(.*?)###\s*END \1", re.S)


def _normalise(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError:
        return data


def secret_lines(solution_nb: Path) -> set[str]:
    """Meaningful lines inside ``### BEGIN SOLUTION`` / ``### BEGIN HIDDEN TESTS`` regions."""
    nb = json.loads(solution_nb.read_text("utf-8"))
    lines: set[str] = set()
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", "")) if isinstance(cell.get("source"), list) else cell.get("source", "")
        for match in _REGION.finditer(source):
            for line in match.group(2).splitlines():
                s = line.strip()
                if len(s) >= 12 and not s.startswith("#") and s not in ("raise NotImplementedError()",):
                    lines.add(s)
    return lines


def leaks(release_nb: Path, solution_nb: Path | None) -> list[str]:
    text = release_nb.read_text("utf-8", errors="replace")
    problems = [f"{release_nb}: contains '### {m}'" for m in MARKERS if m in text]
    try:
        nb = json.loads(text)
    except ValueError:
        return problems + [f"{release_nb}: not valid JSON"]
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("outputs"):
            problems.append(f"{release_nb}: cell {i + 1} has outputs (commit notebooks without outputs)")
    if solution_nb is not None and solution_nb.exists():
        sources = "\n".join(
            "".join(c.get("source", "")) if isinstance(c.get("source"), list) else c.get("source", "")
            for c in nb.get("cells", [])
        )
        for line in sorted(secret_lines(solution_nb)):
            if line in sources:
                problems.append(f"{release_nb}: leaks solution / hidden-test line {line!r}")
    return problems


def check_release(root: Path, ids: list[str] | None = None) -> list[str]:
    """Problems found (empty when ``exercises/`` is up to date and clean)."""
    from course.grading.batch import api

    root = Path(root).resolve()
    solutions, exercises = root / "solutions", root / "exercises"
    all_ids = sorted(p.name for p in solutions.iterdir() if p.is_dir() and not p.name.startswith(".")) if solutions.is_dir() else []
    ids = ids or all_ids
    problems: list[str] = []
    if exercises.is_dir() and not ids == [] and set(ids) == set(all_ids):
        for p in sorted(exercises.iterdir()):
            if p.is_dir() and not p.name.startswith(".") and p.name not in all_ids:
                problems.append(f"exercises/{p.name}: no source in solutions/ (stale release)")
    with tempfile.TemporaryDirectory(prefix="course-check-release-") as tmp:
        a = api(root, f"sqlite:///{tmp}/gradebook.db")
        a.coursedir.release_directory = str(Path(tmp) / "release")
        for aid in ids:
            result = a.generate_assignment(aid, force=True, create=True)
            if not result.get("success"):
                problems.append(f"{aid}: nbgrader generate_assignment failed: {(result.get('error') or '')[-500:]}")
                continue
            fresh = Path(tmp) / "release" / aid
            current = exercises / aid
            fresh_files = {str(p.relative_to(fresh)) for p in fresh.rglob("*") if p.is_file()}
            current_files = {str(p.relative_to(current)) for p in current.rglob("*") if p.is_file()
                             and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts} if current.is_dir() else set()
            for rel in sorted(fresh_files - current_files):
                problems.append(f"exercises/{aid}/{rel}: missing (stale release)")
            for rel in sorted(current_files - fresh_files):
                problems.append(f"exercises/{aid}/{rel}: not produced by the release (stale release)")
            for rel in sorted(fresh_files & current_files):
                if _normalise((fresh / rel).read_bytes()) != _normalise((current / rel).read_bytes()):
                    problems.append(f"exercises/{aid}/{rel}: differs from what `course release {aid}` produces (stale release)")
            for nb in sorted(current.glob("*.ipynb")) if current.is_dir() else []:
                problems += [p.replace(str(root) + "/", "") for p in leaks(nb, solutions / aid / nb.name)]
    return problems
