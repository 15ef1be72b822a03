"""The grading kernel's sandbox: ipykernel under bubblewrap, as an unprivileged user with limits.

This is the kernel side of the trust boundary; ``ARCHITECTURE.md`` ("Trust boundary") draws the
whole picture. :class:`SandboxKernelManager` is the ``kernel_manager_class`` of nbclient/nbgrader;
:func:`sandbox_problem` says whether the sandbox can run on this machine (``course autograde``
refuses to grade unsandboxed unless told ``--no-sandbox``, which sets ``mode = "none"``).

What the kernel sees
    ``/usr`` (and the ``/bin``, ``/lib*`` links into it), a handful of ``/etc`` files (the dynamic
    linker's cache, time zone, fonts; a two-line ``passwd`` and ``group``), the Python
    installation and the virtual environment with each site-packages folder emptied and only the
    allowed ``distributions`` (and what they require) bound back (``site_view.py``), all read-only; the ``course`` files listed in
    ``course_modules`` (copies, read-only, first on ``sys.path`` at ``/opt/course/lib``); its own
    ``/proc`` and a minimal ``/dev``; a ``/tmp`` in memory capped at ``tmp_size_mb``; and one
    writable folder, the scratch folder it starts in (its ``cwd``, where its connection file and
    Unix sockets also live). Not the repository, not ``solutions/``, not the gradebook, not other
    students' folders, not ``/root`` or ``/home``, not the rest of the real ``course`` package:
    the editable-install hook that would map ``course`` to the repository is covered, so
    ``import course.convolution`` raises ``ModuleNotFoundError``. Modules in ``hidden_modules``
    (``_ctypes``, ``_xxsubinterpreters``...) are covered by a stub that cannot be loaded.

What it cannot do, and which flag sees to it (command line built in ``command.py``)
    - be anyone but ``nobody``: uid/gid 65534 with no capabilities and ``no_new_privs``. When the
      grader runs as root, the kernel is also ``nobody`` on the host (``userns.py`` says why:
      a sandbox user mapped to host root escapes ``RLIMIT_NPROC`` and owns root's files), via
      ``--userns FD`` and ``setpriv --reuid/--regid --clear-groups --bounding-set=-all
      --no-new-privs``; otherwise ``--unshare-user --uid 65534 --gid 65534 --cap-drop ALL``.
      Without capabilities, ``mount``/``remount``, ``open_by_handle_at`` and ``chmod`` of host
      device nodes fail.
    - make a user namespace of its own (which would give it capabilities again):
      ``--disable-userns``, or ``user.max_user_namespaces = 0`` in the namespace it joined.
    - reach any network, the host's ``127.0.0.1`` included: ``--unshare-net`` (only a loopback
      of its own). It talks to the grader over Unix sockets in the scratch folder
      (jupyter_client's ``transport="ipc"``).
    - see or signal host processes: ``--unshare-pid`` (own ``/proc``), ``--unshare-ipc``,
      ``--unshare-uts``, ``--unshare-cgroup-try``; ``--new-session`` (no terminal to inject
      into). Nothing outlives it: ``--die-with-parent`` kills it with the grader, and when the
      kernel exits, bubblewrap's init (pid 1 of the namespace) exits and the kernel takes every
      remaining process (double forks, new sessions) with it.
    - read the grader's environment (secrets, tokens): ``--clearenv`` then ``--setenv`` of a few
      harmless variables (``JPY_PARENT_PID`` is not among them: under ``--unshare-pid``
      ipykernel would see its parent gone and exit).
    - exhaust the host: ``prlimit`` (applied inside, after the user switch, so that it counts
      ``nobody``'s processes of this sandbox only) caps address space (``memory_mb``), file size
      (``file_size_mb``), open files, processes (``processes``; a fork bomb stops there) and
      core dumps; ``/tmp`` is a tmpfs of ``tmp_size_mb`` (writing more gives ``ENOSPC``).
    - write anywhere but the scratch folder and ``/tmp``: everything else is a read-only bind or
      a root-owned directory of bubblewrap's own root.

Known gaps: the scratch folder is on the host's disk (each file is capped, their number is not),
and memory reached without a mapping (``memfd``, SysV shared memory) is bounded by no limit here:
only a memory cgroup would bound it. The kernel start costs about 0.1 s more than an
unsandboxed one (the user namespace helper and the staging folder).
"""

from __future__ import annotations

from course.grading.sandbox.command import COURSE_LIB, SANDBOX_UID, Layout, Limits, kernel_argv
from course.grading.sandbox.manager import SandboxKernelManager
from course.grading.sandbox.probe import sandbox_problem

__all__ = ["COURSE_LIB", "SANDBOX_UID", "Layout", "Limits", "SandboxKernelManager", "kernel_argv",
           "sandbox_problem"]
