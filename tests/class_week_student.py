"""Students' own commands for tests/test_class_week.py, each in a process with the student's uid.

Run as root inside the class server's namespace with the course venv's Python::

    python class_week_student.py PLAN.json RESULTS.json

PLAN is a list of ``{"user": NAME, "op": OP, ...}``. For each step a child process is forked,
drops to the student's uid, gid and groups (``os.initgroups``/``setgid``/``setuid``, so the
kernel checks every file access as theirs), moves to their home and does what the student would
type: ``nbgrader fetch_assignment ID``, writes their notebook and ``nbgrader submit ID``,
``nbgrader fetch_feedback ID``, or a hostile act (a folder in ``inbound/`` named like another
student's submission, an oversized submission, a look into other students' feedback). nbgrader is
imported once by the parent, so a step costs a fork instead of a 2-second interpreter start; the
nbgrader command itself is nbgrader's own application with the student's configuration
(``/etc/jupyter/nbgrader_config.py``). RESULTS maps ``"<user>:<op>"`` to the exit status and the
step's output.
"""

from __future__ import annotations

import json
import os
import pwd
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nbgrader.apps.nbgraderapp import NbGraderApp  # noqa: F401 (imported before the forks)

EXCHANGE = "/srv/nbgrader/exchange"


def nbgrader(*argv: str) -> int:
    try:
        NbGraderApp.launch_instance(argv=list(argv))
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


def op_fetch(step: dict) -> int:
    return nbgrader("fetch_assignment", step["assignment"])


def op_submit(step: dict) -> int:
    folder = Path.home() / step["assignment"]
    (folder / f"{step['assignment']}.ipynb").write_text(step["notebook"])
    return nbgrader("submit", step["assignment"])


def op_fetch_and_submit(step: dict) -> int:
    return op_fetch(step) or op_submit(step)


def op_fetch_feedback(step: dict) -> int:
    return nbgrader("fetch_feedback", step["assignment"])


def op_spoof(step: dict) -> int:
    """A folder in inbound/ named as if ``victim`` had submitted, with a later timestamp."""
    entry = Path(EXCHANGE, step["course"], "inbound",
                 f"{step['victim']}+{step['assignment']}+2099-01-01 00:00:00.000000 UTC")
    entry.mkdir()
    (entry / f"{step['assignment']}.ipynb").write_text(step["notebook"])
    (entry / "timestamp.txt").write_text("2099-01-01 00:00:00.000000 UTC")
    print(f"made {entry}")
    return 0


def op_flood(step: dict) -> int:
    """Later submissions of one's own that break the caps: one huge file, one of many files."""
    inbound = Path(EXCHANGE, step["course"], "inbound")
    user = pwd.getpwuid(os.getuid()).pw_name
    big = inbound / f"{user}+{step['assignment']}+2099-02-01 00:00:00.000000 UTC"
    big.mkdir()
    (big / "timestamp.txt").write_text("2099-02-01 00:00:00.000000 UTC")
    with open(big / "data.bin", "wb") as fh:
        fh.truncate(step["big_bytes"])  # sparse: its size counts, the test's disk does not fill
    many = inbound / f"{user}+{step['assignment']}+2099-03-01 00:00:00.000000 UTC"
    many.mkdir()
    (many / "timestamp.txt").write_text("2099-03-01 00:00:00.000000 UTC")
    for i in range(step["many_files"]):
        (many / f"f{i:05d}.txt").write_text("x")
    print(f"made {big} and {many}")
    return 0


def op_peek(step: dict) -> int:
    """Try to list the exchange's feedback folder (everyone's feedback, by hash) and another
    student's home (their fetched feedback, and nbgrader's cache holding their submission secret,
    of which a released page's name is a hash); 13 when both are refused."""
    refused = 0
    for path in (Path(EXCHANGE, step["course"], "feedback"), Path("/home", step["victim"])):
        try:
            print(json.dumps({str(path): os.listdir(path)}))
        except PermissionError as exc:
            print(f"refused: {exc}")
            refused += 1
    return 13 if refused == 2 else 0


OPS = {"fetch": op_fetch, "submit": op_submit, "fetch_and_submit": op_fetch_and_submit,
       "fetch_feedback": op_fetch_feedback,
       "spoof": op_spoof, "flood": op_flood, "peek": op_peek}


def as_student(step: dict, log: str) -> int:
    """Fork, become the student, run the step; the child's output goes to ``log``."""
    pw = pwd.getpwnam(step["user"])
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.initgroups(pw.pw_name, pw.pw_gid)
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            os.environ.update(HOME=pw.pw_dir, USER=pw.pw_name, LOGNAME=pw.pw_name)
            os.chdir(pw.pw_dir)
            code = OPS[step["op"]](step)
        except BaseException as exc:  # the child must never return into the parent's code
            print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def main(plan_path: str, results_path: str) -> None:
    plan = json.loads(Path(plan_path).read_text())
    logs = tempfile.mkdtemp(prefix="class-week-")

    def one(i_step):
        i, step = i_step
        log = os.path.join(logs, f"{i}.log")
        code = as_student(step, log)
        return f"{step['user']}:{step['op']}", {"rc": code, "output": Path(log).read_text()}

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(pool.map(one, enumerate(plan)))
    Path(results_path).write_text(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:])
