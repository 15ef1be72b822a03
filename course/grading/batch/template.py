"""The assignment as every job needs it: its gradebook rows and its release, made once per batch
with nbgrader's ``generate_assignment`` into a temporary folder (``exercises/`` is left alone)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config

from course.grading.batch.config import api, check_result


@dataclass
class Template:
    db: bytes  # SQLite gradebook holding the assignment (the instructor's source cells)
    release: dict[str, bytes]  # released notebooks by file name
    source_files: dict[str, bytes]  # other files of the assignment's source folder
    rubrics: dict[str, dict[str, str]] = field(default_factory=dict)  # notebook -> answer graded by hand ->
    # the instructor's source (model answer, grading notes): shown to graders in the formgrader


def make_template(root: str | os.PathLike[str], assignment_id: str, cfg: Config) -> Template:
    root = os.path.abspath(root)
    with tempfile.TemporaryDirectory(prefix="course-template-") as tmp:
        a = api(root, f"sqlite:///{tmp}/gradebook.db", cfg)
        a.coursedir.release_directory = os.path.join(tmp, "release")
        check_result(a.generate_assignment(assignment_id, force=True, create=True), f"generate_assignment {assignment_id}")
        release_dir = Path(tmp) / "release" / assignment_id
        release = {p.name: p.read_bytes() for p in sorted(release_dir.glob("*.ipynb"))}
        src = Path(a.coursedir.format_path(a.coursedir.source_directory, ".", assignment_id))
        skip = (".ipynb_checkpoints", "__pycache__")
        source_files = {str(p.relative_to(src)): p.read_bytes() for p in sorted(src.rglob("*"))
                        if p.is_file() and p.suffix != ".ipynb" and not any(s in p.parts for s in skip)}
        db = (Path(tmp) / "gradebook.db").read_bytes()
        rubrics = {p.stem: hand_graded_sources(p.read_bytes()) for p in sorted(src.glob("*.ipynb"))}
    return Template(db=db, release=release, source_files=source_files, rubrics=rubrics)


def hand_graded_sources(data: bytes) -> dict[str, str]:
    """grade_id -> source of each answer graded by hand (a grade cell that is also a solution
    cell) in an instructor's source notebook."""
    import json

    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    out = {}
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("grade") and meta.get("solution") and meta.get("grade_id"):
            src = cell.get("source", "")
            out[str(meta["grade_id"])] = "".join(src) if isinstance(src, list) else str(src)
    return out


def ensure_assignment(root: str | os.PathLike[str], assignment_id: str, db_url: str, cfg: Config) -> None:
    """Make sure the real gradebook knows the assignment (nbgrader's ``generate_assignment`` into
    it, the release going to a temporary folder)."""
    from nbgrader.api import Gradebook, MissingEntry

    from course.grading.batch.config import limits

    with Gradebook(db_url, limits(cfg).course_id) as gb:
        try:
            if gb.find_assignment(assignment_id).notebooks:
                return
            # a row without notebooks: made by `nbgrader db assignment add ID --duedate=...`
            # before the assignment was released into this gradebook; its due date is kept
        except MissingEntry:
            pass
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        a = api(root, db_url, cfg)
        a.coursedir.release_directory = os.path.join(tmp, "release")
        check_result(a.generate_assignment(assignment_id, force=True, create=True), f"generate_assignment {assignment_id}")
