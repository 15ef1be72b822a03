"""The exchange can't be spoofed or jammed (issue 16, "What to build" #3), with real uids.

Students (real accounts, :mod:`realusers`) fetch and submit with nbgrader's own commands as
their own uid; some then write into ``inbound/`` by hand, as anyone on the server can. The
grader runs plain ``nbgrader collect``, which the course's ``nbgrader_config.py`` points at
:class:`course.exchange.CourseExchangeCollect`. Every bad entry must be reported and skipped,
the honest students collected, and collect must exit 0:

- bob's folder named ``alice+ex01+2099-...`` (nbgrader 0.9.6 collects it as alice's);
- a name whose timestamp does not parse (nbgrader 0.9.6 fails for the whole class);
- an entry that is a link, and one holding a link to a file the student may not read;
- a flood: too many files, one file over the size cap, too many bytes in all (small caps here).
"""

from __future__ import annotations

import json
import stat

import pytest

from classroom import COURSE_ID, Classroom
from deploy_helpers import ASSIGNMENT
from realusers import RealUsers, unavailable

CAPS = ("c.CourseDirectory.max_file_size = 100  # kB\n"
        "c.CourseDirectory.max_dir_size = 400  # kB\n"
        "c.CourseExchangeCollect.max_files = 40\n")
EARLY = "2026-12-01 10:00:00.000000 UTC"
LATER = "2026-12-02 10:00:00.000000 UTC"

MAKE_ENTRY = """
import os, sys
inbound, name, kind = sys.argv[1:4]
path = os.path.join(inbound, name)
if kind == "link":
    os.symlink(sys.argv[4], path)
    raise SystemExit
os.mkdir(path)
def put(rel, data):
    with open(os.path.join(path, rel), "wb") as fh:
        fh.write(data)
put("ex01_convolution_1d.ipynb", open(sys.argv[4], "rb").read())
put("timestamp.txt", name.split("+")[2].encode())
if kind == "inner-link":
    os.symlink(sys.argv[5], os.path.join(path, "notes.txt"))
elif kind == "many":
    for i in range(60):
        put(f"f{i:03d}.txt", b"x")
elif kind == "huge":
    put("data.bin", b"0" * 150_000)
elif kind == "bulky":
    for i in range(5):
        put(f"part{i}.bin", b"0" * 95_000)
"""

PLANT = """
import os, sys
entry = sys.argv[1]
open(os.path.join(entry, "planted.txt"), "w").write("bob was here")
os.symlink("/etc/shadow", os.path.join(entry, "evil"))
os.mkdir(os.path.join(entry, "junk"))
for i in range(45):
    open(os.path.join(entry, "junk", f"{i}.txt"), "w").write("x")
"""


@pytest.fixture(scope="module")
def collected():
    """One class: honest submissions (alice, bob, dave), the bad entries, then ``nbgrader collect``."""
    if unavailable():
        pytest.skip(unavailable())
    with RealUsers(["alice", "bob", "dave", "erin"]) as users:
        room = Classroom(users, student_config=CAPS, grader_config=CAPS)
        room.release()
        notebooks = {}
        for name in ("alice", "bob", "dave"):  # bob hands in the untouched exercise
            write = ["write", ASSIGNMENT] if name != "bob" else []
            room.session(name, "fetch", ASSIGNMENT, *write, "submit", ASSIGNMENT, answer=room.solved())
            notebooks[name] = users.home(name) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        inbound, bob_nb, release = str(room.inbound()), str(notebooks["bob"]), str(room.released_notebook())
        entries = {
            "spoof": ("bob", f"alice+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC", "folder", bob_nb),
            "malformed": ("bob", f"bob+{ASSIGNMENT}+not a time", "folder", bob_nb),
            "link": ("dave", f"dave+{ASSIGNMENT}+2099-01-02 00:00:00.000000 UTC", "link", str(users.home("alice"))),
            "inner-link": ("dave", f"dave+{ASSIGNMENT}+2099-01-03 00:00:00.000000 UTC", "inner-link",
                           str(notebooks["dave"]), "/etc/shadow"),
            "many": ("erin", f"erin+{ASSIGNMENT}+{EARLY}", "many", release),
            "huge": ("erin", f"erin+{ASSIGNMENT}+{LATER}", "huge", release),
            "bulky": ("erin", f"erin+{ASSIGNMENT}+2026-12-03 10:00:00.000000 UTC", "bulky", release),
        }
        for who, name, how, *rest in entries.values():
            room.student_python(who, MAKE_ENTRY, inbound, name, how, *rest)
        # bob learns the name of alice's real entry (mode 777, as nbgrader's submit leaves it) and
        # puts a file, a link and a folder of 45 files in it
        (alice_entry,) = [p for p in room.inbound().iterdir() if p.name.startswith("alice+") and "2099" not in p.name]
        room.student_python("bob", PLANT, str(alice_entry))
        proc = room.instructor("collect", ASSIGNMENT, check=False)
        yield room, proc, entries, notebooks


def _log(proc) -> str:
    return proc.stdout + proc.stderr


def test_collect_succeeds_and_collects_the_honest_students(collected) -> None:
    room, proc, _, notebooks = collected
    assert proc.returncode == 0, _log(proc)
    for name in ("alice", "bob", "dave"):
        nb = room.submitted(name) / f"{ASSIGNMENT}.ipynb"
        assert nb.is_file(), f"{name} was not collected\n{_log(proc)}"
    assert not room.submitted("erin").exists()  # erin only ever sent floods


def test_spoofed_entry_is_reported_and_not_collected_as_alice(collected) -> None:
    room, proc, entries, _ = collected
    spoof = entries["spoof"][1]
    assert f"Skipped {spoof}" in _log(proc) and "claims to be alice's but is owned by bob" in _log(proc)
    alice = room.submitted("alice")
    assert not (alice / "timestamp.txt").read_text().startswith("2099")
    # alice's own work (solved), not bob's untouched copy
    cells = json.loads((alice / f"{ASSIGNMENT}.ipynb").read_text())["cells"]
    assert any("np." in "".join(c["source"]) or "for " in "".join(c["source"]) for c in cells
               if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    assert (alice / f"{ASSIGNMENT}.ipynb").read_bytes() != (room.submitted("bob") / f"{ASSIGNMENT}.ipynb").read_bytes()


def test_malformed_name_is_reported_not_fatal(collected) -> None:
    room, proc, entries, _ = collected
    assert f"Skipped {entries['malformed'][1]}" in _log(proc)
    assert "unreadable timestamp" in _log(proc)


def test_links_are_reported_and_never_followed(collected) -> None:
    room, proc, entries, _ = collected
    log = _log(proc)
    assert f"Skipped {entries['link'][1]}" in log and "a link, not a folder" in log
    assert f"Skipped {entries['inner-link'][1]}" in log and "holds a link (notes.txt)" in log
    dave = room.submitted("dave")
    assert not (dave / "notes.txt").exists()
    assert not (dave / "timestamp.txt").read_text().startswith("2099")  # his earlier, honest submission


def test_floods_are_reported_and_skipped(collected) -> None:
    room, proc, entries, _ = collected
    log = _log(proc)
    assert f"Skipped {entries['many'][1]}" in log and "more than 40 files and folders" in log
    assert f"Skipped {entries['huge'][1]}" in log and "data.bin of 150,000 bytes" in log
    assert f"Skipped {entries['bulky'][1]}" in log and "more than the 400,000 bytes" in log
    assert "Collect skipped 7 entries" in log


def test_what_others_put_in_a_submission_is_left_out_not_fatal_to_it(collected) -> None:
    room, proc, _, _ = collected
    alice = room.submitted("alice")
    assert (alice / f"{ASSIGNMENT}.ipynb").is_file()
    assert not any((alice / name).exists() or (alice / name).is_symlink() for name in ("planted.txt", "evil", "junk"))
    assert "without what other accounts put in it: " in _log(proc)
    for name in ("planted.txt (owned by bob)", "evil (owned by bob)", "junk (owned by bob)"):
        assert name in _log(proc)


def test_collected_modes_are_sane(collected) -> None:
    room, _, _, _ = collected
    for path in [room.submitted("alice"), *room.submitted("alice").rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert not path.is_symlink()
        assert mode == (0o750 if path.is_dir() else 0o640), (path, oct(mode))


def test_submit_refuses_a_folder_over_the_cap_on_the_students_side(collected) -> None:
    room, _, _, _ = collected
    code = ("import os, shutil, sys; os.mkdir(sys.argv[1]); shutil.copy(sys.argv[2], sys.argv[1]); "
            "open(os.path.join(sys.argv[1], 'data.bin'), 'wb').write(b'0' * 450_000)")
    room.student_python("erin", code, str(room.users.home("erin") / ASSIGNMENT), str(room.released_notebook()))
    before = set(p.name for p in room.inbound().iterdir())
    proc = room.session("erin", "submit", ASSIGNMENT, check=False)
    assert proc.returncode == 1 and "Directory size is too big" in _log(proc)
    assert set(p.name for p in room.inbound().iterdir()) == before
    assert COURSE_ID in str(room.inbound())


@pytest.mark.parametrize(("name", "why"), [
    ("..+ex01+2026-12-01 10:00:00 UTC", "not a submission folder name"),
    (".hidden+ex01+2026-12-01 10:00:00 UTC", "not a submission folder name"),
    ("alice+ex01", "not a submission folder name"),
    ("alice+ex01+zz", "unreadable timestamp 'zz'"),
    ("alice+ex01+2026-13-45 99:00:00 UTC", "unreadable timestamp"),
])
def test_bad_names_are_skipped_even_without_the_owner_check(tmp_path, name: str, why: str) -> None:
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    from course.exchange import CourseExchangeCollect, Skip

    cfg = Config()
    cfg.CourseDirectory.update(root=str(tmp_path), course_id="c", assignment_id="ex01")
    cfg.ExchangeCollect.check_owner = False
    collect = CourseExchangeCollect(coursedir=CourseDirectory(config=cfg), config=cfg)
    (tmp_path / name).mkdir()
    with pytest.raises(Skip, match=why):
        collect.checked_record(str(tmp_path / name))
    (tmp_path / "alice+ex01+2026-12-01 10:00:00 UTC").mkdir()
    assert collect.checked_record(str(tmp_path / "alice+ex01+2026-12-01 10:00:00 UTC"))["username"] == "alice"
