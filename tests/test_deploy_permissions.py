"""The deployment keeps the instructor side away from student accounts (ARCHITECTURE.md, "Trust
boundary"): checked as an unprivileged uid (nobody, 65534) against a real install made by
deploy/install-student-side.sh."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "deploy" / "install-student-side.sh"
NOBODY = 65534

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                                reason="needs root and setpriv to act as another user")


def _as_nobody_can_read(path: Path) -> bool:
    proc = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           "cat", str(path)], capture_output=True)
    return proc.returncode == 0


@pytest.fixture()
def deployment():
    base = Path(tempfile.mkdtemp(prefix="course-deploy-", dir="/tmp"))
    try:
        base.chmod(0o755)
        grader = base / "grader-course"
        grader.mkdir(mode=0o755)
        for rel in ("deploy", "course", "exercises", "README.md", "pyproject.toml", "Makefile"):
            src = REPO / rel
            (shutil.copytree(src, grader / rel, ignore=shutil.ignore_patterns("__pycache__"))
             if src.is_dir() else shutil.copy2(src, grader / rel))
        shutil.copytree(REPO / "solutions" / "ex01_convolution_1d", grader / "solutions" / "ex01_convolution_1d")
        (grader / "tests").mkdir()
        (grader / "tests" / "test_answers.py").write_text("CORRECT = 'def convolve1d(...)'\n")
        (grader / ".grader").mkdir()
        (grader / ".grader" / "secret").write_bytes(os.urandom(32))
        (grader / "gradebook.db").write_bytes(b"SQLite format 3\x00")
        for path in grader.rglob("*"):  # as a careless `chmod -R a+rX` would leave it
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield base, grader
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_before_the_install_nobody_can_read_everything(deployment) -> None:
    # the control: without the deployment step, these checks would fail
    _, grader = deployment
    assert _as_nobody_can_read(grader / "solutions" / "ex01_convolution_1d" / "ex01_convolution_1d.ipynb")
    assert _as_nobody_can_read(grader / ".grader" / "secret")


def test_student_accounts_read_the_student_side_only(deployment) -> None:
    base, grader = deployment
    dest = base / "opt-course"
    env = dict(os.environ, SKIP_VENV="1")
    subprocess.run(["bash", str(SCRIPT), str(grader), str(dest)], check=True, env=env, capture_output=True)

    release = dest / "exercises" / "ex01_convolution_1d" / "ex01_convolution_1d.ipynb"
    assert _as_nobody_can_read(release)
    assert _as_nobody_can_read(dest / "course" / "convolution.py")
    # deploy/ is installed too (the hub's config and the users' server command): no secret in it
    assert _as_nobody_can_read(dest / "deploy" / "jupyterhub_config.py")
    for absent in ("solutions", "tests", ".grader", "gradebook.db"):
        assert not (dest / absent).exists(), absent
    for secret in (grader / "solutions" / "ex01_convolution_1d" / "ex01_convolution_1d.ipynb",
                   grader / ".grader" / "secret", grader / "gradebook.db", grader / "tests" / "test_answers.py"):
        assert not _as_nobody_can_read(secret), secret
