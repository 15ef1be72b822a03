"""The project's set-up files agree with each other and with the README."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _conda_pip_pins() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_lists = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_lists) == 1, "environment.yml must have exactly one pip: section"
    return [p for p in pip_lists[0] if not p.startswith("-e")]


def test_environment_yml_lists_the_same_pins_as_pyproject() -> None:
    assert sorted(_conda_pip_pins()) == sorted(_pyproject()["project"]["dependencies"])


def test_every_dependency_is_pinned_exactly() -> None:
    for dep in _pyproject()["project"]["dependencies"]:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9.+\-]*", dep), f"{dep!r} is not an exact pin"


def test_torch_is_the_cpu_friendly_pin() -> None:
    # torch==2.13.0 is the release whose CPU build lies on the machines; a range or a bare name
    # pulls a multi-GB CUDA build on a CPU-only machine.
    assert "torch==2.13.0" in _pyproject()["project"]["dependencies"]


def test_python_version_floor_and_console_script() -> None:
    project = _pyproject()["project"]
    assert project["requires-python"] == ">=3.10"
    assert project["scripts"]["course"] == "course.cli:main"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert re.search(r"^exec make test\b", ci, re.M), ".ci/run must call the README's `make test`"


def test_makefile_puts_the_venv_first_on_path() -> None:
    # nbgrader shells out to `alembic` by name: recipes must find .venv/bin first.
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"^export PATH := \$\(BIN\):\$\(PATH\)", make, re.M)


def test_make_lab_adds_allow_root_only_as_root_and_honours_port() -> None:
    out = subprocess.run(
        ["make", "-n", "lab", "PORT=9999", "LAB_ARGS=--foo", f"STAMP={ROOT / 'pyproject.toml'}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    line = next(line for line in out.splitlines() if "jupyter lab" in line)
    assert "--port=9999" in line and line.rstrip().endswith("--foo")
    import os

    assert ("--allow-root" in line) == (os.geteuid() == 0)


def test_gitignore_keeps_run_time_output_out_of_git() -> None:
    ignored = (ROOT / ".gitignore").read_text().split()
    for entry in [".venv/", "submitted/", "autograded/", "feedback/", "gradebook.db"]:
        assert entry in ignored
