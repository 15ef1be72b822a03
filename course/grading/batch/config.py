"""The course's nbgrader configuration, loaded once: every grading limit is a traitlet set in
``nbgrader_config.py`` (``ARCHITECTURE.md``, "Configuration"); the command line only overrides.

:class:`BatchLimits` holds the limits that belong to the batch rather than to one nbgrader
preprocessor (how large a submission may be, how long one whole job may take). The limits of
the kernel live on ``SandboxKernelManager``, those of the run on ``GuardedExecute``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from traitlets import Integer, Unicode
from traitlets.config import Config, Configurable

CONFIG_FILE = "nbgrader_config.py"


class BatchLimits(Configurable):
    """Limits of one autograde job (one student), set as ``c.BatchLimits.<name>``."""

    course_id = Unicode("convolutional-models", help="nbgrader course id of the gradebook").tag(config=True)
    job_timeout = Integer(
        300, help="Seconds for one student's whole job: reading, cleaning, executing and saving the notebook. "
                  "A job still running then is stopped and graded 'timeout'.").tag(config=True)
    max_notebook_bytes = Integer(5_000_000, help="Largest notebook file graded (bytes); a larger one is graded "
                                                 "as the untouched exercise, status 'invalid'").tag(config=True)
    max_cells = Integer(500, help="Most cells a graded notebook may have; more is graded as the untouched "
                                  "exercise, status 'invalid'").tag(config=True)
    max_returned_bytes = Integer(20_000_000, help="Largest autograded notebook brought back from a job (bytes)").tag(config=True)


def load_config(root: str | os.PathLike[str], overrides: Config | None = None) -> Config:
    """``root/nbgrader_config.py`` (required: it names the preprocessors), with ``overrides``
    (the command line's flags) merged on top and ``CourseDirectory.root`` set to ``root``."""
    from traitlets.config.loader import PyFileConfigLoader

    root = os.path.abspath(root)
    path = Path(root) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {CONFIG_FILE} in {root}: run course commands from the course folder or pass --root")
    cfg = Config()
    cfg.merge(PyFileConfigLoader(CONFIG_FILE, path=root).load_config())
    if overrides is not None:
        cfg.merge(overrides)
    cfg.CourseDirectory.root = root
    return cfg


def overrides_from_flags(*, timeout: int | None = None, cell_timeout: int | None = None,
                         memory_mb: int | None = None, no_sandbox: bool = False) -> Config:
    """The command line's limits as a configuration fragment (only the flags that were given)."""
    cfg = Config()
    if timeout is not None:
        cfg.GuardedExecute.notebook_timeout = int(timeout)
        cfg.GuardedExecute.timeout = int(min(timeout, cell_timeout or timeout))
    elif cell_timeout is not None:
        cfg.GuardedExecute.timeout = int(cell_timeout)
    if memory_mb is not None:
        cfg.SandboxKernelManager.memory_mb = int(memory_mb)
    if no_sandbox:
        cfg.SandboxKernelManager.mode = "none"
    return cfg


def limits(cfg: Config) -> BatchLimits:
    return BatchLimits(config=cfg)


def sandboxed(cfg: Config) -> bool:
    """False when the configuration opts out of the sandbox (``SandboxKernelManager.mode``)."""
    from course.grading.sandbox import SandboxKernelManager

    return SandboxKernelManager(config=cfg).mode != "none"


def default_db_url(root: str | os.PathLike[str]) -> str:
    """The class's gradebook when no ``--db`` is given: ``COURSE_GRADEBOOK_URL``, else nbgrader's
    ``CourseDirectory.db_url`` from its own configuration (:mod:`course.classconfig`)."""
    from course.classconfig import gradebook_url

    return gradebook_url(root)


def api(root: str | os.PathLike[str], db_url: str | None = None, config: Config | None = None) -> Any:
    """An ``NbGraderAPI`` on the course at ``root``; ``config`` replaces reading ``root``'s file."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    cfg = Config()
    cfg.merge(config if config is not None else load_config(root))
    cfg.CourseDirectory.root = os.path.abspath(root)
    cfg.CourseDirectory.db_url = db_url or default_db_url(root)
    cfg.CourseDirectory.course_id = BatchLimits(config=cfg).course_id
    return NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)


def portable(cfg: Config) -> Config:
    """``cfg`` without the places of one machine (course folder, database), for a job that runs
    in a private folder of its own, possibly on another machine."""
    out = Config()
    for section, values in cfg.items():
        if section == "CourseDirectory":
            keep = {k: v for k, v in values.items() if k in ("course_id", "ignore", "include", "max_file_size", "notebook_id")}
            if keep:
                out[section] = Config(keep)
        else:
            out[section] = values
    return out


def check_result(result: dict[str, Any], what: str) -> None:
    """Raise ``RuntimeError`` with nbgrader's own message when an API call failed."""
    if not result.get("success"):
        log = (result.get("log") or "")[-3000:]
        raise RuntimeError(f"{what} failed:\n{result.get('error') or ''}\n{log}")
