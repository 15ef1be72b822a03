"""``course similarity ID``: which students' answer code is alike: a hint for a person to look
at, never a penalty.

The answer code of a student is the source of the answer (solution) code cells of their
autograded notebooks (or of a submissions folder). It is fingerprinted with ``copydetect``
(MOSS-style winnowing over tokens with names replaced, so renaming variables changes nothing).
Three steps, so that many students handing in the same correct code do not hide a pair who
copied:

1. **Code that comes from the course is not copying.** The released notebooks' own code (the
   stubs every student starts from) is left out. A student whose code is, for at least
   ``solution_share`` of it (70 %), the model solution's (``solutions/<ID>/``) is listed as such, apart
   (as is a student whose answer code is the release's stubs and nothing else):
   leaked or reconstructed solution code is for a person to judge, but it is not one student
   copying another. The model solution's code is left out of the comparison between the others.
2. **Clusters.** Students are grouped (connected components) through pairs in which each one's
   code is, for at least ``threshold`` of it, in the other's: a group that shared one answer
   shows as one cluster; a small piece of code alike does not chain unrelated students together.
3. **Ranking.** Every remaining pair at or above ``threshold``, most similar first, at most ``top``
   of them. Each pair has two figures, the share of each student's code found in the other's.

``--top`` and ``--threshold`` on the command line set the last two.
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
    threshold = Float(0.5, min=0.0, max=1.0, help="Pairs whose mean similarity is at least this (0 to 1) are "
                                                  "listed and grouped into clusters (course similarity --threshold "
                                                  "PERCENT)").tag(config=True)
    top = Integer(30, min=1, help="Most pairs listed, on the terminal and in the HTML (course similarity "
                                  "--top N)").tag(config=True)
    solution_share = Float(0.7, min=0.0, max=1.0, help="A student whose code is at least this share (0 to 1) "
                                                       "the model solution's is listed as matching the model "
                                                       "solution, not compared with the others").tag(config=True)


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


def _stable_kgram_hashes(string: str, k: int) -> Any:
    """copydetect's ``hashed_kgrams`` with a hash that is the same in every process (it uses
    Python's ``hash()``, salted per process, so the figures changed from run to run)."""
    import hashlib

    import numpy as np

    return np.array([int.from_bytes(hashlib.blake2b(string[i:i + k].encode("utf-8"), digest_size=8).digest(),
                                    "little", signed=True) for i in range(len(string) - k + 1)], dtype=np.int64)


def _fingerprint(code: str, cfg: Similarity, boilerplate: Any, window: int) -> Any:
    import copydetect.utils
    from copydetect.detector import CodeFingerprint

    copydetect.utils.hashed_kgrams = _stable_kgram_hashes  # repeatable figures (see above)

    return CodeFingerprint("answer.py", cfg.noise_threshold, window, boilerplate, filter=True,
                           language="python", fp=io.StringIO(code))


@dataclass
class Findings:
    """What ``course similarity`` shows (see the module docstring)."""

    students: int  # with answer code of their own
    release_only: list[str]  # whose answer code is the release's stubs and nothing else
    solution: dict[str, float]  # student -> share of their code that is the model solution's
    clusters: list[list[str]]  # groups of students whose code is alike, largest first
    pairs: list[Pair]  # at or above the threshold, most similar first


def _shares(prints: dict[str, Any], reference: Any) -> dict[str, float]:
    from copydetect.detector import compare_files

    out = {}
    for sid, fp in prints.items():
        overlap, (share, _), _ = compare_files(fp, reference)
        out[sid] = float(share) if overlap else 0.0
    return out


def clusters_of(pairs: list[Pair]) -> list[list[str]]:
    """Connected groups of the students in ``pairs``, largest first, then by name."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        parent[find(p.a)] = find(p.b)
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g))


def _hashes(code: str, cfg: Similarity) -> Any:
    import numpy as np

    return np.unique(np.array(list(_fingerprint(code, cfg, None, 1).hashes))) if code.strip() else None


def _union(a: Any, b: Any) -> Any:
    import numpy as np

    if a is None or b is None:
        return a if b is None else b
    return np.union1d(a, b)


def compare(codes: dict[str, str], release: str, cfg: Similarity, solution: str = "") -> Findings:
    """The three steps of the module docstring."""
    from copydetect.detector import compare_files
    from copydetect.utils import highlight_overlap

    if cfg.guarantee_threshold < cfg.noise_threshold:
        raise ValueError(f"Similarity.guarantee_threshold ({cfg.guarantee_threshold}) must be >= "
                         f"noise_threshold ({cfg.noise_threshold})")
    window = cfg.guarantee_threshold - cfg.noise_threshold + 1
    release_hashes = _hashes(release, cfg)
    own = {sid: _fingerprint(code, cfg, release_hashes, window) for sid, code in sorted(codes.items())}
    release_only = sorted(sid for sid, fp in own.items() if fp.token_coverage == 0)
    own = {sid: fp for sid, fp in own.items() if fp.token_coverage > 0}
    matches: dict[str, float] = {}
    if solution.strip():
        shares = _shares(own, _fingerprint(solution, cfg, release_hashes, window))
        matches = {sid: share for sid, share in shares.items() if share >= cfg.solution_share}
    course_code = _union(release_hashes, _hashes(solution, cfg))
    prints = {sid: _fingerprint(codes[sid], cfg, course_code, window) for sid in own if sid not in matches}
    prints = {sid: fp for sid, fp in prints.items() if fp.token_coverage > 0}
    names, pairs = sorted(prints), []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
            if overlap == 0 or (share_a + share_b) / 2 < cfg.threshold:
                continue
            marked = tuple(highlight_overlap(prints[s].raw_code, sl, "<mark>", "</mark>", escape_html=True)[0]
                           for s, sl in ((a, slices_a), (b, slices_b)))
            pairs.append(Pair(a, b, float(share_a), float(share_b), int(overlap), marked))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    mutual = [p for p in pairs if min(p.share_a, p.share_b) >= cfg.threshold]
    return Findings(len(own), release_only, matches, clusters_of(mutual), pairs)


def release_code(root: Path, assignment_id: str) -> str:
    return "".join(answer_code(p.read_bytes()) for p in sorted((root / "exercises" / assignment_id).glob("*.ipynb")))


def _solution_html(found: Findings) -> str:
    from html import escape

    if not found.solution:
        return ""
    items = "".join(f"<li>{escape(sid)} ({share:.0%})</li>" for sid, share in sorted(found.solution.items()))
    return f"<h2>Matches the model solution</h2><p>The course's code, not copying between students.</p><ul>{items}</ul>"


def _clusters_html(found: Findings) -> str:
    from html import escape

    if not found.clusters:
        return "<p>No pair of students at or above the threshold.</p>"
    items = "".join(f'<li data-cluster="{n}">{escape(", ".join(g))}</li>' for n, g in enumerate(found.clusters, start=1))
    return f"<h2>Clusters of alike code</h2><ol>{items}</ol>"


def solution_code(root: Path, assignment_id: str) -> str:
    return "".join(answer_code(p.read_bytes()) for p in sorted((root / "solutions" / assignment_id).glob("*.ipynb")))


NOTE = ("A hint for a person to look at, never a penalty: similar code can be innocent (the same lecture, "
        "the same formula).")


def table(found: Findings, cfg: Similarity) -> str:
    lines = [f"{found.students} students with answer code of their own; pairs at or above "
             f"{cfg.threshold:.0%} mean similarity"]
    if found.release_only:
        lines.append(f"the release's code only (nothing of their own to compare): {', '.join(found.release_only)}")
    if found.solution:
        who = ", ".join(f"{sid} ({share:.0%})" for sid, share in sorted(found.solution.items()))
        lines.append(f"matches the model solution (at least {cfg.solution_share:.0%} of their code is the course's; "
                     f"not copying between students): {who}")
    if found.clusters:
        lines.append(f"clusters (each one's code at least {cfg.threshold:.0%} in the other's):")
        for n, group in enumerate(found.clusters, start=1):
            lines.append(f"  cluster {n}: {', '.join(group)}")
    else:
        lines.append("no pair of students at or above the threshold")
    lines += [f"{'rank':>4}  {'mean':>5}  {'A in B':>6}  {'B in A':>6}  students", "-" * 60]
    for rank, p in enumerate(found.pairs[:cfg.top], start=1):
        lines.append(f"{rank:>4}  {p.score:5.0%}  {p.share_a:6.0%}  {p.share_b:6.0%}  {p.a} ~ {p.b}")
    if len(found.pairs) > cfg.top:
        lines.append(f"({len(found.pairs) - cfg.top} more pairs at or above the threshold: raise --top to see them)")
    lines.append(NOTE)
    return "\n".join(lines)


def render_html(assignment_id: str, found: Findings, cfg: Similarity) -> str:
    from html import escape

    rows, details = [], []
    for rank, p in enumerate(found.pairs[:cfg.top], start=1):
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
            f'<p class="note">A hint for a person to look at, never a penalty. {found.students} students with answer code; '
            "shared code of the release and of the model solution is left out; names do not matter (renaming "
            f"variables changes nothing). Pairs at or above {cfg.threshold:.0%} mean similarity.</p>"
            f"{_solution_html(found)}{_clusters_html(found)}"
            "<table><tr><th>rank</th><th>student A</th><th>student B</th><th>mean</th><th>A's code in B</th>"
            f"<th>B's code in A</th></tr>{''.join(rows)}</table>{''.join(details)}</body></html>\n")
