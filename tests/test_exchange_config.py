"""One configuration for the class (issue 16, "What to build" #1, last bullet): every ``course``
command finds the gradebook where nbgrader does (``course/classconfig.py``).

Order: ``--db`` > ``COURSE_GRADEBOOK_URL`` > ``CourseDirectory.db_url`` from nbgrader's own
configuration (the course folder's ``nbgrader_config.py`` over the Jupyter config folders) >
``sqlite:///<course>/gradebook.db``. A forgotten ``--db`` must never create a second SQLite
gradebook when the configuration names PostgreSQL.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course.classconfig import ENV_URL, gradebook_url, normalise_url
from deploy_helpers import REPO, run_course, venv_env

PG = "postgresql://grader@db.example.org:5432/gradebook"


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A course folder, a stand-in for ``~/.jupyter`` and one for ``/etc/jupyter``, with nothing set."""
    out = {name: tmp_path / name for name in ("course", "user", "system")}
    for path in out.values():
        path.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", out["course"] / "nbgrader_config.py")
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(out["user"]))
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(out["system"]))
    monkeypatch.delenv(ENV_URL, raising=False)
    return out


def _set(folder: Path, url: str) -> None:
    with open(folder / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc = get_config()  # noqa: F821\nc.CourseDirectory.db_url = {url!r}\n")


def test_default_is_nbgraders_sqlite_file_in_the_course(places) -> None:
    assert gradebook_url(places["course"]) == f"sqlite:///{places['course']}/gradebook.db"


def test_system_and_user_config_are_read(places) -> None:
    _set(places["system"], PG)
    assert gradebook_url(places["course"]) == PG.replace("postgresql://", "postgresql+psycopg2://")
    _set(places["user"], "sqlite:////srv/grader/user.db")
    # JUPYTER_CONFIG_PATH entries rank above ~/.jupyter in jupyter_core; both rank below the course
    assert gradebook_url(places["course"]).startswith("postgresql+psycopg2://")


def test_course_config_beats_the_jupyter_folders(places) -> None:
    _set(places["system"], PG)
    _set(places["course"], "sqlite:////srv/grader/course.db")
    assert gradebook_url(places["course"]) == "sqlite:////srv/grader/course.db"


def test_environment_beats_config_and_explicit_beats_both(places, monkeypatch) -> None:
    _set(places["course"], "sqlite:////srv/grader/course.db")
    monkeypatch.setenv(ENV_URL, PG)
    assert gradebook_url(places["course"]).startswith("postgresql+psycopg2://grader@db.example.org")
    assert gradebook_url(places["course"], "sqlite:////tmp/explicit.db") == "sqlite:////tmp/explicit.db"


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not a database URL; expected e.g. sqlite:///gradebook.db"):
        normalise_url("gradebook.db")


def test_a_forgotten_db_never_writes_a_second_sqlite_gradebook(places) -> None:
    """The configuration names a PostgreSQL gradebook that is down: the command fails saying so,
    and no gradebook.db appears in the course folder."""
    _set(places["system"], "postgresql://grader@127.0.0.1:9/gradebook")
    env = venv_env(JUPYTER_CONFIG_DIR=str(places["user"]), JUPYTER_CONFIG_PATH=str(places["system"]))
    env.pop(ENV_URL, None)
    proc = run_course(["grades"], cwd=places["course"], env=env, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "course grades: cannot open the gradebook" in proc.stderr and '"127.0.0.1", port 9' in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (places["course"] / "gradebook.db").exists()
    assert list(places["course"].iterdir()) == [places["course"] / "nbgrader_config.py"]
