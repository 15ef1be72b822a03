"""A term of 25 students on ex01, ex03 and ex04, played through the ``course`` command as an
instructor meets it: roster, release, due dates, an extension, ``course autograde`` of realistic
submissions, the written answer of ex03 graded by hand (nbgrader's ``Gradebook`` API, as the
formgrader saves it), a regrade, the CSV refreshed, ``course report``, ``course similarity`` and
``course grades --format wide``. Every command line is printed with its full output and wall time.

Run by hand (instructor side: it holds correct answers)::

    .venv/bin/python benchmarks/term_class.py [--out DIR] [--course DIR]

Everything happens in a temporary copy of the course (``--course DIR`` builds it there and keeps
it); ``--out DIR`` keeps the log (``term_class.md``) and the CSV/HTML files. What the students
write is in ``term_class_code.py`` and ``tests/``. At the end the script checks what it can
against its own plan (the report's figures against ``grades_<ID>.csv``, the copiers found, the
missing, late and extended students, the wide export) and exits 1 if something disagrees.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import nbformat  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from grading_helpers import (  # noqa: E402
    BIN, MISTAKES, apply_mistake, cell_by_id, copy_course, env, solved_notebook, write_submission)
from term_class_code import OWN  # noqa: E402  (what lopez, nguyen and patel write)

EX01, EX03, EX04 = "ex01_convolution_1d", "ex03_conv_layer", "ex04_pooling"
COURSE_ID = "convolutional-models"
NAMES = ["Ada Adams", "Ben Baker", "Chloe Chen", "Diego Diaz", "Emma Evans", "Felix Fischer", "Gina Garcia",
         "Hana Hughes", "Ichiro Ito", "Jack Jones", "Kasia Kowalski", "Luis Lopez", "Minh Nguyen", "Nora Martin",
         "Obi Okafor", "Priya Patel", "Quentin Quinn", "Rosa Rossi", "Sofia Silva", "Taro Tanaka", "Umar Umar",
         "Vera Vargas", "Wolf Weber", "Xia Xu", "Yara Young"]
STUDENTS = [n.split()[1].lower() for n in NAMES]
DUE = {EX01: "2026-10-02 17:00:00 UTC", EX03: "2026-10-16 17:00:00 UTC", EX04: "2026-10-23 17:00:00 UTC"}
EXTENSION = (EX03, "weber", "2026-10-19 17:00:00 UTC")

# What each student hands in; anyone not named hands in the model solution. "nothing": a folder
# without the notebook (absent: no folder at all), "renamed": the notebook under another name.
PLAN = {
    EX01: {"chen": "mistake:no_flip", "evans": "mistake:no_flip", "diaz": "mistake:same_not_centred",
           "fischer": "mistake:valid_off_by_one", "garcia": "mistake:shortcut_np_convolve",
           "lopez": "own", "nguyen": "own", "patel": "own", "xu": "renamed", "young": "nothing"},
    EX03: {"chen": "mistake:conv_layer_forward_bias_per_input_map",
           "diaz": "mistake:conv_layer_forward_flipped_kernels",
           "fischer": "mistake:count_conv_parameters_forgot_c_in",
           "garcia": "mistake:conv_layer_forward_padding_ignored",
           "jones": "mistake:count_conv_parameters_never_bias",
           "lopez": "own", "nguyen": "own", "patel": "own", "young": "nothing", "quinn": "nothing"},
    EX04: {"chen": "mistake:max_pool2d_default_stride_one", "evans": "mistake:avg_pool2d_sum_not_mean",
           "fischer": "mistake:adaptive_max_pool2d_floor_ends", "jones": "mistake:max_pool2d_shortcut_course",
           "martin": "mistake:adaptive_max_pool2d_array_split_bins",
           "lopez": "own", "nguyen": "own", "patel": "own", "silva": "renamed", "vargas": "nothing",
           "umar": "absent"},
}
# hours after the due date each late submission came in (everyone else: 3 hours before)
LATE = {EX01: {"hughes": 26, "ito": 3}, EX03: {"ito": 50, "weber": 48}, EX04: {"kowalski": 130, "tanaka": 1}}

# ex03's written answer (answer-dense, 3 points by hand): what students wrote, and the points a
# grader gives it following the rubric in solutions/ex03_conv_layer
GOOD = ("The conv layer has 832 parameters, the dense layer about 3.2e13. Sparse interactions: each output "
        "sees only a 5x5 patch. Parameter sharing: the same kernel is used at every position. But a conv "
        "layer cannot treat frequencies differently, and in a spectrogram the frequency axis matters.")
PARTIAL = "The dense layer has far more weights (3.2e13 against 832) because the conv layer shares one small kernel."
WEAK = "Convolution has fewer parameters."
WRITTEN = {"chen": WEAK, "garcia": WEAK, "diaz": PARTIAL, "lopez": PARTIAL, "nguyen": PARTIAL, "tanaka": PARTIAL}
BLANK = {"hughes", "rossi"}  # left the answer as released
POINTS = {GOOD: 3, PARTIAL: 2, WEAK: 1}

CELLS = {EX01: ("convolve1d", "correlate1d"), EX03: ("conv_layer_forward", "count_conv_parameters"),
         EX04: ("max_pool2d", "avg_pool2d", "adaptive_max_pool2d")}
COPIERS = ("lopez", "nguyen")
LABEL = {"own": "own code", "nothing": "folder without notebook", "absent": "no folder",
         "renamed": "notebook under another name"}


# --- the log -------------------------------------------------------------------------------------
class Log:
    """Each step's command line, full output and wall time, printed and kept as Markdown."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.start = time.perf_counter()

    def step(self, title: str, text: str, seconds: float) -> None:
        part = f"### `{title}` ({seconds:.1f} s)\n\n```\n{text.rstrip()}\n```\n"
        print(part, flush=True)
        self.parts.append(part)

    def note(self, text: str) -> None:
        print(text, flush=True)
        self.parts.append(text + "\n")


def run(log: Log, root: Path, *cmd: str) -> str:
    """Run ``course``/``nbgrader`` in the course folder, as the instructor types it."""
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=root, env=env(), capture_output=True, text=True,
                          timeout=1200)
    shown = " ".join(f'"{a}"' if " " in a else a for a in cmd)
    out = proc.stdout + (f"\n[stderr]\n{proc.stderr}" if proc.stderr.strip() else "")
    log.step(f"$ {shown}" + (f"  [exit {proc.returncode}]" if proc.returncode else ""), out,
             time.perf_counter() - start)
    if proc.returncode:
        raise SystemExit(f"{shown} exited {proc.returncode}")
    return proc.stdout


# --- the class's submissions -------------------------------------------------------------------------
def kind(aid: str, sid: str) -> str:
    return PLAN[aid].get(sid, "solution")


def notebook(root: Path, aid: str, sid: str, what: str = "") -> nbformat.NotebookNode:
    what = what or kind(aid, sid)
    if what == "own":
        nb = nbformat.read(root / "exercises" / aid / f"{aid}.ipynb", 4)
        for cell_id, code in zip(CELLS[aid], OWN[aid][sid], strict=True):
            cell_by_id(nb, cell_id).source = code
    elif what.startswith("mistake:"):
        nb, _ = apply_mistake(solved_notebook(root, aid), MISTAKES / aid / f"{what.split(':')[1]}.py")
    else:
        nb = solved_notebook(root, aid)
    if aid == EX03:
        release = nbformat.read(root / "exercises" / aid / f"{aid}.ipynb", 4)
        blank = cell_by_id(release, "answer-dense").source
        cell_by_id(nb, "answer-dense").source = blank if sid in BLANK else WRITTEN.get(sid, GOOD)
    return nb


def timestamp(aid: str, sid: str) -> str:
    due = datetime.strptime(DUE[aid], "%Y-%m-%d %H:%M:%S UTC")
    return f"{due + timedelta(hours=LATE[aid].get(sid, -3)):%Y-%m-%d %H:%M:%S.%f} UTC"


def hand_in(root: Path, aid: str, sid: str) -> None:
    what, sub = kind(aid, sid), root / "submitted"
    if what == "absent":
        return
    folder = sub / sid / aid
    if what == "nothing":
        folder.mkdir(parents=True)
        (folder / "notes.txt").write_text("Sorry, I ran out of time.\n")
    else:
        name = f"{aid} (1).ipynb" if what == "renamed" else None
        write_submission(sub, sid, aid, notebook(root, aid, sid), name=name)
    (folder / "timestamp.txt").write_text(timestamp(aid, sid))  # what nbgrader collect writes


def describe_plan() -> str:
    """The class in words: who hands in what, so the output can be checked by eye."""
    lines = [f"{len(STUDENTS)} students; anyone not named hands in the model solution"]
    for aid in DUE:
        named = ", ".join(f"{sid} {LABEL.get(what, what.replace(':', ' '))}" for sid, what in PLAN[aid].items())
        late = ", ".join(f"{sid} +{h} h" for sid, h in LATE[aid].items())
        lines.append(f"{aid} (due {DUE[aid]}): {named}; late: {late}")
    lines.append(f"extension: {EXTENSION[1]} on {EXTENSION[0]} until {EXTENSION[2]}; own code: lopez, patel; "
                 f"nguyen copied lopez's with the names changed")
    lines.append(f"{EX03} written answer (3 points by hand): left blank by {', '.join(sorted(BLANK))}; "
                 + ", ".join(f"{sid} {POINTS[text]}" for sid, text in WRITTEN.items()) + "; everyone else 3")
    lines.append(f"regrade: diaz's {EX03} was an old version; the right one (model solution) is graded alone")
    return "\n".join(lines)


# --- the instructor's steps ------------------------------------------------------------------------
def setup(log: Log, root: Path) -> None:
    roster = root / "roster.csv"
    roster.write_text("id,first name,last name,email\n" + "".join(
        f"{sid},{n.split()[0]},{n.split()[1]},{sid}@uni.example.edu\n" for sid, n in zip(STUDENTS, NAMES)))
    run(log, root, "course", "students", "import", "roster.csv")
    run(log, root, "course", "release", *DUE)
    for aid, due in DUE.items():
        run(log, root, "nbgrader", "db", "assignment", "add", aid, f"--duedate={due}")
    aid, sid, until = EXTENSION
    run(log, root, "course", "extension", aid, sid, "--until", until)


def hand_grade(log: Log, root: Path) -> None:
    """The written answer of ex03, graded in the formgrader (nbgrader's API, as its handler saves it)."""
    start, given = time.perf_counter(), []
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        for sid in STUDENTS:
            if kind(EX03, sid) in ("nothing", "absent") or sid in BLANK:
                continue
            grade = gb.find_grade("answer-dense", EX03, EX03, sid)
            grade.manual_score, grade.needs_manual_grade = POINTS[WRITTEN.get(sid, GOOD)], False
            given.append(f"{sid} {grade.manual_score:g}/3")
        gb.db.commit()
    log.step("formgrader: answer-dense graded by hand", ", ".join(given), time.perf_counter() - start)


def regrade(log: Log, root: Path) -> None:
    """diaz handed in an old ex03 by mistake: the right one (same written answer) replaces it,
    regraded alone; the hand grade stays."""
    write_submission(root / "submitted", "diaz", EX03, notebook(root, EX03, "diaz", what="solution"))
    run(log, root, "course", "autograde", EX03, "--submitted", "submitted", "--student", "diaz", "--jobs", "1",
        "--quiet")


def term(log: Log, root: Path) -> dict[str, str]:
    """The term, in the order an instructor meets it; returns each assignment's similarity output."""
    log.step("the class (what the script hands in)", describe_plan(), 0.0)
    setup(log, root)
    for aid in DUE:
        for sid in STUDENTS:
            hand_in(root, aid, sid)
        run(log, root, "course", "autograde", aid, "--submitted", "submitted", "--jobs", "2", "--quiet")
    hand_grade(log, root)
    regrade(log, root)
    run(log, root, "course", "grades", "--assignment", EX03, "--csv", f"grades_{EX03}.csv")
    for aid in DUE:
        run(log, root, "course", "report", aid, "--html", f"report_{aid}.html", "--csv", f"report_{aid}.csv")
    similar = {aid: run(log, root, "course", "similarity", aid, "--html", f"similarity_{aid}.html") for aid in DUE}
    run(log, root, "course", "similarity", EX04, "--threshold", "20", "--top", "10")
    run(log, root, "course", "grades", "--format", "wide", "--csv", "all_grades_wide.csv")
    log.step("$ cat all_grades_wide.csv", (root / "all_grades_wide.csv").read_text("utf-8"), 0.0)
    run(log, root, "course", "student", "ito")
    return similar


# --- what the output must say, from the plan -------------------------------------------------------
def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))


def check_assignment(root: Path, aid: str) -> list[str]:
    grades = {r["student_id"]: r for r in rows(root / f"grades_{aid}.csv")}
    report = rows(root / f"report_{aid}.csv")
    section = lambda name: {r["item"]: int(r["count"]) for r in report if r["section"] == name}  # noqa: E731
    problems = []
    if set(grades) != set(STUDENTS):
        problems.append(f"{aid}: grades CSV students differ from the roster: {sorted(set(STUDENTS) ^ set(grades))}")
    if section("status") != dict(Counter(r["status"] for r in grades.values())):
        problems.append(f"{aid}: report statuses {section('status')} != CSV")
    scores = Counter(str(int(float(r["score"]))) for r in grades.values())
    if {k: v for k, v in section("score").items() if v} != dict(scores):
        problems.append(f"{aid}: report histogram {section('score')} != CSV {dict(scores)}")
    late = {s for s, r in grades.items() if float(r["late_seconds"] or 0) > 0}
    planned = {s for s in LATE[aid] if (aid, s) != EXTENSION[:2]}
    if late != planned or set(section("late")) != planned:
        problems.append(f"{aid}: late {sorted(late)}, report {sorted(section('late'))}, planned {sorted(planned)}")
    missing = {s for s, r in grades.items() if r["status"] == "missing"}
    if missing != {s for s in STUDENTS if kind(aid, s) in ("nothing", "absent")}:
        problems.append(f"{aid}: missing {sorted(missing)}")
    return problems


def check_similarity(out: str, aid: str) -> list[str]:
    lines = out.splitlines()
    solution = next((ln for ln in lines if ln.startswith("matches the model solution")), "")
    cluster = any(ln.strip().startswith("cluster") and all(c in ln for c in COPIERS) for ln in lines)
    if not cluster or any(f" {c} (" in solution for c in COPIERS):
        return [f"{aid}: similarity does not list {' ~ '.join(COPIERS)} as a cluster apart from the model solution"]
    return []


def check(root: Path, similar: dict[str, str]) -> list[str]:
    problems = [p for aid in DUE for p in check_assignment(root, aid) + check_similarity(similar[aid], aid)]
    wide = {r["student_id"]: r for r in rows(root / "all_grades_wide.csv")}
    for aid in DUE:
        for sid, r in ((r["student_id"], r) for r in rows(root / f"grades_{aid}.csv")):
            if float(wide[sid][aid]) != float(r["score"]):
                problems.append(f"{sid} {aid}: wide {wide[sid][aid]} != grades CSV {r['score']}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="keep the log (term_class.md) and the CSV/HTML files here")
    parser.add_argument("--course", type=Path, help="build the course here and keep it (a new folder), e.g. to "
                                                    "open the formgrader on it afterwards")
    args = parser.parse_args()
    if args.course and args.course.exists():
        parser.error(f"--course {args.course} exists: name a new folder")
    log = Log()
    with tempfile.TemporaryDirectory(prefix="term-class-") as tmp:
        root = copy_course(args.course or Path(tmp) / "course", list(DUE))
        problems = check(root, term(log, root))
        total = time.perf_counter() - log.start
        log.note(f"checks against the plan: {'; '.join(problems) or 'all agree'}\ntotal wall time: {total:.0f} s")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "term_class.md").write_text("\n".join(log.parts), "utf-8")
            for f in [*root.glob("grades_*.csv"), *root.glob("report_*"), *root.glob("similarity_*"),
                      root / "all_grades_wide.csv", root / "roster.csv"]:
                shutil.copy2(f, args.out)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
