"""What grading found, as data: a submission's status, the notes about it, one test's verdict,
and a person's decision on a ``review`` / ``tampered`` / ``error`` submission (and what becomes
of it when the same student is graded again: :func:`decision_for_run`).

A low module (it imports nothing of the course): the batch (``course.grading.batch``), the
gradebook's side files (``course.gradebook``), the feedback page and ``course validate`` all use
these types. Notes travel as :class:`Note` values from where they are found (reading the
submission, the job, the grader's verdicts) to where they are shown; they are turned into text
once, by :func:`render_reason` (the CSV's ``reason`` column and the status file) or by the
feedback page (the submission notes a student reads). Nothing parses a reason back.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class Status(str, enum.Enum):
    """A submission's status after a run, strongest first in :data:`STATUS_ORDER`. The value
    is the word written in the CSVs."""

    OK = "ok"
    MISSING = "missing"  # no notebook: graded as the untouched release
    INVALID = "invalid"  # a notebook that cannot be read, or over the size/cell caps
    REPAIRED = "repaired"  # damaged grading metadata: graded from the instructor's copy
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    TAMPERED = "tampered"  # the notebook forged or changed the grading machinery
    REVIEW = "review"  # the grader could not settle a check: 0 until a person looks
    ERROR = "error"  # the grader failed: 0 until a person looks
    SETTLED = "settled"  # a held submission a person looked at and decided (``course settle``)
    UNKNOWN = "unknown"  # graded outside course autograde

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str) -> Status:
        try:
            return cls(str(text))
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown status {text!r}; allowed: {allowed}") from None


RUN_STATUS_ORDER = (Status.TIMEOUT, Status.CRASHED, Status.TAMPERED, Status.REVIEW, Status.OK)
"""Statuses the grader's verdicts can give a run, strongest first."""

HELD_STATUSES = (Status.REVIEW, Status.ERROR)
"""Statuses whose every grade waits for a person (flagged for manual grading): what the grader
could not vouch for earns nothing until a person settles it."""

SETTLED_BY_A_PERSON = (Status.REVIEW, Status.TAMPERED, Status.ERROR)
"""Statuses a person settles with ``course settle`` (look, decide, record who and why)."""

GRADED_AS_RELEASE = (Status.MISSING, Status.INVALID)
"""Statuses of a submission with no readable notebook, graded as the untouched release: the one
definition of "did not hand in a notebook" (left out of the report's pass rates and hand-graded
figures; their reason says so and nothing about the release's own test failures)."""


def stronger(a: Status, b: Status) -> Status:
    """The stronger of two run statuses (:data:`RUN_STATUS_ORDER`)."""
    return a if RUN_STATUS_ORDER.index(a) <= RUN_STATUS_ORDER.index(b) else b


class NoteKind(str, enum.Enum):
    """Who a note is for and where it is shown."""

    NO_NOTEBOOK = "no-notebook"  # no readable notebook (missing, unreadable, too large): graded as the
    # untouched release; what counts, so it leads the reason (:func:`reason_notes`) and the feedback
    SUBMISSION = "submission"  # about the submitted folder (renamed notebook, extra files): the CSV and the
    # student's feedback
    RUN = "run"  # what the run found (failed tests, a stop, tampering, review): the CSV
    GRADER = "grader"  # about the grading itself (unsandboxed, the grader failed): the CSV
    DISPLAY = "display"  # what grading did not redo (figures not redrawn): the student's feedback (why a
    # figure is absent); not the instructor's reason, where it is true of every submission


@dataclass(frozen=True)
class Note:
    kind: NoteKind
    text: str  # plain words, one clause, no trailing full stop

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "text": self.text}

    @classmethod
    def from_json(cls, data: Any) -> Note:
        if isinstance(data, Mapping):
            try:
                return cls(NoteKind(str(data.get("kind"))), str(data.get("text", "")))
            except ValueError:
                return cls(NoteKind.RUN, str(data.get("text", "")))
        return cls(NoteKind.RUN, str(data))


def submission_note(text: str) -> Note:
    return Note(NoteKind.SUBMISSION, text)


def no_notebook_note(text: str) -> Note:
    return Note(NoteKind.NO_NOTEBOOK, text)


def run_note(text: str) -> Note:
    return Note(NoteKind.RUN, text)


def grader_note(text: str) -> Note:
    return Note(NoteKind.GRADER, text)


def display_note(text: str) -> Note:
    return Note(NoteKind.DISPLAY, text)


def notes_for_student(notes: Iterable[Note]) -> list[str]:
    """The notes a student's feedback shows: a missing or unreadable notebook first, then the
    other notes about the submission and the display notes (why a figure is absent), in order.
    With no notebook handed in, the display notes are about the release's figures: left out."""
    notes = list(notes)
    kinds = [NoteKind.NO_NOTEBOOK, NoteKind.SUBMISSION]
    if not any(n.kind == NoteKind.NO_NOTEBOOK for n in notes):
        kinds.append(NoteKind.DISPLAY)
    shown = [n for n in notes if n.kind in kinds]
    return [n.text for n in sorted(shown, key=lambda n: n.kind != NoteKind.NO_NOTEBOOK)]


def notes_to_json(notes: Iterable[Note]) -> list[dict[str, str]]:
    return [n.to_json() for n in notes]


def notes_from_json(data: Any) -> list[Note]:
    return [Note.from_json(d) for d in data] if isinstance(data, list) else []


@dataclass(frozen=True)
class TestResult:
    """One graded test: its points, whether it passed and why not, in the student's words."""

    __test__ = False  # not a pytest test class

    grade_id: str
    points: float
    passed: bool
    message: str
    cell: int | None = None  # 1-based position in the notebook, when known
    kind: str = ""  # the grader's verdict kind (WrongAnswer, NotRun, Shortcut, Review, ...)

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0


@dataclass(frozen=True)
class Decision:
    """A person settled a held submission (:data:`SETTLED_BY_A_PERSON`): who, when, why, and what
    they decided: ``accept`` (the gradebook's scores stand, as the person left them in the
    formgrader) or ``override`` (the total a person gives). ``fingerprint`` is the
    :attr:`RunRecord.fingerprint` of the submission the person looked at; ``carried_to`` is set
    when a later run of that same submission had the decision re-applied (when that run was graded)."""

    by: str
    at: str  # ISO 8601, UTC
    action: str  # "accept" or "override"
    why: str
    was: Status  # the status the person settled
    score: float | None = None  # for "override"
    fingerprint: str = ""  # of the submission decided on; "" for a decision recorded before fingerprints
    carried_to: str = ""  # ISO 8601, UTC: the later run of the same submission it was re-applied to

    ACTIONS = ("accept", "override")

    def __post_init__(self) -> None:
        if self.action not in self.ACTIONS:
            raise ValueError(f"unknown decision {self.action!r}; allowed: {', '.join(self.ACTIONS)}")
        if not self.by.strip() or not self.why.strip():
            raise ValueError("a decision needs who decided (--by) and why (--why)")
        if self.action == "override" and self.score is None:
            raise ValueError("an override needs the score a person gives (--score)")

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "at": self.at, "action": self.action, "why": self.why, "was": self.was.value,
                "score": self.score, "fingerprint": self.fingerprint, "carried_to": self.carried_to}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Decision:
        score = data.get("score")
        return cls(str(data["by"]), str(data["at"]), str(data["action"]), str(data["why"]),
                   Status.parse(data.get("was", "review")), None if score is None else float(score),
                   str(data.get("fingerprint") or ""), str(data.get("carried_to") or ""))

    def what(self) -> str:
        return "scores accepted" if self.action == "accept" else f"score set to {self.score:g}"

    def words(self) -> str:
        """One clause for the CSV's reason column."""
        said = f"{self.was.value} settled by {self.by} on {self.at[:10]} ({self.what()}): {self.why}"
        if self.carried_to:
            said += f"; carried over to the run of {self.carried_to[:10]} (the same submission)"
        return said


class Lapse(str, enum.Enum):
    """Why a person's decision on an earlier run was not carried over to a new run."""

    CHANGED = "changed"  # the new run graded a different submission
    UNKNOWN = "unknown"  # no fingerprint to compare (a decision or run from before fingerprints)
    NOT_HELD = "not-held"  # the same submission now grades to a status no person settles
    OTHER_STATUS = "other-status"  # the same submission is held for another reason (tampered, now review)
    NOT_SAVED = "not-saved"  # the new run's grades could not be saved, so nothing was re-applied


@dataclass(frozen=True)
class LapsedDecision:
    """A person's decision that did not carry over to the latest run, and why; kept on the run's
    record until a person decides again, so every view says a decision was made and why it no
    longer counts."""

    decision: Decision
    lapse: Lapse

    def to_json(self) -> dict[str, Any]:
        return {"decision": self.decision.to_json(), "lapse": self.lapse.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LapsedDecision:
        return cls(Decision.from_json(data["decision"]), Lapse(str(data["lapse"])))

    def words(self, status: Status) -> str:
        """One clause for the reason of a run graded ``status``."""
        d = self.decision
        earlier = f"an earlier decision by {d.by} on {d.at[:10]} ({d.what()})"
        held = status in SETTLED_BY_A_PERSON
        again = ": not carried over, a person settles this run again" if held else ": it no longer applies"
        if self.lapse == Lapse.CHANGED:
            return f"{earlier} was for a different submission{again}"
        if self.lapse == Lapse.UNKNOWN:
            return f"{earlier} may have been for a different submission (no fingerprint to compare){again}"
        if self.lapse == Lapse.NOT_HELD:
            return f"{earlier} no longer applies: the same submission now grades {status.value}"
        if self.lapse == Lapse.OTHER_STATUS:
            return f"{earlier} settled this submission graded {d.was.value}; this run grades it {status.value}{again}"
        return f"{earlier} was not re-applied: this run's grades could not be saved{again}"


def decision_for_run(previous: RunRecord | None, status: Status, fingerprint: str) -> Decision | LapsedDecision | None:
    """What becomes of a person's decision when a new run (``status``, ``fingerprint``) replaces
    ``previous``: the decision to re-apply (the same submission, held again with the status the
    person settled), a :class:`LapsedDecision` (it does not carry over, and why), or None (no
    decision to speak of). A lapsed decision is weighed again at the next run: a grader failure
    (``error``) between two ``review`` runs of the same notebook does not lose it."""
    standing = previous.standing_decision() if previous is not None else None
    if standing is None:
        return None
    if not fingerprint or not standing.fingerprint:
        return LapsedDecision(standing, Lapse.UNKNOWN)
    if fingerprint != standing.fingerprint:
        return LapsedDecision(standing, Lapse.CHANGED)
    if status not in SETTLED_BY_A_PERSON:
        return LapsedDecision(standing, Lapse.NOT_HELD)
    if status != standing.was:  # an accept of a review's scores says nothing of an error's zeros
        return LapsedDecision(standing, Lapse.OTHER_STATUS)
    return standing


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunRecord:
    """A submission's latest run as the status file keeps it: status, notes, when, a fingerprint
    of what was graded (SHA-256 of the submitted notebooks as the batch read them; "" when
    unknown), and a person's decision: on this run (or carried over to it from an earlier run of
    the same submission), or one that lapsed with this run (:class:`LapsedDecision`)."""

    status: Status
    notes: tuple[Note, ...] = ()
    graded_at: str = ""
    decision: Decision | None = None
    fingerprint: str = ""
    lapsed: LapsedDecision | None = None

    def standing_decision(self) -> Decision | None:
        """The latest decision a person made on this submission's runs, in force or lapsed."""
        if self.decision is not None:
            return self.decision
        return self.lapsed.decision if self.lapsed is not None else None

    def decision_words(self) -> str:
        """The decision's clause of the reason (and the long export's ``decision`` column)."""
        if self.decision is not None:
            return self.decision.words()
        return self.lapsed.words(self.status) if self.lapsed is not None else ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status.value, "notes": notes_to_json(self.notes),
                               "graded_at": self.graded_at, "fingerprint": self.fingerprint}
        if self.decision is not None:
            out["decision"] = self.decision.to_json()
        if self.lapsed is not None:
            out["lapsed"] = self.lapsed.to_json()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunRecord:
        notes = notes_from_json(data.get("notes"))
        if not notes and data.get("reason"):  # a version-1 file: one reason string
            notes = [run_note(str(data["reason"]))]
        decision = Decision.from_json(data["decision"]) if isinstance(data.get("decision"), Mapping) else None
        lapsed = LapsedDecision.from_json(data["lapsed"]) if isinstance(data.get("lapsed"), Mapping) else None
        return cls(Status.parse(data.get("status", "unknown")), tuple(notes), str(data.get("graded_at", "")), decision,
                   str(data.get("fingerprint") or ""), lapsed)


def reason_notes(status: Status, notes: Iterable[Note]) -> list[Note]:
    """The notes an instructor's reason shows, in order. Display notes (figures not redrawn) are
    left out: true of every submission with a figure, they would push the real reason (failed
    tests, late) to the end; the student's feedback keeps them (:func:`notes_for_student`). For a
    submission graded as the untouched release (:data:`GRADED_AS_RELEASE`) the no-notebook note
    leads, then the other notes about the submission (files ignored) and the grader's; the
    release's own test failures are not the student's, so they are left out."""
    shown = [n for n in notes if n.text and n.kind != NoteKind.DISPLAY]
    if status in GRADED_AS_RELEASE:
        shown = [n for n in shown if n.kind != NoteKind.RUN]
        shown.sort(key=lambda n: n.kind != NoteKind.NO_NOTEBOOK)  # stable: the rest keep their order
    return shown


def render_reason(notes: Iterable[Note], extra: Iterable[str] = ()) -> str:
    """The CSV's ``reason`` column: every note's words, then ``extra`` clauses (what the
    gradebook says now: manual grading, late penalty, a person's decision), joined by "; "."""
    parts = [n.text for n in notes if n.text] + [e for e in extra if e]
    return "; ".join(parts) or "all tests passed"
