"""The class report as one self-contained HTML page: inline SVG charts and inline CSS, nothing
fetched from anywhere, every student-supplied or grader text escaped.

Every figure carries its numbers as ``data-section``/``data-item``/``data-function``/
``data-count`` attributes, the same numbers as the report CSV (:func:`course.term.report.report_rows`).
"""

from __future__ import annotations

import datetime as dt
from html import escape

from course.term.report import ClassReport, Row, TestStat

CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1em 0;width:100%}th,td{border:1px solid #ddd;padding:.3em .5em;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right;white-space:nowrap}
.muted{color:#666}svg text{font-size:12px;font-family:system-ui,sans-serif}.bar{fill:#4a7bb7}
.bar.low{fill:#c0504d}.hist{fill:#6a9f58}
"""
BAR_HEIGHT, LABEL_WIDTH, CHART_WIDTH = 22, 300, 400


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _attrs(section: str, item: str, function: str, count: int) -> str:
    return (f'data-section="{_e(section)}" data-item="{_e(item)}" data-function="{_e(function)}" '
            f'data-count="{count}"')


def hbars(section: str, bars: list[tuple[str, str, int, int]], unit: str) -> str:
    """Horizontal bars: (label, function, count, out of); the bar length is count / out of."""
    if not bars:
        return ""
    height = BAR_HEIGHT * len(bars) + 10
    parts = [f'<svg role="img" width="{LABEL_WIDTH + CHART_WIDTH + 90}" height="{height}" '
             f'viewBox="0 0 {LABEL_WIDTH + CHART_WIDTH + 90} {height}">']
    for i, (label, function, count, of) in enumerate(bars):
        y = 5 + i * BAR_HEIGHT
        width = CHART_WIDTH * count / of if of else 0
        low = " low" if section == "test" and of and count / of < 0.5 else ""
        full = f"{function}: {label}" if function and section != "test" else label
        shown = full if len(full) <= 40 else full[:37] + "..."
        parts.append(f'<g {_attrs(section, label, function, count)}><title>{_e(full)}: {count} of {of} {unit}</title>'
                     f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{_e(shown)}</text>'
                     f'<rect class="bar{low}" x="{LABEL_WIDTH}" y="{y + 2}" width="{width:.1f}" height="{BAR_HEIGHT - 6}"/>'
                     f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{count}/{of}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(bins: list[tuple[str, int]], total: int) -> str:
    """Vertical bars, one per score bin."""
    width, height, base = 36, 180, 200
    top = max([c for _, c in bins] + [1])
    svg_w = 50 + width * len(bins)
    parts = [f'<svg role="img" width="{svg_w}" height="{base + 40}" viewBox="0 0 {svg_w} {base + 40}">']
    for i, (label, count) in enumerate(bins):
        h = height * count / top
        x = 40 + i * width
        parts.append(f'<g {_attrs("score", label, "", count)}><title>score {_e(label)}: {count} of {total} students</title>'
                     f'<rect class="hist" x="{x}" y="{base - h:.1f}" width="{width - 6}" height="{h:.1f}"/>'
                     f'<text x="{x + (width - 6) / 2}" y="{base - h - 4:.1f}" text-anchor="middle">{count}</text>'
                     f'<text x="{x + (width - 6) / 2}" y="{base + 16}" text-anchor="middle">{_e(label)}</text></g>')
    parts.append(f'<text x="{40 + width * len(bins) / 2}" y="{base + 34}" text-anchor="middle">score</text></svg>')
    return "".join(parts)


def _row_table(rows: list[Row], n: int, empty: str, first: str = "mistake",
               detail: str = "what the student was told") -> str:
    if not rows:
        return f'<p class="muted">{_e(empty)}</p>'
    out = [f"<table><tr><th>{_e(first)}</th><th>function</th><th>students</th><th>who</th><th>tests</th>"
           f"<th>{_e(detail)}</th></tr>"]
    for m in rows:
        count = len(m.students)
        out.append(f'<tr {_attrs(m.section, m.item, m.function, count)}><td>{_e(m.item)}</td><td>{_e(m.function)}</td>'
                   f'<td class="n">{count} of {n}</td><td>{_e(", ".join(sorted(m.students)))}</td>'
                   f'<td>{_e(", ".join(sorted(m.tests)))}</td><td>{_e(m.detail)}</td></tr>')
    out.append("</table>")
    return "".join(out)


def _test_table(tests: list[TestStat]) -> str:
    out = ["<table><tr><th>test</th><th>function</th><th>points</th><th>passed</th><th>rate</th><th>failed</th></tr>"]
    for t in tests:
        rate = f"{100 * len(t.passed) / t.graded:.0f}%" if t.graded else "-"
        out.append(f'<tr {_attrs("test", t.grade_id, ", ".join(t.functions), len(t.passed))}><td>{_e(t.grade_id)}</td>'
                   f'<td>{_e(", ".join(t.functions))}</td><td class="n">{t.points:g}</td>'
                   f'<td class="n">{len(t.passed)} of {t.graded}</td><td class="n">{rate}</td>'
                   f'<td>{_e(", ".join(sorted(t.failed)))}</td></tr>')
    out.append("</table>")
    return "".join(out)


def _status_table(report: ClassReport) -> str:
    out = ["<table><tr><th>status</th><th>students</th></tr>"]
    for status, count in sorted(report.statuses().items()):
        out.append(f'<tr {_attrs("status", status, "", count)}><td>{_e(status)}</td><td class="n">{count}</td></tr>')
    out.append("</table>")
    return "".join(out)


def _unseen(rows: list[Row]) -> str:
    if not rows:
        return ""
    items = "".join(f"<li>{_e(m.function)}: {_e(m.item)}</li>" for m in rows)
    return f"<details><summary>{len(rows)} catalogued mistakes nobody made</summary><ul>{items}</ul></details>"


def _hand_table(report: ClassReport) -> str:
    if not report.hand:
        return ""
    out = [f"<h2>Answers graded by hand</h2><p>Of the {len(report.submitters)} who handed in a readable notebook."
           "</p><table><tr><th>answer</th><th>graded</th><th>mean</th><th>waiting for a person</th>"
           "<th>left as released (0)</th></tr>"]
    for h in report.hand:
        out.append(f'<tr {_attrs("hand", h.grade_id, "", len(h.scores))}><td>{_e(h.grade_id)}</td>'
                   f'<td class="n">{len(h.scores)}</td><td class="n">{h.mean:.2f} of {h.points:g}</td>'
                   f'<td>{_e(", ".join(sorted(h.waiting))) or "nobody"}</td>'
                   f'<td>{_e(", ".join(sorted(h.blank))) or "nobody"}</td></tr>')
    out.append("</table>")
    return "".join(out)


def _late_table(report: ClassReport) -> str:
    from course.term.report import late_words

    late = report.late()
    if not late:
        return "<h2>Late work</h2><p>Nobody handed in late.</p>"
    out = [f"<h2>Late work</h2><p>{len(late)} late submission(s){'; ' + _e(report.policy) if report.policy else ''}.</p>"
           "<table><tr><th>student</th><th>late</th><th>points off</th></tr>"]
    for r in late:
        out.append(f'<tr {_attrs("late", r["student_id"], "", 1)}><td>{_e(r["student_id"])}</td>'
                   f'<td>{_e(late_words(float(r["late_seconds"])))}</td><td class="n">{_e(r["penalty"])}</td></tr>')
    out.append("</table>")
    return "".join(out)


def render(report: ClassReport) -> str:
    n, k = len(report.rows), len(report.submitters)
    s = report.summary()
    seen = [m for m in report.mistakes if m.students]
    unseen = [m for m in report.mistakes if not m.students]
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = f"{report.assignment}: what went wrong"
    policy = f"; late policy: {_e(report.policy)}" if report.policy else ""
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p>{n} students graded, mean score {s["mean"]:.2f} of {s["max_score"]:g}, median {s["median"]:g}'
        f'{policy}. <span class="muted">Made {when} from the gradebook and the grader\'s verdicts.</span></p>',
        "<h2>Catalogued mistakes</h2>",
        '<p class="muted">Students who showed each known mistake (counted once however many tests show it).</p>',
        f'<p class="muted">Shares are of the {k} students who handed in a readable notebook.</p>',
        hbars("mistake", [(m.item, m.function, len(m.students), k) for m in seen], "students"),
        _row_table(seen, k, "No student made a catalogued mistake."), _unseen(unseen),
        "<h2>Other failures</h2>",
        hbars("failure", [(m.item, m.function, len(m.students), n) for m in report.failures], "students"),
        _row_table(report.failures, n, "None.", "failure", "kind"),
        "<h2>Tests: pass rate</h2>",
        hbars("test", [(t.grade_id, ", ".join(t.functions), len(t.passed), t.graded) for t in report.tests], "passed"),
        _test_table(report.tests), _hand_table(report), _late_table(report),
        "<h2>Scores</h2>", histogram(report.histogram(), n),
        "<h2>Statuses</h2>", _status_table(report),
    ]
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")
