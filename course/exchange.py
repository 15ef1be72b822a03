"""nbgrader's ``collect`` made safe for a class whose students share one exchange folder.

Wired by configuration, so plain ``nbgrader collect ID`` (and the formgrader's collect button)
use it::

    c.ExchangeFactory.collect = "course.exchange.CourseExchangeCollect"

in the course's ``nbgrader_config.py`` (the grader's side; ``deploy/etc-jupyter`` may set it
too). nbgrader's default collect (``nbgrader/exchange/default/collect.py``, 0.9.6) warns that a
folder "claims to be submitted by alice but is owned by bob; cheating attempt?" and then
collects it as alice's; one badly named folder makes it fail for the whole class; it follows
links and leaves mode-777 folders. Here every inbound entry ``<student>+<ID>+<timestamp>[+x]``
is checked before anything is copied, and an entry that fails a check is reported (a warning
per entry, a summary at the end) and skipped, never collected and never fatal:

- its name must parse: a valid student id and a timestamp nbgrader can read;
- it must be a real folder (not a link) owned by the uid of the student it names
  (``pwd.getpwnam``; ``ExchangeCollect.check_owner``, on by default, turns the ownership checks
  off, e.g. where every student runs as one uid). Anything inside it owned by another account
  (nbgrader's submit leaves the folder mode 777) is left out with a warning, so nobody can spoil
  another student's submission;
- it may hold no links, devices or pipes, no file over ``CourseDirectory.max_file_size`` kB,
  no more than ``CourseExchangeCollect.max_files`` entries and no more than
  ``CourseDirectory.max_dir_size`` kB in all (nbgrader's own caps, which its ``submit`` applies
  on the student's side; here they hold whatever a student wrote into ``inbound/`` by hand).

Of each student's valid entries the latest is collected (or the latest before the due date
with ``--before-duedate``), exactly as nbgrader chooses. The copy opens every file and folder
relative to its parent's descriptor with ``O_NOFOLLOW``, so a link swapped in after the checks
is refused too, and writes files ``0640`` and folders ``0750`` (never 777). A student who
fills the exchange's disk is not stopped by collect: put the exchange on a filesystem of its
own, or give students quotas there.
"""

from __future__ import annotations

import contextlib
import fnmatch
import glob
import os
import pwd
import shutil
import stat
from dataclasses import dataclass, field

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import check_mode, parse_utc
from traitlets import Integer

from course.gradebook.students import ID_RULE, STUDENT_ID_RE

FILE_MODE, DIR_MODE = 0o640, 0o750


class Skip(Exception):
    """An inbound entry that must not be collected; the message says why."""


@dataclass
class Caps:
    max_file_bytes: int
    max_total_bytes: int
    max_files: int
    owner_uid: int | None  # None: ownership not checked
    exclude: list[str]
    include: list[str]
    foreign: list[str] = field(default_factory=list)  # what others put in the entry: not copied


class CourseExchangeCollect(ExchangeCollect):
    """nbgrader's ``ExchangeCollect`` that checks every inbound entry before collecting it
    (see the module docstring)."""

    max_files = Integer(
        500, help="Most files and folders one submission in the exchange may hold; a submission with more is "
                  "reported and skipped by collect (the student's earlier valid submission, if any, is "
                  "collected instead)").tag(config=True)

    def init_src(self) -> None:
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        self.skipped: list[tuple[str, str]] = []
        self.duedate = self._duedate()
        by_student: dict[str, list[dict]] = {}
        for rec in self._records():
            by_student.setdefault(rec["username"], []).append(rec)
        self.candidates = {sid: self._ordered(recs) for sid, recs in sorted(by_student.items())}
        self.src_records = [recs[0] for recs in self.candidates.values()]

    def _records(self) -> list[dict]:
        student = self.coursedir.student_id if self.coursedir.student_id else "*"
        pattern = os.path.join(glob.escape(self.inbound_path), f"{student}+{self.coursedir.assignment_id}+*")
        records = []
        for path in sorted(glob.glob(pattern)):
            try:
                records.append(self.checked_record(path))
            except Skip as why:
                self._skip(os.path.basename(path), str(why))
        return records

    def checked_record(self, path: str) -> dict:
        """nbgrader's record of an entry (student, name, timestamp), or :class:`Skip`."""
        name = os.path.basename(path)
        parts = name.rsplit("+", 3)
        if (len(parts) < 3 or parts[1] != self.coursedir.assignment_id or not STUDENT_ID_RE.match(parts[0])
                or parts[0].startswith(".")):
            raise Skip(f"not a submission folder name (<student>+<assignment>+<timestamp>, a student id of {ID_RULE})")
        try:
            timestamp = parse_utc(parts[2])
        except Exception:
            raise Skip(f"unreadable timestamp {parts[2][:60]!r} in its name") from None
        try:
            info = os.lstat(path)
        except OSError as exc:
            raise Skip(f"could not be looked at ({exc.strerror or exc})") from None
        if stat.S_ISLNK(info.st_mode):
            raise Skip("a link, not a folder (not followed)")
        if not stat.S_ISDIR(info.st_mode):
            raise Skip("not a folder")
        expected = self._uid_of(parts[0])
        if expected is not None and info.st_uid != expected:
            raise Skip(f"claims to be {parts[0]}'s but is owned by {_name_of(info.st_uid)}")
        return {"username": parts[0], "filename": name, "timestamp": timestamp}

    def _uid_of(self, student: str) -> int | None:
        if not self.check_owner:
            return None
        try:
            return pwd.getpwnam(student).pw_uid
        except KeyError:
            raise Skip(f"there is no account named {student} to own it") from None

    def _duedate(self):  # noqa: ANN202 (a datetime or None)
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                return gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                return None

    def _ordered(self, records: list[dict]) -> list[dict]:
        """Latest first; with ``before_duedate``, those before the due date go first."""
        records = self._sort_by_timestamp(records)
        if self.duedate is not None and self.before_duedate:
            early = [r for r in records if r["timestamp"] <= self.duedate]
            records = early + [r for r in records if r not in early]
        return records

    def _skip(self, entry: str, why: str) -> None:
        self.skipped.append((entry, why))
        self.log.warning("Skipped %s in the exchange: %s", entry, why)

    def _caps(self, student: str) -> Caps:
        cd = self.coursedir
        return Caps(1000 * cd.max_file_size, 1000 * cd.max_dir_size, self.max_files, self._uid_of(student),
                    list(cd.ignore), list(cd.include))

    def do_copy(self, src: str, dest: str, log: object = None) -> None:
        """Copy one checked entry into ``submitted/`` (see the module docstring); :class:`Skip`
        leaves nothing behind."""
        student = os.path.basename(src).rsplit("+", 3)[0]
        caps = self._caps(student)
        tmp = f"{dest}.incoming"
        _remove(tmp)
        try:
            fd = _open_dir(src)
            try:
                _copy_dir(fd, tmp, caps, [0, 0])
            finally:
                os.close(fd)
        except Skip:
            _remove(tmp)
            raise
        except OSError as exc:
            _remove(tmp)
            raise Skip(f"could not be copied ({exc.strerror or exc})") from None
        _remove(dest)
        os.rename(tmp, dest)
        if caps.foreign:
            self.log.warning("Collected %s without what other accounts put in it: %s", os.path.basename(src),
                             ", ".join(caps.foreign))

    def copy_files(self) -> None:
        """nbgrader's choice of which submission to collect, over the entries that pass the
        checks: when the latest fails while copying, the one before it is tried."""
        if not self.candidates:
            self.log.warning("No submissions of '%s' for course '%s' to collect", self.coursedir.assignment_id,
                             self.coursedir.course_id)
        chosen = []
        for records in self.candidates.values():
            for rec in records:
                try:
                    self._copy_one(rec)
                except Skip as why:
                    self._skip(rec["filename"], str(why))
                    continue
                chosen.append(rec)
                break
        self.src_records = chosen
        if self.skipped:
            self.log.warning("Collect skipped %d entr%s of the exchange: %s", len(self.skipped),
                             "y" if len(self.skipped) == 1 else "ies",
                             "; ".join(f"{entry}: {why}" for entry, why in self.skipped))

    def _copy_one(self, rec: dict) -> None:
        """nbgrader's ``copy_files`` for one record: a newer submission replaces an older one only
        with ``--update`` (or ``--before-duedate``); ``timestamp.txt`` is the one its name gives."""
        sid, assignment = rec["username"], self.coursedir.assignment_id
        dest = self.coursedir.format_path(self.coursedir.submitted_directory, sid, assignment)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if os.path.isdir(dest) and not self._replaces(dest, rec["timestamp"]):
            what = "No newer submission to collect" if self.update else "Submission already exists, use --update to update"
            self.log.info("%s: %s %s", what, sid, assignment)
            return
        self.do_copy(os.path.join(self.inbound_path, rec["filename"]), dest)
        stamp = os.path.join(dest, "timestamp.txt")
        _remove(stamp)
        fd = os.open(stamp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
        with os.fdopen(fd, "w") as fh:
            fh.write(rec["filename"].rsplit("+", 3)[2])
        self.log.info("Collected submission: %s %s (%s)", sid, assignment, rec["filename"])

    def _replaces(self, dest: str, timestamp: object) -> bool:
        try:
            existing = self.coursedir.get_existing_timestamp(dest)
        except Exception:  # an unreadable timestamp.txt left by an older collect
            existing = None
        if self.update and (existing is None or timestamp > existing):
            return True
        return bool(self.before_duedate and existing != timestamp)


def _name_of(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _remove(path: str) -> None:
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def _open_dir(path: str, dir_fd: int | None = None) -> int:
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)


def _wanted(name: str, is_file: bool, caps: Caps) -> bool:
    """nbgrader's ``CourseDirectory.ignore`` / ``include`` patterns (``nbgrader.utils.ignore_patterns``)."""
    if any(fnmatch.fnmatch(name, g) for g in caps.exclude):
        return False
    return not (is_file and caps.include and not any(fnmatch.fnmatch(name, g) for g in caps.include))


def _copy_dir(fd: int, dest: str, caps: Caps, used: list[int]) -> None:
    """Copy the folder open as ``fd`` into a new ``dest``; ``used`` = [entries, bytes] so far.
    What another account put there (nbgrader's submit leaves the entry mode 777) is left out and
    noted in ``caps.foreign``, so nobody can spoil someone else's submission."""
    os.mkdir(dest, DIR_MODE)
    os.chmod(dest, DIR_MODE)
    with os.scandir(fd) as entries:
        for entry in entries:
            info = entry.stat(follow_symlinks=False)
            if _foreign(info, entry.name, caps):
                continue
            used[0] += 1
            if used[0] > caps.max_files:
                raise Skip(f"more than {caps.max_files} files and folders")
            if stat.S_ISLNK(info.st_mode):
                raise Skip(f"holds a link ({entry.name}); links are never followed")
            if stat.S_ISDIR(info.st_mode):
                if _wanted(entry.name, False, caps):
                    child = _open_dir(entry.name, dir_fd=fd)
                    try:
                        if not _foreign(os.fstat(child), entry.name, caps):  # swapped since the scan?
                            _copy_dir(child, os.path.join(dest, entry.name), caps, used)
                    finally:
                        os.close(child)
            elif stat.S_ISREG(info.st_mode):
                if _wanted(entry.name, True, caps):
                    _copy_file(fd, entry.name, os.path.join(dest, entry.name), caps, used)
            else:
                raise Skip(f"holds {entry.name}, which is not a file or a folder")


def _foreign(info: os.stat_result, name: str, caps: Caps) -> bool:
    """True (and noted) when ``name`` belongs to someone other than the student."""
    if caps.owner_uid is None or info.st_uid == caps.owner_uid:
        return False
    caps.foreign.append(f"{name} (owned by {_name_of(info.st_uid)})")
    return True


def _copy_file(dir_fd: int, name: str, dest: str, caps: Caps, used: list[int]) -> None:
    src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    try:
        info = os.fstat(src)
        if not stat.S_ISREG(info.st_mode):
            raise Skip(f"holds {name}, which is not a regular file")
        if _foreign(info, name, caps):  # swapped since the scan
            return
        _check_size(name, info.st_size, caps, used)
        out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
        with contextlib.closing(os.fdopen(out, "wb")) as fh:
            copied = 0
            while chunk := os.read(src, min(1 << 20, info.st_size + 1 - copied)):
                copied += len(chunk)
                if copied > info.st_size:
                    raise Skip(f"{name} grew while it was being collected")
                fh.write(chunk)
        os.utime(dest, ns=(info.st_atime_ns, info.st_mtime_ns))
    finally:
        os.close(src)


def _check_size(name: str, size: int, caps: Caps, used: list[int]) -> None:
    """Raise :class:`Skip` when ``name`` (``size`` bytes) breaks a cap; adds it to ``used``."""
    if size > caps.max_file_bytes:
        raise Skip(f"holds {name} of {size:,} bytes, more than the {caps.max_file_bytes:,} a file may have "
                   "(CourseDirectory.max_file_size)")
    used[1] += size
    if used[1] > caps.max_total_bytes:
        raise Skip(f"holds more than the {caps.max_total_bytes:,} bytes a submission may have "
                   "(CourseDirectory.max_dir_size)")
