"""A small class on nbgrader's exchange with real accounts (:mod:`realusers`), for the exchange
tests: a private course folder of the grader (root), a temporary exchange folder (mode 1777, as
``deploy/`` makes it), the students' nbgrader configuration (what ``/etc/jupyter`` holds on a
class server, given here through ``JUPYTER_CONFIG_PATH``), and nbgrader's own commands run as
the instructor and as each student's own uid.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from deploy_helpers import ASSIGNMENT, VENV_BIN, make_course_root, solved_notebook
from realusers import RealUsers

COURSE_ID = "convolutional-models"
SESSION = Path(__file__).resolve().with_name("student_session.py")


class Classroom:
    """``users`` (a :class:`RealUsers`) around one course folder and one exchange."""

    def __init__(self, users: RealUsers, student_config: str = "", grader_config: str = "") -> None:
        self.users = users
        base = users.base
        self.exchange = base / "exchange"
        self.exchange.mkdir()
        self.exchange.chmod(0o1777)
        self.etc_jupyter = base / "etc-jupyter"  # what /etc/jupyter holds on the class server
        self.etc_jupyter.mkdir(mode=0o755)
        (self.etc_jupyter / "nbgrader_config.py").write_text(
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(self.exchange)!r}\n" + student_config)
        (self.etc_jupyter / "nbgrader_config.py").chmod(0o644)
        self.root = make_course_root(base / "grader" / "course")
        (base / "grader").chmod(0o700)  # the grader's folder is private (deploy/README.md)
        if grader_config:
            with open(self.root / "nbgrader_config.py", "a") as fh:
                fh.write("\n" + grader_config)

    # --- commands ---------------------------------------------------------------------------
    def env(self, user: str | None = None) -> dict[str, str]:
        extra = {"JUPYTER_CONFIG_PATH": str(self.etc_jupyter)}
        if user is None:
            extra["PATH"] = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
        return self.users.env(user, **extra)

    def instructor(self, *args: str, check: bool = True, timeout: float = 300):  # noqa: ANN201
        """``nbgrader ARGS`` as the grader (root) in the course folder."""
        return self.users.run([sys.executable, "-m", "nbgrader", *args], cwd=self.root, env=self.env(),
                              check=check, timeout=timeout)

    def session(self, name: str, *steps: str, answer: str | None = None, check: bool = True):  # noqa: ANN201
        """``student_session.py STEPS`` as ``name`` in their home (what JupyterLab's Assignments
        tab does: fetch, submit, fetch feedback), ``answer`` on standard input for ``write``."""
        argv = [*self.users.python, str(SESSION), *steps]
        proc = subprocess.run(self.users.command(argv, name), input=answer, env=self.env(name), capture_output=True,
                              text=True, timeout=120)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{name}'s session {steps} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr[-3000:]}")
        return proc

    def solved(self, assignment: str = ASSIGNMENT) -> str:
        """The released notebook with every answer filled in from the solution."""
        return solved_notebook(self.root / "exercises" / assignment / f"{assignment}.ipynb",
                               self.root / "solutions" / assignment / f"{assignment}.ipynb")

    def student_python(self, name: str, code: str, *args: str, check: bool = True):  # noqa: ANN201
        """Python ``code`` run as ``name`` (what a student can do by hand)."""
        return self.users.run([*self.users.python, "-c", code, *args], user=name, env=self.env(name), check=check)

    # --- the steps of a class ---------------------------------------------------------------
    def grader_api(self):  # noqa: ANN201 (an nbgrader NbGraderAPI)
        """nbgrader's ``NbGraderAPI`` on the course, as the formgrader holds it (its buttons call
        these same methods), with the exchange of this class; in this (root) process."""
        from course.grading.batch import api, load_config

        cfg = load_config(self.root)
        cfg.Exchange.root = str(self.exchange)
        cfg.CourseDirectory.course_id = COURSE_ID
        return api(self.root, None, cfg)

    def _api_call(self, method: str, *args: str | None) -> None:
        result = getattr(self.grader_api(), method)(*args)
        if not result.get("success"):
            raise RuntimeError(f"{method}{args} failed:\n{result.get('error')}\n{result.get('log')}")

    def release(self, assignment: str = ASSIGNMENT) -> None:
        """nbgrader's ``release_assignment`` of the course folder's ``exercises/<ID>`` (the
        gradebook learns the assignment at the first ``course autograde``)."""
        self._api_call("release_assignment", assignment)

    def released_notebook(self, assignment: str = ASSIGNMENT) -> Path:
        """The released notebook in the exchange (readable by every account)."""
        return self.exchange / COURSE_ID / "outbound" / assignment / f"{assignment}.ipynb"

    def inbound(self) -> Path:
        return self.exchange / COURSE_ID / "inbound"

    def submitted(self, name: str, assignment: str = ASSIGNMENT) -> Path:
        return self.root / "submitted" / name / assignment
