"""Autograde a class of 30 ex01 submissions: ``course autograde --jobs 2`` vs plain serial
``nbgrader autograde`` (one process per student, nbgrader's own Execute), in the same run; with
``--baseline REF``, also vs ``course autograde`` of an earlier commit (checked out with
``git worktree`` into the temporary folder), to see what a change to the grader costs.

Run by hand::

    .venv/bin/python benchmarks/bench_autograde.py [--students 30] [--jobs 2] [--plain 30] [--baseline f57147c]

Everything happens in a temporary copy of the course. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AID = "ex01_convolution_1d"
BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env or _env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _baseline(ref: str, tmp: Path, sub: Path, students: int, jobs: int) -> float:
    """Seconds for ``course autograde`` of commit ``ref`` on the same class (its own package first
    on PYTHONPATH, its own nbgrader_config.py and release)."""
    tree = tmp / "baseline"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), ref], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        root = tmp / "baseline-course"
        root.mkdir()
        shutil.copy2(tree / "nbgrader_config.py", root)
        shutil.copytree(tree / "solutions" / AID, root / "solutions" / AID)
        env = {**_env(), "PYTHONPATH": str(tree)}
        course = [sys.executable, "-c", "import sys; from course.cli import main; sys.exit(main())"]
        _run([*course, "release", AID], root, env)
        return _run([*course, "autograde", AID, "--submitted", str(sub), "--jobs", str(jobs), "--quiet",
                     "--csv", str(root / "grades.csv")], root, env)
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _class(root: Path, n: int) -> Path:
    """n students: a third solved, a third untouched, a third with the no-flip mistake."""
    sys.path.insert(0, str(REPO / "tests"))
    from grading_helpers import apply_mistake, solved_notebook, write_submission
    import nbformat

    sub = root / "submitted"
    for i in range(n):
        if i % 3 == 0:
            nb = solved_notebook(root, AID)
        elif i % 3 == 1:
            nb = nbformat.read(root / "exercises" / AID / f"{AID}.ipynb", 4)
        else:
            nb, _ = apply_mistake(solved_notebook(root, AID), REPO / "tests" / "mistakes" / AID / "no_flip.py")
        write_submission(sub, f"student{i:03d}", AID, nb)
    return sub


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--plain", type=int, default=30, help="students graded by plain nbgrader (serial)")
    parser.add_argument("--baseline", default=None, help="a git commit whose course autograde to time too")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        root = Path(tmp) / "course"
        root.mkdir()
        shutil.copy2(REPO / "nbgrader_config.py", root)
        shutil.copytree(REPO / "solutions" / AID, root / "solutions" / AID)
        _run([str(BIN / "course"), "release", AID], root)
        sub = _class(root, args.students)

        # course autograde: the whole class, one command, --jobs workers
        t_course = _run([str(BIN / "course"), "autograde", AID, "--submitted", str(sub), "--jobs", str(args.jobs),
                         "--quiet", "--csv", str(root / "grades.csv")], root)
        per_course = t_course / args.students
        t_base = _baseline(args.baseline, Path(tmp), sub, args.students, args.jobs) if args.baseline else None

        # plain nbgrader, serial, one process per student, nbgrader's own preprocessors
        plain_root = Path(tmp) / "plain"
        plain_root.mkdir()
        shutil.copytree(root / "solutions", plain_root / "source")
        (plain_root / "nbgrader_config.py").write_text(
            "c = get_config()\nc.CourseDirectory.course_id = 'bench'\n", encoding="utf-8")
        _run([str(BIN / "nbgrader"), "generate_assignment", AID, "--force"], plain_root)
        students = sorted(p.name for p in sub.iterdir())[: args.plain]
        for s in students:
            shutil.copytree(sub / s, plain_root / "submitted" / s)
        t_plain = 0.0
        for s in students:
            t_plain += _run([str(BIN / "nbgrader"), "autograde", AID, "--student", s, "--force"], plain_root)
        per_plain = t_plain / len(students)

    print(f"course autograde --jobs {args.jobs}: {t_course:.1f} s for {args.students} students = {per_course:.2f} s per submission")
    print(f"plain nbgrader autograde (serial):  {t_plain:.1f} s for {len(students)} students = {per_plain:.2f} s per submission")
    print(f"speed-up: {per_plain / per_course:.2f}x")
    if t_base is not None:
        print(f"course autograde of {args.baseline}:   {t_base:.1f} s = {t_base / args.students:.2f} s per submission; "
              f"this tree takes {t_course / t_base:.2f}x its time")
    print(json.dumps({
        "bench": "autograde",
        "students": args.students,
        "jobs": args.jobs,
        "cores": os.cpu_count(),
        "course_s_per_submission": round(per_course, 3),
        "plain_nbgrader_s_per_submission": round(per_plain, 3),
        "ratio_plain_over_course": round(per_plain / per_course, 2),
        "baseline": args.baseline,
        "baseline_s_per_submission": round(t_base / args.students, 3) if t_base is not None else None,
        "ratio_course_over_baseline": round(t_course / t_base, 2) if t_base is not None else None,
    }))


if __name__ == "__main__":
    main()
