"""Hand grades stick: re-autograding keeps a grade a person gave (nbgrader's ``Grade.manual_score``)
and does not flag it again while the answer it was given for is unchanged.

"The answer" of a grade is the answer cell itself for a hand-graded answer (a cell that is both
a solution and a grade cell, ex03's written question), and every answer cell of the notebook for
a test cell whose automatic score a person overrode. It is compared by the SHA-256 of the cell
sources in the previous autograded notebook (``autograded/<student>/<id>/``, what the person
saw in the formgrader) and in the new one. Unknown (no previous notebook) counts as changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

Answers = dict[str, dict[str, str]]
"""notebook name (file stem) -> answer cell grade_id -> SHA-256 of its source."""

MAX_BYTES = 20_000_000


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def checksums(data: bytes) -> dict[str, str]:
    """grade_id -> SHA-256 of the source, for each answer cell of a notebook's bytes."""
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    out: dict[str, str] = {}
    for index, cell in enumerate(nb.get("cells", []) if isinstance(nb, dict) else []):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {} if isinstance(cell, dict) else {}
        if isinstance(meta, dict) and meta.get("solution"):
            gid = str(meta.get("grade_id") or f"cell-{index}")
            out[gid] = hashlib.sha256(_source(cell).encode("utf-8")).hexdigest()
    return out


def answers_of(files: dict[str, bytes]) -> Answers:
    """The answers of autograded notebooks given as file name -> bytes."""
    return {Path(name).stem: checksums(data) for name, data in files.items() if name.endswith(".ipynb")}


def answers_in(folder: Path) -> Answers:
    """The answers of the autograded notebooks in ``folder`` (links are not followed)."""
    files: dict[str, bytes] = {}
    if folder.is_dir() and not folder.is_symlink():
        for path in sorted(folder.glob("*.ipynb")):
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_BYTES:
                files[path.name] = path.read_bytes()
    return answers_of(files)


def answer_changed(previous: Answers, current: Answers, notebook: str, cell: str) -> bool:
    """True when the answer the grade of ``cell`` rests on differs (or cannot be compared)."""
    before, now = previous.get(notebook), current.get(notebook)
    if before is None or now is None:
        return True
    if cell in before or cell in now:
        return before.get(cell) != now.get(cell)
    return before != now


def needs_manual_grade(grade: Any, flagged_by_run: bool, changed: bool) -> bool:
    """What ``grade.needs_manual_grade`` becomes after a run.

    Without a hand grade, the run decides (nbgrader's rule). With one, it stays flagged if it
    was flagged (only a person clears the flag), and is flagged when its answer changed.
    """
    if grade.manual_score is None:
        return bool(flagged_by_run)
    return bool(grade.needs_manual_grade) or changed
