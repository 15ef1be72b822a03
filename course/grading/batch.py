"""Autograde a whole class: one job per student, in parallel, robust to broken and hostile work.

Design
------
- Each student is one :class:`Job` (plain, picklable data: the submission's files, the template
  gradebook bytes, the configuration). :func:`grade_job` grades it in a throw-away course folder
  of its own (its own SQLite gradebook copy, its own ``submitted/`` holding only that student),
  by calling nbgrader's own ``Autograde`` through ``NbGraderAPI``. It returns an
  :class:`Outcome` (grades, comments, autograded notebook, status and reason) and never raises.
- The parent merges each outcome into the real gradebook with nbgrader's ``Gradebook`` API (any
  SQLAlchemy URL: SQLite by default, PostgreSQL with ``--db``) and writes the autograded files
  into ``autograded/<student>/<assignment>/``: only the parent writes, so SQLite is never written
  concurrently.
- Jobs run on a ``concurrent.futures.Executor``: long-lived worker processes
  (``ProcessPoolExecutor``, imports done once) or, with ``scheduler``, a Dask distributed cluster
  (``distributed.Client(address).get_executor()``), the same jobs with the same isolation and
  limits (the sandbox is set up by the worker that runs the kernel).
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CSV_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "reason"]
COURSE_ID = "convolutional-models"
MAX_SUBMISSION_BYTES = 50_000_000
STUDENT_ID_RE = re.compile(r"^[A-Za-z0-9_.@+-]{1,128}$")


@dataclass
class Settings:
    """Limits and places for one batch."""

    notebook_timeout: int = 120  # seconds for the whole notebook
    cell_timeout: int = 60  # seconds for one cell (never more than what is left)
    memory_mb: int = 2048
    max_output_bytes: int = 1_000_000
    sandbox: bool = True
    course_id: str = COURSE_ID


@dataclass
class Job:
    assignment_id: str
    student_id: str
    files: dict[str, bytes]  # the student's submission folder (relative path -> bytes)
    problem: str | None  # why the submission folder could not be read completely, if so
    template_db: bytes  # SQLite gradebook holding the assignment (source cells)
    release: dict[str, bytes]  # released notebooks (fallback for missing / unreadable ones)
    source_files: dict[str, bytes]  # non-notebook files of the assignment's source folder
    settings: Settings
    config: Any = None  # the course's nbgrader configuration (a traitlets Config), if any


@dataclass
class Outcome:
    student_id: str
    assignment_id: str
    status: str
    reason: str
    score: float = 0.0
    max_score: float = 0.0
    grades: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    timestamp: str | None = None
    autograded: dict[str, bytes] = field(default_factory=dict)
    seconds: float = 0.0
    log: str = ""

    def row(self) -> dict[str, Any]:
        return {
            "student_id": self.student_id,
            "assignment": self.assignment_id,
            "score": _fmt(self.score),
            "max_score": _fmt(self.max_score),
            "status": self.status,
            "reason": self.reason,
        }


def _fmt(x: float) -> str:
    return f"{float(x):g}"


# ------------------------------------------------------------------------------------------
# nbgrader configuration
# ------------------------------------------------------------------------------------------

def nbgrader_config(root: str | os.PathLike[str], db_url: str | None = None, settings: Settings | None = None,
                    base: Any = None) -> Any:
    """The course's nbgrader configuration (``nbgrader_config.py`` at ``root`` when present),
    with the course root, the database URL and the batch's limits applied on top."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    root = os.path.abspath(root)
    cfg = Config()
    path = os.path.join(root, "nbgrader_config.py")
    if base is not None:
        cfg.merge(base)
    elif os.path.exists(path):
        cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=root).load_config())
    if "autograde_preprocessors" not in cfg.Autograde:  # the same defaults as the repository's nbgrader_config.py
        cfg.CourseDirectory.course_id = COURSE_ID
        cfg.CourseDirectory.source_directory = "solutions"
        cfg.CourseDirectory.release_directory = "exercises"
        cfg.OverwriteCells.add_missing_cells = True
        cfg.Autograde.autograde_preprocessors = DEFAULT_AUTOGRADE_PREPROCESSORS
    cfg.CourseDirectory.root = root
    if db_url:
        cfg.CourseDirectory.db_url = db_url
    if settings is not None:
        cfg.CourseDirectory.course_id = settings.course_id
        cfg.GuardedExecute.notebook_timeout = int(settings.notebook_timeout)
        cfg.GuardedExecute.timeout = int(min(settings.cell_timeout, settings.notebook_timeout))
        cfg.GuardedExecute.max_output_bytes = int(settings.max_output_bytes)
        cfg.GuardedExecute.use_sandbox = bool(settings.sandbox)
        cfg.SandboxKernelManager.sandbox_memory_mb = int(settings.memory_mb)
    cfg.OverwriteCells.add_missing_cells = True
    return cfg


DEFAULT_AUTOGRADE_PREPROCESSORS = [
    "course.grading.preprocessors.GuardedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "course.grading.preprocessors.RecordVerdicts",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]


def default_db_url(root: str | os.PathLike[str]) -> str:
    return f"sqlite:///{os.path.join(os.path.abspath(root), 'gradebook.db')}"


def api(root: str | os.PathLike[str], db_url: str | None = None, settings: Settings | None = None,
        base_config: Any = None) -> Any:
    """An ``NbGraderAPI`` on the course at ``root`` (``base_config``: use this configuration
    instead of reading ``root/nbgrader_config.py``)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    _fast_alembic_version()
    cfg = nbgrader_config(root, db_url, settings, base=base_config)
    coursedir = CourseDirectory(config=cfg)
    return NbGraderAPI(coursedir=coursedir, config=cfg)


def _check(result: dict[str, Any], what: str) -> None:
    if not result.get("success"):
        raise RuntimeError(f"{what} failed:\n{result.get('error') or ''}\n{_tail(result.get('log') or '')}")


def _tail(text: str, n: int = 3000) -> str:
    return text[-n:]


# ------------------------------------------------------------------------------------------
# the template: the assignment in a gradebook of its own, and its release
# ------------------------------------------------------------------------------------------

@dataclass
class Template:
    db: bytes
    release: dict[str, bytes]
    source_files: dict[str, bytes]
    notebooks: list[str]


def _course_config(root: str) -> Any:
    """The course's own nbgrader configuration (from its nbgrader_config.py), without the
    course folder and database settings, which each job sets for its private folder."""
    from traitlets.config import Config

    cfg = nbgrader_config(root)
    out = Config()
    for section, values in cfg.items():
        if section == "CourseDirectory":
            keep = {k: v for k, v in values.items() if k in ("course_id", "ignore", "include", "max_file_size", "notebook_id")}
            if keep:
                out[section] = Config(keep)
        else:
            out[section] = values
    return out


def make_template(root: str | os.PathLike[str], assignment_id: str, settings: Settings) -> Template:
    """Run nbgrader's ``generate_assignment`` into a temporary gradebook and release folder."""
    root = os.path.abspath(root)
    _fast_alembic_version()
    with tempfile.TemporaryDirectory(prefix="course-template-") as tmp:
        db_url = f"sqlite:///{tmp}/gradebook.db"
        cfg_api = api(root, db_url, settings)
        cfg_api.coursedir.release_directory = os.path.join(tmp, "release")
        _check(cfg_api.generate_assignment(assignment_id, force=True, create=True), f"generate_assignment {assignment_id}")
        release_dir = Path(tmp) / "release" / assignment_id
        release = {p.name: p.read_bytes() for p in sorted(release_dir.glob("*.ipynb"))}
        src = Path(cfg_api.coursedir.format_path(cfg_api.coursedir.source_directory, ".", assignment_id))
        source_files = {
            str(p.relative_to(src)): p.read_bytes()
            for p in sorted(src.rglob("*"))
            if p.is_file() and p.suffix != ".ipynb" and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts
        }
        db = (Path(tmp) / "gradebook.db").read_bytes()
    return Template(db=db, release=release, source_files=source_files, notebooks=sorted(release))


def ensure_assignment(root: str, assignment_id: str, db_url: str, settings: Settings) -> None:
    """Make sure the real gradebook knows the assignment (``generate_assignment`` into it, with
    the release going to a temporary folder so ``exercises/`` is left alone)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, settings.course_id) as gb:
        try:
            gb.find_assignment(assignment_id)
            return
        except MissingEntry:
            pass
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        a = api(root, db_url, settings)
        a.coursedir.release_directory = os.path.join(tmp, "release")
        _check(a.generate_assignment(assignment_id, force=True, create=True), f"generate_assignment {assignment_id}")


# ------------------------------------------------------------------------------------------
# collecting submissions
# ------------------------------------------------------------------------------------------

def read_submission(folder: Path) -> tuple[dict[str, bytes], str | None]:
    """All regular files under ``folder`` (no links), capped in size."""
    files: dict[str, bytes] = {}
    total = 0
    if not folder.is_dir():
        return files, "no submission folder"
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(folder)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        size = path.stat().st_size
        if total + size > MAX_SUBMISSION_BYTES:
            return files, f"submission larger than {MAX_SUBMISSION_BYTES // 1_000_000} MB: some files were left out"
        files[str(rel)] = path.read_bytes()
        total += size
    return files, None


def list_students(submitted: Path) -> list[str]:
    return sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))


# ------------------------------------------------------------------------------------------
# one job (runs in a worker process)
# ------------------------------------------------------------------------------------------

def _fast_alembic_version() -> None:
    """nbgrader stamps every new gradebook with ``alembic heads``, run as a subprocess (seconds);
    ask alembic's script directory in-process instead, once."""
    import functools

    import nbgrader.api

    if getattr(nbgrader.api.get_alembic_version, "_course_cached", False):
        return
    original = nbgrader.api.get_alembic_version

    @functools.lru_cache(maxsize=1)
    def version() -> str:
        try:
            from alembic.script import ScriptDirectory
            from nbgrader.dbutil import ALEMBIC_DIR

            head = ScriptDirectory(ALEMBIC_DIR).get_current_head()
            if head:
                return head
        except Exception:
            pass
        return original()

    version._course_cached = True  # type: ignore[attr-defined]
    nbgrader.api.get_alembic_version = version


def _fast_metadata_validation() -> None:
    """nbgrader validates every cell's metadata with ``jsonschema.validate``, which re-checks the
    schema itself on every call (most of a job's CPU time); compile the schema once instead
    (fastjsonschema when available), raising the same ``jsonschema.ValidationError``."""
    import nbgrader.nbgraderformat.common as common

    if getattr(common.jsonschema, "_course_fast", False):
        return
    import jsonschema

    class FastJsonSchema:
        _course_fast = True

        def __init__(self) -> None:
            self._compiled: dict[int, Any] = {}

        def validate(self, instance: Any, schema: Any) -> None:
            check = self._compiled.get(id(schema))
            if check is None:
                try:
                    import fastjsonschema

                    compiled = fastjsonschema.compile(schema)

                    def check(obj: Any, compiled: Any = compiled, schema: Any = schema) -> None:
                        try:
                            compiled(obj)
                        except fastjsonschema.JsonSchemaException:
                            jsonschema.validate(obj, schema)  # the same error nbgrader expects
                            raise jsonschema.ValidationError("invalid nbgrader metadata") from None
                except Exception:
                    validator = jsonschema.validators.validator_for(schema)(schema)

                    def check(obj: Any, validator: Any = validator) -> None:
                        validator.validate(obj)
                self._compiled[id(schema)] = check
            check(instance)

        def __getattr__(self, name: str) -> Any:
            return getattr(jsonschema, name)

    common.jsonschema = FastJsonSchema()


def _quiet_warnings() -> None:
    import warnings

    try:
        from sqlalchemy.exc import SAWarning

        warnings.filterwarnings("ignore", category=SAWarning)
    except ImportError:
        pass


def _warm() -> None:
    """Import what every job needs once per worker process."""
    _fast_alembic_version()
    _fast_metadata_validation()
    _quiet_warnings()
    import nbclient  # noqa: F401
    import nbgrader.apps  # noqa: F401
    import nbgrader.converters  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    import course.grading.preprocessors  # noqa: F401
    import course.grading.sandbox  # noqa: F401
    from course.grading.checks import load_exercise_modules

    load_exercise_modules()


def _valid_notebook(data: bytes) -> str | None:
    """None when ``data`` is a notebook nbgrader can read, else the problem in plain words."""
    import nbformat

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "the notebook is not UTF-8 text"
    try:
        raw = json.loads(text)
    except ValueError as exc:
        return f"the notebook is not valid JSON ({exc.msg} at line {exc.lineno})"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:
        return f"the notebook is not a valid Jupyter notebook ({type(exc).__name__})"
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        return "the notebook has no cells"
    return None


def _transplant(release: bytes, student: bytes) -> bytes:
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


_JOB_LOCK = threading.Lock()


def _scratch() -> str | None:
    """Job folders live in memory (/dev/shm) when possible: SQLite's commits cost no fsync."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def grade_job(job: Job) -> Outcome:
    """Grade one student in a private temporary course folder; never raises.

    nbgrader changes the process's working directory while it converts, so jobs in the threads of
    one process (a Dask worker with several threads) take turns (a process-wide lock); each runs
    in a fresh ``contextvars`` context with its own asyncio loop. For parallel grading on Dask,
    start workers with one thread each (``dask worker ADDRESS --nworkers N --nthreads 1``)."""
    import asyncio
    import contextvars

    def body() -> Outcome:
        try:
            with _JOB_LOCK:
                return _grade_job(job)
        finally:
            try:
                loop = asyncio.get_event_loop_policy().get_event_loop()
                if not loop.is_running():
                    loop.close()
                asyncio.set_event_loop(None)
            except Exception:
                pass

    return contextvars.Context().run(body)


def _grade_job(job: Job) -> Outcome:
    start = time.monotonic()
    _fast_alembic_version()
    _fast_metadata_validation()
    try:
        with tempfile.TemporaryDirectory(prefix="course-job-", dir=_scratch()) as tmp:
            outcome = _grade_in(Path(tmp), job)
    except Exception as exc:  # a bug or an infrastructure problem: the batch goes on
        outcome = Outcome(job.student_id, job.assignment_id, "error",
                          f"the grader failed on this submission ({type(exc).__name__}: {str(exc)[:300]})",
                          log=traceback.format_exc())
    outcome.seconds = round(time.monotonic() - start, 3)
    return outcome


def _grade_in(tmp: Path, job: Job) -> Outcome:
    root = tmp / "course"
    aid, sid = job.assignment_id, job.student_id
    (root / "source" / aid).mkdir(parents=True)
    for rel, data in job.source_files.items():
        dest = root / "source" / aid / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    (root / "gradebook.db").write_bytes(job.template_db)
    sub = root / "submitted" / sid / aid
    sub.mkdir(parents=True)
    for rel, data in job.files.items():
        dest = (sub / rel).resolve()
        if not str(dest).startswith(str(sub.resolve()) + os.sep):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)

    status, notes = "ok", []
    if job.problem:
        notes.append(job.problem)
    originals: dict[str, bytes] = {}
    for name, release in job.release.items():
        data = job.files.get(name)
        if data is None:
            status = "missing"
            notes.append(f"{name} was not submitted: graded as the untouched exercise")
            (sub / name).write_bytes(release)
            continue
        problem = _valid_notebook(data)
        if problem:
            status = "invalid"
            notes.append(f"{problem}: graded as the untouched exercise")
            (sub / name).write_bytes(release)
        else:
            originals[name] = data

    cfg_settings = job.settings
    a = api(root, f"sqlite:///{root}/gradebook.db", cfg_settings, job.config)
    a.coursedir.source_directory = "source"
    result = a.autograde(aid, sid, force=True, create=True)
    log = result.get("log") or ""
    if not result.get("success") and originals:
        # damaged grading metadata (e.g. a test cell's nbgrader metadata edited): grade the
        # instructor's copy with the student's answer cells put in
        status = "repaired"
        notes.append("the notebook's grading metadata was damaged: graded from the instructor's copy of the "
                      "notebook with your answer cells")
        for name, data in originals.items():
            (sub / name).write_bytes(_transplant(job.release[name], data))
        shutil.rmtree(root / "autograded", ignore_errors=True)
        a = api(root, f"sqlite:///{root}/gradebook.db", cfg_settings, job.config)
        a.coursedir.source_directory = "source"
        result = a.autograde(aid, sid, force=True, create=True)
        log += result.get("log") or ""
    if not result.get("success"):
        message = _last_error_line(result.get("error") or log)
        return Outcome(sid, aid, "error", _clean(f"nbgrader could not grade the submission: {message}", tmp),
                       log=_clean(_tail(log + (result.get("error") or "")), tmp))

    outcome = _collect(root, aid, sid, job.settings)
    outcome.log = _clean(_tail(log), tmp)
    execution_status, reason = _verdict_summary(root / "autograded" / sid / aid, job.release)
    if status == "ok" and execution_status != "ok":
        status = execution_status
    elif status in ("repaired",) and execution_status != "ok":
        status = execution_status
    manual = [g for g in outcome.grades if g["needs_manual_grade"]]
    if manual:
        points = sum(g["max_score"] for g in manual)
        cells = ", ".join(sorted(g["cell"] for g in manual))
        reason = "; ".join(x for x in (reason, f"{points:g} points wait for manual grading ({cells})") if x)
    outcome.status = status
    outcome.reason = _clean("; ".join([*notes, reason] if reason else notes) or "all tests passed", tmp)
    return outcome


def _last_error_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if re.match(r"^[A-Za-z_.]+(Error|Exception)\b", ln):
            return ln[:300]
    return lines[-1][:300] if lines else "unknown error"


def _clean(text: str, tmp: Path) -> str:
    return text.replace(str(tmp), "<job>").replace(os.path.realpath(tmp), "<job>")


def _collect(root: Path, aid: str, sid: str, settings: Settings) -> Outcome:
    from nbgrader.api import Gradebook

    grades, comments = [], []
    with Gradebook(f"sqlite:///{root}/gradebook.db", settings.course_id) as gb:
        submission = gb.find_submission(aid, sid)
        for nb in submission.notebooks:
            for g in nb.grades:
                grades.append({"notebook": nb.name, "cell": g.name, "auto_score": g.auto_score,
                               "max_score": float(g.max_score), "needs_manual_grade": bool(g.needs_manual_grade)})
            for c in nb.comments:
                comments.append({"notebook": nb.name, "cell": c.name, "auto_comment": c.auto_comment})
        score, max_score = float(submission.score), float(submission.max_score)
        timestamp = submission.timestamp.isoformat() if submission.timestamp else None
    out_dir = root / "autograded" / sid / aid
    files = {}
    if out_dir.is_dir():
        total = 0
        for path in sorted(out_dir.rglob("*")):
            if path.is_file() and not path.is_symlink():
                size = path.stat().st_size
                if path.suffix != ".ipynb" and total + size > MAX_SUBMISSION_BYTES:
                    continue
                total += size
                files[str(path.relative_to(out_dir))] = path.read_bytes()
    return Outcome(sid, aid, "ok", "", score, max_score, grades, comments, timestamp, files)


def _verdict_summary(out_dir: Path, release: dict[str, bytes]) -> tuple[str, str]:
    """(status, plain-words reason) from the verdicts written into the autograded notebooks."""
    status, parts = "ok", []
    for name in sorted(release):
        path = out_dir / name
        if not path.exists():
            continue
        try:
            meta = json.loads(path.read_text("utf-8")).get("metadata", {}).get("course_grading", {})
        except Exception:
            continue
        execution = meta.get("execution", {})
        if execution.get("status") in ("timeout", "crashed") and status == "ok":
            status = execution["status"]
            parts.append(f"{execution.get('reason')}: tests from there on earn nothing")
        if meta.get("tampering"):
            status = "tampered" if status == "ok" else status
            parts.append("the notebook changes the grading machinery (" + "; ".join(meta["tampering"][:2]) + ")")
        for fn, names in sorted(meta.get("shortcuts", {}).items()):
            parts.append(f"{fn} calls {', '.join(names)}: no points for it")
        cells = meta.get("cells", {})
        order = [k for k in meta.get("order", []) if k in cells] or sorted(cells)
        failed = [(k, cells[k]) for k in order if isinstance(cells[k], dict)]
        failed = [(k, v) for k, v in failed if v.get("passed") is False and v.get("kind") in ("WrongAnswer", "NotRun", "GraderError")]
        graded = [v for v in cells.values() if v.get("passed") is not None]
        if failed and status == "ok":
            first_id, first = failed[0]
            parts.append(f"{len(failed)} of {len(graded)} tests failed (first, {first_id}: {first.get('message')})")
        if execution.get("output_truncated"):
            parts.append("output was truncated (too much printing)")
    return status, "; ".join(parts)


# ------------------------------------------------------------------------------------------
# merging into the real gradebook (parent process only)
# ------------------------------------------------------------------------------------------

def merge_outcome(gb: Any, outcome: Outcome, autograded_root: Path) -> None:
    """Write ``outcome`` into gradebook ``gb`` (nbgrader's ``Gradebook``) and its autograded
    files into ``autograded_root/<student>/<assignment>/``."""
    import datetime as dt

    from nbgrader.api import MissingEntry

    aid, sid = outcome.assignment_id, outcome.student_id
    gb.update_or_create_student(sid)
    kwargs = {}
    if outcome.timestamp:
        kwargs["timestamp"] = dt.datetime.fromisoformat(outcome.timestamp)
    gb.update_or_create_submission(aid, sid, **kwargs)
    for g in outcome.grades:
        try:
            grade = gb.find_grade(g["cell"], g["notebook"], aid, sid)
        except MissingEntry:
            continue
        grade.auto_score = g["auto_score"]
        grade.needs_manual_grade = bool(g["needs_manual_grade"]) or grade.manual_score is not None
    for c in outcome.comments:
        try:
            comment = gb.find_comment(c["cell"], c["notebook"], aid, sid)
        except MissingEntry:
            continue
        comment.auto_comment = c["auto_comment"]
    if outcome.status == "error":
        submission = gb.find_submission(aid, sid)
        for nb in submission.notebooks:
            for grade in nb.grades:
                if grade.auto_score is None and grade.manual_score is None:
                    grade.auto_score = 0
                    grade.needs_manual_grade = True  # an instructor should look at it
    gb.db.commit()

    dest = autograded_root / sid / aid
    if outcome.autograded:
        if dest.exists():
            shutil.rmtree(dest)
        for rel, data in outcome.autograded.items():
            path = dest / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


# ------------------------------------------------------------------------------------------
# the batch
# ------------------------------------------------------------------------------------------

@dataclass
class BatchResult:
    outcomes: list[Outcome]
    seconds: float

    def rows(self) -> list[dict[str, Any]]:
        return [o.row() for o in sorted(self.outcomes, key=lambda o: o.student_id)]

    def csv_text(self) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        return buf.getvalue()


def make_executor(jobs: int, scheduler: str | None = None) -> tuple[Executor, Callable[[], None]]:
    """A process pool of ``jobs`` long-lived workers, or a Dask cluster's executor."""
    if scheduler:
        from distributed import Client

        client = Client(scheduler)
        executor = client.get_executor()

        def close() -> None:
            client.close()

        return executor, close
    _warm()  # imported before forking: every worker starts warm
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx, initializer=_warm)

    def shutdown() -> None:
        pool.shutdown(wait=True, cancel_futures=True)

    return pool, shutdown


def autograde_batch(
    root: str | os.PathLike[str],
    assignment_id: str,
    submitted: str | os.PathLike[str],
    *,
    jobs: int | None = None,
    settings: Settings | None = None,
    db_url: str | None = None,
    scheduler: str | None = None,
    students: Iterable[str] | None = None,
    progress: bool = True,
    executor: Executor | None = None,
) -> BatchResult:
    """Grade every student folder in ``submitted`` (``<student>/<assignment>/...``)."""
    start = time.monotonic()
    root = os.path.abspath(root)
    settings = settings or Settings()
    db_url = db_url or default_db_url(root)
    submitted = Path(submitted).resolve()
    if not submitted.is_dir():
        raise FileNotFoundError(f"no submissions folder {submitted}")
    template = make_template(root, assignment_id, settings)
    ensure_assignment(root, assignment_id, db_url, settings)

    course_config = _course_config(root)
    names = sorted(students) if students is not None else list_students(submitted)
    outcomes: list[Outcome] = []
    job_list: list[Job] = []
    for sid in names:
        if not STUDENT_ID_RE.match(sid):
            outcomes.append(Outcome(sid, assignment_id, "error", "the student folder name is not a valid student id"))
            continue
        files, problem = read_submission(submitted / sid / assignment_id)
        if not (submitted / sid / assignment_id).is_dir():
            problem = f"no folder {assignment_id} in the student's submission"
        job_list.append(Job(assignment_id, sid, files, problem, template.db, template.release,
                            template.source_files, settings, course_config))

    own = executor is None
    close: Callable[[], None] = lambda: None
    if own and job_list:
        executor, close = make_executor(jobs or os.cpu_count() or 1, scheduler)
    try:
        futures = {executor.submit(grade_job, job): job for job in job_list} if job_list else {}
        bar = _progress(len(futures), progress)
        from nbgrader.api import Gradebook

        with Gradebook(db_url, settings.course_id) as gb:
            for outcome in outcomes:
                _merge_safely(gb, outcome, Path(root) / "autograded")
            for future in as_completed(futures):
                job = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # a worker died (e.g. killed): the batch goes on
                    outcome = Outcome(job.student_id, assignment_id, "error",
                                      f"the grading worker failed ({type(exc).__name__})")
                _merge_safely(gb, outcome, Path(root) / "autograded")
                outcomes.append(outcome)
                bar.update(1)
        bar.close()
    finally:
        if own:
            close()
    return BatchResult(outcomes, time.monotonic() - start)


def _merge_safely(gb: Any, outcome: Outcome, autograded_root: Path) -> None:
    try:
        merge_outcome(gb, outcome, autograded_root)
    except Exception as exc:
        gb.db.rollback()
        outcome.status = "error"
        outcome.reason = f"could not save the grades ({type(exc).__name__}: {str(exc)[:200]})"


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="student", desc="autograde", file=sys.stderr)


def summary_table(result: BatchResult) -> str:
    """A plain-text table: one line per student, then counts by status and the mean score."""
    rows = result.rows()
    width = max([len("student")] + [len(r["student_id"]) for r in rows])
    lines = [f"{'student':<{width}}  {'score':>9}  {'status':<9}  reason", "-" * (width + 40)]
    for r in rows:
        reason = r["reason"] if len(r["reason"]) <= 90 else r["reason"][:87] + "..."
        lines.append(f"{r['student_id']:<{width}}  {r['score']:>4}/{r['max_score']:<4}  {r['status']:<9}  {reason}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    mean = sum(float(r["score"]) for r in rows) / len(rows) if rows else 0.0
    per = result.seconds / len(rows) if rows else 0.0
    lines.append("-" * (width + 40))
    lines.append(f"{len(rows)} students, mean score {mean:.2f}; " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
                 + f"; {result.seconds:.1f} s ({per:.2f} s per student)")
    return "\n".join(lines)


def outcome_dict(outcome: Outcome) -> dict[str, Any]:
    d = asdict(outcome)
    d.pop("autograded")
    return d
