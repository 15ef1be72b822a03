"""One student's session on the exchange, as JupyterLab's Assignments tab runs it: nbgrader's
``ExchangeFactory`` classes called in the student's own process (nbgrader 0.9.6's
``server_extensions/assignment_list/handlers.py``), configuration loaded the way that
extension loads it (every Jupyter config folder, then the working folder).

Run as the student (by :mod:`classroom`), in their home, with an interpreter they may run::

    python student_session.py fetch ex01 write ex01 submit ex01 < answer.ipynb
    python student_session.py feedback ex01

Steps: ``fetch ID`` (fetch_assignment), ``write ID`` (standard input becomes
``ID/ID.ipynb``: the student's work), ``submit ID``, ``feedback ID`` (fetch_feedback).
One process for several steps spares the tests an interpreter start per step. A failing step
prints nbgrader's error and exits 1.
"""

from __future__ import annotations

import os
import sys


def _config(assignment: str):  # noqa: ANN202 (a traitlets Config)
    from nbgrader.apps.baseapp import NbGrader

    app = NbGrader()  # loads nbgrader_config from jupyter_config_path(), then the working folder
    app.load_config_file()
    config = app.config
    config.CourseDirectory.assignment_id = assignment
    return config


def step(action: str, assignment: str) -> None:
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory

    if action == "write":
        with open(os.path.join(assignment, f"{assignment}.ipynb"), "wb") as fh:
            fh.write(sys.stdin.buffer.read())
        return
    config = _config(assignment)
    factory = ExchangeFactory(config=config)
    kind = {"fetch": factory.FetchAssignment, "submit": factory.Submit, "feedback": factory.FetchFeedback}[action]
    kind(coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config), config=config).start()


def main(argv: list[str]) -> int:
    pairs = list(zip(argv[::2], argv[1::2]))
    for action, assignment in pairs:
        try:
            step(action, assignment)
        except Exception as exc:
            print(f"{action} {assignment} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        print(f"{action} {assignment}: done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
