"""``course similarity ID``: pairwise similarity of the students' answer code, ranked: a hint for
a person to look at, never a penalty.

The answer code of a student is the source of the answer (solution) code cells of their
autograded notebooks (or of a submissions folder). It is fingerprinted with ``copydetect``
(MOSS-style winnowing over tokens with names replaced, so renaming variables changes nothing);
fingerprints of the released notebooks' own code (the stubs every student starts from) are
removed as boilerplate. Each pair gets two figures, the share of each student's code that also
appears in the other's; pairs rank by their mean.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from traitlets import Float, Integer
from traitlets.config import Configurable


class Similarity(Configurable):
    """Knobs of ``course similarity`` (``c.Similarity.<name>`` in nbgrader_config.py)."""

    noise_threshold = Integer(25, min=5, help="Shortest run of matching (name-replaced) code characters that "
                                              "counts as shared: copydetect's noise threshold").tag(config=True)
    guarantee_threshold = Integer(30, min=5, help="A shared run at least this long is always found "
                                                  "(copydetect's guarantee threshold, >= noise_threshold)").tag(config=True)
    min_similarity = Float(0.0, min=0.0, max=1.0, help="Pairs whose mean similarity is below this are "
                                                       "left out of the ranking").tag(config=True)
    top = Integer(30, min=1, help="Most pairs listed (on the terminal and in the HTML)").tag(config=True)


@dataclass
class Pair:
    a: str
    b: str
    share_a: float  # part of a's code found in b's
    share_b: float
    shared_chars: int
    marked: tuple[str, str] = field(default=("", ""), repr=False)  # HTML of both codes, shared parts marked

    @property
    def score(self) -> float:
        return (self.share_a + self.share_b) / 2


def answer_code(data: bytes) -> str:
    """The answer (solution) code cells of a notebook's bytes, joined."""
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""
    parts = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.get("cell_type") == "code" and meta.get("solution"):
            src = cell.get("source", "")
            parts.append("".join(src) if isinstance(src, list) else str(src))
    return "\n\n".join(parts) + "\n" if parts else ""


MAX_NOTEBOOK_BYTES = 20_000_000


def _notebooks(folder: Path) -> list[Path]:
    """The notebooks of one student's assignment folder: regular files, links not followed."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    return [p for p in sorted(folder.glob("*.ipynb"))
            if p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_NOTEBOOK_BYTES]


def codes_in(folder: Path, assignment_id: str) -> dict[str, str]:
    """student -> answer code, from ``folder/<student>/<assignment_id>/*.ipynb`` (students
    without answer code of their own are left out)."""
    out = {}
    students = sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")) \
        if folder.is_dir() else []
    for student in students:
        code = "".join(answer_code(p.read_bytes()) for p in _notebooks(student / assignment_id))
        if code.strip():
            out[student.name] = code
    return out


def _fingerprint(code: str, cfg: Similarity, boilerplate: Any, window: int) -> Any:
    from copydetect.detector import CodeFingerprint

    return CodeFingerprint("answer.py", cfg.noise_threshold, window, boilerplate, filter=True,
                           language="python", fp=io.StringIO(code))


def compare(codes: dict[str, str], release: str, cfg: Similarity) -> list[Pair]:
    """Every pair of students, most similar first (see the module docstring)."""
    import numpy as np
    from copydetect.detector import compare_files
    from copydetect.utils import highlight_overlap

    if cfg.guarantee_threshold < cfg.noise_threshold:
        raise ValueError(f"Similarity.guarantee_threshold ({cfg.guarantee_threshold}) must be >= "
                         f"noise_threshold ({cfg.noise_threshold})")
    window = cfg.guarantee_threshold - cfg.noise_threshold + 1
    boilerplate = np.unique(np.array(list(_fingerprint(release, cfg, None, 1).hashes))) if release.strip() else None
    prints = {sid: _fingerprint(code, cfg, boilerplate, window) for sid, code in sorted(codes.items())}
    prints = {sid: fp for sid, fp in prints.items() if fp.token_coverage > 0}
    names, pairs = sorted(prints), []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
            if overlap == 0:
                pairs.append(Pair(a, b, 0.0, 0.0, 0))
                continue
            marked = tuple(highlight_overlap(prints[s].raw_code, sl, "<mark>", "</mark>", escape_html=True)[0]
                           for s, sl in ((a, slices_a), (b, slices_b)))
            pairs.append(Pair(a, b, float(share_a), float(share_b), int(overlap), marked))
    pairs = [p for p in pairs if p.score >= cfg.min_similarity]
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))


def release_code(root: Path, assignment_id: str) -> str:
    return "".join(answer_code(p.read_bytes()) for p in sorted((root / "exercises" / assignment_id).glob("*.ipynb")))


def table(pairs: list[Pair], top: int) -> str:
    lines = [f"{'rank':>4}  {'mean':>5}  {'A in B':>6}  {'B in A':>6}  students", "-" * 60]
    for rank, p in enumerate(pairs[:top], start=1):
        lines.append(f"{rank:>4}  {p.score:5.0%}  {p.share_a:6.0%}  {p.share_b:6.0%}  {p.a} ~ {p.b}")
    lines.append("A hint for a person to look at, never a penalty: similar code can be innocent "
                 "(the same lecture, the same formula).")
    return "\n".join(lines)


def render_html(assignment_id: str, pairs: list[Pair], n_students: int, top: int) -> str:
    from html import escape

    rows, details = [], []
    for rank, p in enumerate(pairs[:top], start=1):
        rows.append(f'<tr data-a="{escape(p.a)}" data-b="{escape(p.b)}" data-score="{p.score:.4f}"><td>{rank}</td>'
                    f"<td>{escape(p.a)}</td><td>{escape(p.b)}</td><td>{p.score:.0%}</td><td>{p.share_a:.0%}</td>"
                    f"<td>{p.share_b:.0%}</td></tr>")
        if p.shared_chars:
            details.append(f"<details><summary>#{rank}: {escape(p.a)} ~ {escape(p.b)}</summary><div class=two>"
                           f"<pre>{p.marked[0]}</pre><pre>{p.marked[1]}</pre></div></details>")
    css = ("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:75em}table{border-collapse:collapse}"
           "td,th{border:1px solid #ddd;padding:.3em .6em}mark{background:#ffe08a}.two{display:flex;gap:1em}"
           "pre{flex:1;overflow:auto;background:#f7f7f7;padding:.5em;font-size:12px}.note{background:#eef4ff;padding:.6em}")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(assignment_id)}: similar answers'
            f"</title><style>{css}</style></head><body><h1>{escape(assignment_id)}: similar answer code</h1>"
            f'<p class="note">A hint for a person to look at, never a penalty. {n_students} students with answer code; '
            "shared code of the release is left out; names do not matter (renaming variables changes nothing).</p>"
            "<table><tr><th>rank</th><th>student A</th><th>student B</th><th>mean</th><th>A's code in B</th>"
            f"<th>B's code in A</th></tr>{''.join(rows)}</table>{''.join(details)}</body></html>\n")
