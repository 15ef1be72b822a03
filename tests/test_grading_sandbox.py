"""The kernel's command line: limits, then bubblewrap with a throw-away /tmp, then ipykernel."""

from __future__ import annotations

from course.grading.sandbox import Limits, sandbox_argv


def _mount_steps(argv: list[str]) -> list[tuple[str, str]]:
    """(option, target) for each bubblewrap mount, in the order bubblewrap applies them."""
    steps = []
    for i, arg in enumerate(argv):
        if arg in ("--tmpfs", "--proc", "--dev"):
            steps.append((arg, argv[i + 1]))
        elif arg in ("--bind", "--ro-bind", "--ro-bind-try"):
            steps.append((arg, argv[i + 2]))
    return steps


def test_binds_are_not_hidden_by_the_throw_away_tmp(tmp_path) -> None:
    # A CI clone may live under /tmp: the venv, the course package and the student's folder must
    # be mounted after the tmpfs on /tmp, or the kernel cannot even start Python.
    steps = _mount_steps(sandbox_argv(str(tmp_path), Limits()))
    tmpfs = steps.index(("--tmpfs", "/tmp"))
    binds = [i for i, (opt, _) in enumerate(steps) if "bind" in opt]
    assert binds and all(i > tmpfs for i in binds), steps


def test_student_folder_is_the_only_writable_bind_and_limits_come_first(tmp_path) -> None:
    argv = sandbox_argv(str(tmp_path), Limits(memory_mb=512))
    assert argv[0].endswith("prlimit") and f"--as={512 * 1024 * 1024}" in argv
    writable = [argv[i + 2] for i, arg in enumerate(argv) if arg == "--bind"]
    assert writable == [str(tmp_path.resolve())]
    assert argv[argv.index("--chdir") + 1] == str(tmp_path.resolve())
