"""Checks and repairs of one submitted notebook, before nbgrader sees it."""

from __future__ import annotations

import json


def problem_with(data: bytes, max_cells: int) -> str | None:
    """None when ``data`` is a notebook nbgrader can read, else the problem in plain words."""
    import nbformat

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "the notebook is not UTF-8 text"
    try:
        raw = json.loads(text)
    except ValueError as exc:
        # json's messages may end in "at" ("Unterminated string starting at"): say it once
        what = exc.msg[:-3] if exc.msg.endswith(" at") else exc.msg
        return f"the notebook is not valid JSON ({what} at line {exc.lineno}, column {exc.colno})"
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        return "the notebook has no list of cells"
    if len(raw["cells"]) > max_cells:
        return f"the notebook has {len(raw['cells'])} cells, more than the {max_cells} a notebook may have"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:
        return f"the notebook is not a valid Jupyter notebook ({type(exc).__name__})"
    return None


def transplant(release: bytes, student: bytes) -> bytes:
    """The released notebook with the student's answer cells put in: matched by grade_id, else
    by their order among the answer cells."""
    import nbformat

    base = nbformat.reads(release.decode("utf-8"), as_version=4)
    by_id: dict[str, str] = {}
    in_order: list[str] = []
    try:
        theirs = json.loads(student.decode("utf-8"))
        for cell in theirs.get("cells", []):
            meta = (cell.get("metadata") or {}).get("nbgrader") or {}
            if cell.get("cell_type") == "code" and meta.get("solution"):
                source = cell.get("source", "")
                source = "".join(source) if isinstance(source, list) else str(source)
                in_order.append(source)
                if meta.get("grade_id"):
                    by_id[str(meta["grade_id"])] = source
    except Exception:
        pass
    answer_cells = [c for c in base.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
    for i, cell in enumerate(answer_cells):
        gid = cell.metadata["nbgrader"].get("grade_id")
        if gid in by_id:
            cell.source = by_id[gid]
        elif i < len(in_order) and len(in_order) == len(answer_cells):
            cell.source = in_order[i]
    return nbformat.writes(base).encode("utf-8")
