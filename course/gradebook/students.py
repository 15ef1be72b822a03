"""Student ids: what one may look like, and who is in the class.

The class is the gradebook's student table: the roster (``course students import``) puts the
students there, and ``course autograde`` adds whoever it grades. A command that names a student
refuses an id that is in neither, and suggests the closest ids (``difflib``): a typo must never
create a ghost student.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

STUDENT_ID_RE = re.compile(r"^[A-Za-z0-9_.@+-]{1,128}$")
ID_RULE = "1 to 128 letters, digits and _ . @ + -"


class UnknownStudent(ValueError):
    """A student id that is not in the class."""


def check_student_id(student_id: str, flag: str = "") -> str:
    """``student_id`` when it is a well-formed id; else ``ValueError`` naming the rule."""
    if not STUDENT_ID_RE.match(student_id or ""):
        where = f"{flag} " if flag else ""
        raise ValueError(f"{where}{student_id!r} is not a student id ({ID_RULE})")
    return student_id


def closest(student_id: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known ids closest to ``student_id`` (case-insensitive), best first."""
    known = sorted(set(known))
    lowered = {k.lower(): k for k in known}
    hits = difflib.get_close_matches(student_id.lower(), list(lowered), n=n, cutoff=0.6)
    return [lowered[h] for h in hits]


def unknown_message(student_id: str, known: Iterable[str], where: str = "the roster or the gradebook") -> str:
    known = sorted(set(known))
    near = closest(student_id, known)
    if near:
        hint = f"did you mean {' or '.join(near)}?"
    elif known:
        shown = ", ".join(known[:10]) + (f" and {len(known) - 10} more" if len(known) > 10 else "")
        hint = f"known: {shown}"
    else:
        hint = "the class is empty: import the roster first (course students import roster.csv)"
    return f"no student {student_id!r} in {where}; {hint}"


def known_students(gb: Any) -> list[str]:
    """Every student id of the gradebook (the roster and whoever was graded)."""
    return sorted(s.id for s in gb.students)


def require_known(gb: Any, student_id: str, flag: str = "") -> str:
    """``student_id`` when the gradebook knows it; else :class:`UnknownStudent` with the closest."""
    check_student_id(student_id, flag)
    known = known_students(gb)
    if student_id not in known:
        raise UnknownStudent(unknown_message(student_id, known))
    return student_id


def full_name(student: Any) -> str:
    """"First Last" of a gradebook student, as much of it as the roster gave ("" when none)."""
    return " ".join(n for n in (student.first_name, student.last_name) if n)
