"""Red team: hostile code run in a real sandboxed kernel must fail AND leave no trace on the host.

Each test starts from the host (the grader's side), runs an attack in a kernel started through
``SandboxKernelManager`` (jupyter_client directly, no nbgrader), and checks both what the kernel
saw and what the host still has. One kernel serves the module; the tests that end a kernel start
their own. See ``course/grading/sandbox/__init__.py`` for what each attack runs into.
"""

from __future__ import annotations

import asyncio
import ctypes
import http.server
import json
import os
import shutil
import socket
import stat
import struct
import subprocess
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from course.grading.sandbox import SANDBOX_UID, SandboxKernelManager, sandbox_problem

REPO = Path(__file__).resolve().parents[1]
TMP_MB = 16
PROCESSES = 48
COURSE_MODULES = ["course/__init__.py", "course/_lazy.py", "course/grading/__init__.py"]
HIDDEN = ["_xxsubinterpreters", "_testcapi"]  # (ctypes stays here: these tests use it to try syscalls)
NOT_MOUNTED = ["scipy", "scipy.signal", "torch", "PIL", "matplotlib", "keras", "sympy"]

pytestmark = pytest.mark.skipif(sandbox_problem() is not None, reason=f"no sandbox here: {sandbox_problem()}")


class Kernel:
    """A sandboxed kernel in a fresh scratch folder, driven synchronously from the test."""

    def __init__(self, **traits: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.scratch = tempfile.mkdtemp(prefix="rt-")
        self.km = SandboxKernelManager(**traits)
        self._wait(self.km.start_kernel(cwd=self.scratch, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.kc = self.km.client()
        self.kc.start_channels()
        self._wait(self.kc.wait_for_ready(timeout=60))

    def _wait(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def run(self, code: str, prelude: str = "", timeout: float = 60) -> Any:
        """Run ``prelude`` then ``code`` (which sets ``result``) in the kernel; return ``result``
        via JSON."""
        out: list[str] = []
        errors: list[str] = []

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                errors.append("\n".join(msg["content"]["traceback"]))

        code = prelude + textwrap.dedent(code) + "\nimport json as _json\nprint('@@' + _json.dumps(result))\n"
        self._wait(self.kc.execute_interactive(code, output_hook=hook, timeout=timeout))
        assert not errors, errors
        line = [x for x in "".join(out).splitlines() if x.startswith("@@")][-1]
        return json.loads(line[2:])

    def shutdown(self, now: bool = False) -> None:
        self.kc.stop_channels()
        self._wait(self.km.shutdown_kernel(now=now))

    def close(self) -> None:
        if self.km.has_kernel:
            self.shutdown(now=True)
        self.loop.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    k = Kernel(tmp_size_mb=TMP_MB, processes=PROCESSES, course_modules=COURSE_MODULES,
               hidden_modules=HIDDEN, boot_lines=["BOOTED = 41 + 1"])
    yield k
    k.close()


@pytest.fixture(scope="module")
def host_secrets() -> Iterator[dict[str, str]]:
    """Files of the instructor side: outside the scratch folder, readable by root only."""
    folder = Path(tempfile.mkdtemp(prefix="rt-secret-"))
    paths = {"secret": folder / "secret.txt", "gradebook": folder / "gradebook.db"}
    for path in paths.values():
        path.write_text("instructor only")
    yield {k: str(v) for k, v in paths.items()} | {"folder": str(folder)}
    shutil.rmtree(folder)


# --- who the kernel is --------------------------------------------------------------------------
def test_kernel_is_nobody_without_capabilities(kernel: Kernel) -> None:
    seen = kernel.run("""
        import os
        status = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)
        result = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
                  "caps": [status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")],
                  "nnp": status.get("NoNewPrivs", "").strip(), "uid_map": open('/proc/self/uid_map').read().split(),
                  "booted": BOOTED, "cwd": os.getcwd()}
    """)
    assert (seen["uid"], seen["gid"], seen["groups"]) == (SANDBOX_UID, SANDBOX_UID, [])
    assert set(seen["caps"]) == {"0000000000000000"}
    assert seen["booted"] == 42 and seen["cwd"] == os.path.realpath(kernel.scratch)
    if os.geteuid() == 0:  # nobody on the host too, not root in disguise
        assert seen["nnp"] == "1"
        assert [seen["uid_map"][i:i + 3] for i in range(0, len(seen["uid_map"]), 3)] == [
            ["0", "0", "1"], [str(SANDBOX_UID), str(SANDBOX_UID), "1"]]


def test_environment_is_not_the_graders(kernel: Kernel) -> None:
    seen = kernel.run("""
        import os
        try:
            init = open('/proc/1/environ').read()
        except OSError as e:
            init = type(e).__name__
        result = {"env": sorted(os.environ), "init": init}
    """)
    assert "JPY_PARENT_PID" not in seen["env"] and not any("TOKEN" in k or "SECRET" in k for k in seen["env"])
    assert seen["init"] in ("PermissionError", "")


# --- capabilities: file handles, mounts, namespaces, device nodes -------------------------------
LIBC = """
import ctypes, os, struct
libc = ctypes.CDLL(None, use_errno=True)
def call(fn, *args):
    return 0 if fn(*args) == 0 else ctypes.get_errno()
"""


def _file_handle(path: str) -> bytes:
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(8 + 128)
    struct.pack_into("I", buf, 0, 128)
    mount_id = ctypes.c_int()
    assert libc.name_to_handle_at(-100, path.encode(), buf, ctypes.byref(mount_id), 0) == 0
    size = struct.unpack_from("I", buf, 0)[0]
    return buf.raw[:8 + size]


def test_open_by_handle_cannot_reach_host_files(kernel: Kernel, host_secrets: dict[str, str]) -> None:
    handle = _file_handle(host_secrets["secret"]).hex()  # same filesystem as the scratch folder
    seen = kernel.run(prelude=LIBC, code=f"""
        handle = ctypes.create_string_buffer(bytes.fromhex({handle!r}))
        mount_fd = os.open('.', os.O_RDONLY)
        fd = libc.open_by_handle_at(mount_fd, handle, os.O_RDONLY)
        host = ctypes.get_errno() if fd < 0 else os.read(fd, 100).decode()
        own = ctypes.create_string_buffer(8 + 128); struct.pack_into("I", own, 0, 128)
        mid = ctypes.c_int()
        libc.name_to_handle_at(-100, b'/usr/bin/env', own, ctypes.byref(mid), 0)
        usr_fd = os.open('/usr', os.O_RDONLY)
        fd2 = libc.open_by_handle_at(usr_fd, own, os.O_RDONLY)
        result = {{"host": host, "own": ctypes.get_errno() if fd2 < 0 else "opened"}}
    """)
    assert seen == {"host": 1, "own": 1}  # EPERM: needs CAP_DAC_READ_SEARCH on the host
    assert Path(host_secrets["secret"]).read_text() == "instructor only"


def test_mount_and_remount_fail(kernel: Kernel) -> None:
    seen = kernel.run(prelude=LIBC, code="""
        import subprocess, sys
        MS_REMOUNT, MS_BIND, MS_RDONLY, MNT_DETACH = 32, 4096, 1, 2
        cli = subprocess.run(['mount', '-o', 'remount,rw', '/usr'], capture_output=True)
        result = {
            "remount_rw": call(libc.mount, b'none', b'/usr', None, MS_REMOUNT | MS_BIND, None),
            "tmpfs": call(libc.mount, b'tmpfs', b'/opt', b'tmpfs', 0, None),
            "umount": call(libc.umount2, b'/usr', MNT_DETACH),
            "cli": cli.returncode,
            # a single-threaded process (unshare(CLONE_NEWUSER) refuses threaded ones with EINVAL)
            "userns": int(subprocess.run([sys.executable, '-c', 'import ctypes; l = ctypes.CDLL(None, use_errno=True); '
                                          'print(ctypes.get_errno() if l.unshare(0x10000000) else 0)'],
                                         capture_output=True, text=True).stdout),
            "mountns": call(libc.unshare, 0x00020000),
        }
        try:
            open('/usr/redteam', 'w')
            result["usr_write"] = "written"
        except OSError as e:
            result["usr_write"] = e.errno
    """)
    assert seen["remount_rw"] == seen["tmpfs"] == seen["umount"] == seen["mountns"] == 1  # EPERM
    assert seen["userns"] in (1, 28) and seen["cli"] != 0  # no nested user namespace (EPERM/ENOSPC)
    assert seen["usr_write"] == 30  # EROFS
    assert not Path("/usr/redteam").exists()


def test_host_device_nodes_keep_their_mode(kernel: Kernel) -> None:
    before = os.stat("/dev/null").st_mode
    seen = kernel.run("""
        import os
        try:
            os.chmod('/dev/null', 0o600)
            result = "changed"
        except OSError as e:
            result = e.errno
    """)
    assert seen == 1 and os.stat("/dev/null").st_mode == before


# --- network ------------------------------------------------------------------------------------
@pytest.fixture()
def host_server() -> Iterator[tuple[int, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


def test_no_network_not_even_the_hosts_localhost(kernel: Kernel, host_server: tuple[int, list[str]]) -> None:
    port, hits = host_server
    abstract = f"\0course-redteam-{uuid.uuid4().hex}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(abstract)
    listener.listen()
    try:
        seen = kernel.run(f"""
            import socket, urllib.request
            def attempt(family, address):
                s = socket.socket(family, socket.SOCK_STREAM)
                s.settimeout(3)
                try:
                    s.connect(address)
                    return "connected"
                except OSError as e:
                    return type(e).__name__
                finally:
                    s.close()
            try:
                urllib.request.urlopen('http://127.0.0.1:{port}/stolen', timeout=3)
                http = "fetched"
            except OSError as e:
                http = type(e).__name__
            result = {{"localhost": attempt(socket.AF_INET, ('127.0.0.1', {port})), "http": http,
                      "outside": attempt(socket.AF_INET, ('1.1.1.1', 53)),
                      "v6": attempt(socket.AF_INET6, ('::1', {port})),
                      "abstract": attempt(socket.AF_UNIX, {abstract!r}),
                      "interfaces": [name for _, name in socket.if_nameindex()]}}
        """)
    finally:
        listener.close()
    assert seen["localhost"] == "ConnectionRefusedError" and seen["http"] == "URLError"
    assert seen["outside"] == "OSError" and seen["v6"] in ("ConnectionRefusedError", "OSError")
    assert seen["abstract"] == "ConnectionRefusedError" and seen["interfaces"] == ["lo"]
    assert hits == []


# --- files --------------------------------------------------------------------------------------
def test_host_files_are_invisible(kernel: Kernel, host_secrets: dict[str, str]) -> None:
    paths = [host_secrets["secret"], host_secrets["gradebook"], host_secrets["folder"],
             str(REPO / "solutions"), str(REPO / "course" / "convolution.py"), str(REPO / "nbgrader_config.py"),
             str(REPO / "gradebook.db"), "/root/.bashrc", "/home", "/etc/shadow", "/var", "/srv", "/run"]
    seen = kernel.run(f"""
        import os
        result = {{"exists": [p for p in {paths!r} if os.path.lexists(p)], "root": sorted(os.listdir('/')),
                  "repo": sorted(os.listdir({str(REPO)!r})) if os.path.isdir({str(REPO)!r}) else None}}
    """)
    assert seen["exists"] == []
    assert set(seen["root"]) <= {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "opt", "proc", "sbin",
                                 "tmp", "usr", *(p.split("/")[1] for p in _mounted_tops())}
    assert seen["repo"] in (None, [".venv"], [])


def _mounted_tops() -> list[str]:
    from course.grading.sandbox.command import python_roots

    return list(python_roots())


def test_writes_outside_scratch_and_tmp_fail(kernel: Kernel) -> None:
    import sys

    targets = ["/", "/usr", "/etc", "/opt/course/lib/course", "/dev", "/dev/shm", "/proc", sys.prefix,
               os.path.join(sys.prefix, "lib"), os.path.dirname(sys.prefix), "/var/tmp", "/root"]
    name = f"redteam-{uuid.uuid4().hex}"
    seen = kernel.run(f"""
        import os
        def write(folder):
            try:
                with open(os.path.join(folder, {name!r}), 'w') as f:
                    f.write('x')
                return "written"
            except OSError as e:
                return e.errno
        result = {{f: write(f) for f in {targets!r}}}
        result["scratch"] = write('.')
        result["tmp"] = write('/tmp')
    """)
    assert seen.pop("scratch") == "written" and seen.pop("tmp") == "written"
    assert "written" not in seen.values(), seen
    assert not any(Path(t, name).exists() for t in targets)
    assert (Path(kernel.scratch) / name).exists()  # the scratch folder really is the host folder


def test_symlink_in_scratch_gives_no_access(kernel: Kernel, host_secrets: dict[str, str]) -> None:
    seen = kernel.run(f"""
        import os
        os.symlink({host_secrets['secret']!r}, 'to-secret')
        os.symlink('/', 'to-root')
        try:
            text = open('to-secret').read()
        except OSError as e:
            text = type(e).__name__
        result = {{"text": text, "root": sorted(os.listdir('to-root/tmp'))}}
    """)
    assert seen["text"] == "FileNotFoundError"
    assert not any(n.startswith("rt-secret-") for n in seen["root"])


def test_tmp_is_capped_without_filling_host_memory(kernel: Kernel) -> None:
    shmem_before = _meminfo("Shmem")
    seen = kernel.run(f"""
        import errno
        written, code = 0, None
        try:
            with open('/tmp/fill', 'wb') as f:
                while written < {TMP_MB * 4} << 20:
                    f.write(b'x' * (1 << 20)); f.flush(); written += 1 << 20
        except OSError as e:
            code = e.errno
        os.remove('/tmp/fill')
        big, big_code = 0, None
        try:
            with open('big', 'wb') as f:  # in the scratch folder: one file is capped at file_size_mb
                for _ in range(80):
                    f.write(b'x' * (1 << 20)); f.flush(); big += 1
        except OSError as e:
            big_code = e.errno
        os.remove('big')
        result = {{"written_mb": written >> 20, "errno": code, "big_mb": big, "big_errno": big_code}}
    """)
    assert seen["errno"] == 28 and seen["written_mb"] <= TMP_MB  # ENOSPC at the cap
    assert seen["big_errno"] == 27 and seen["big_mb"] <= 64  # EFBIG
    assert _meminfo("Shmem") - shmem_before < (TMP_MB + 8) << 10


def _meminfo(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def test_memory_is_capped(kernel: Kernel) -> None:
    seen = kernel.run("""
        try:
            block = bytearray(3 << 30)
            result = "allocated"
        except MemoryError:
            result = "MemoryError"
    """)
    assert seen == "MemoryError"


# --- processes ----------------------------------------------------------------------------------
def test_fork_bomb_is_capped(kernel: Kernel) -> None:
    seen = kernel.run("""
        import os, subprocess, threading, time
        pids, fork_errno = [], None
        try:
            for _ in range(300):
                pid = os.fork()
                if pid == 0:
                    time.sleep(30)
                    os._exit(0)
                pids.append(pid)
        except OSError as e:
            fork_errno = e.errno
        for pid in pids:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        threads, thread_error = [], None
        stop = threading.Event()
        try:
            for _ in range(300):
                t = threading.Thread(target=stop.wait)
                t.start()
                threads.append(t)
        except RuntimeError as e:
            thread_error = str(e)
        stop.set()
        for t in threads:
            t.join()
        result = {"forked": len(pids), "errno": fork_errno, "threads": len(threads), "thread_error": thread_error}
    """)
    assert seen["errno"] == 11 and 0 < seen["forked"] < PROCESSES  # EAGAIN
    assert seen["thread_error"] and seen["threads"] < PROCESSES
    assert kernel.run("result = 'alive'") == "alive"


@pytest.mark.parametrize("how", ["shutdown_request", "sigkill"])
def test_nothing_outlives_the_kernel(how: str, host_secrets: dict[str, str]) -> None:
    marker = f"course-redteam-{uuid.uuid4().hex}"
    k = Kernel()
    try:
        k.run(f"""
            import os, subprocess, sys
            sleeper = [sys.executable, '-c', 'import time; time.sleep(600)']
            subprocess.Popen(sleeper + [{marker!r} + '-session'], start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            child = os.fork()
            if child == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv(sys.executable, sleeper + [{marker!r} + '-double'])
                os._exit(0)
            os.waitpid(child, 0)
            # plant links where the grader cleans up after the kernel
            os.remove('.kernel.json')
            os.symlink({host_secrets['secret']!r}, '.kernel.json')
            result = None
        """)
        assert _wait_for(lambda: len(_processes_with(marker)) == 2), _processes_with(marker)
        if how == "sigkill":
            os.kill(k.km.provisioner.process.pid, 9)  # the grader's job timeout kills bubblewrap
        k.shutdown(now=how == "sigkill")
        assert _wait_for(lambda: not _processes_with(marker)), _processes_with(marker)
        assert Path(host_secrets["secret"]).read_text() == "instructor only"
    finally:
        k.close()


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _wait_for(condition: Any, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# --- what Python can import ---------------------------------------------------------------------
def test_only_the_listed_course_files_import(kernel: Kernel) -> None:
    seen = kernel.run(f"""
        import importlib, sys
        def attempt(name):
            try:
                importlib.import_module(name)
                return "imported"
            except ImportError as e:
                return type(e).__name__
        result = {{n: attempt(n) for n in ["course", "course._lazy", "course.grading", "course.convolution",
                                          "course.grading.checks", "course.grading.exercises", "numpy", "IPython",
                                          "ctypes", *{HIDDEN!r}, *{NOT_MOUNTED!r}]}}
        import course
        result["course_file"] = course.__file__
        result["course_path"] = list(course.__path__)
        result["first_path"] = [p for p in sys.path if p][0:2]
    """)
    assert seen.pop("course_file") == "/opt/course/lib/course/__init__.py"
    assert seen.pop("course_path") == ["/opt/course/lib/course"]
    assert "/opt/course/lib" in seen.pop("first_path")
    assert seen == {"course": "imported", "course._lazy": "imported", "course.grading": "imported",
                    "course.convolution": "ModuleNotFoundError", "course.grading.checks": "ModuleNotFoundError",
                    "course.grading.exercises": "ModuleNotFoundError", "numpy": "imported", "IPython": "imported",
                    "ctypes": "imported", **{name: "ImportError" for name in HIDDEN},
                    **{name: "ModuleNotFoundError" for name in NOT_MOUNTED}}


WHOLE_JOB_PACKAGES = ("scipy", "sympy", "PIL", "matplotlib", "torch")


def _candidate_package_folders() -> str:
    """Code listing every folder, inside the kernel, where a Python package could lie on disk."""
    return """
        import glob, os, sys, sysconfig
        roots = {sys.base_prefix, sys.prefix, "/usr", "/usr/local"}
        folders = {p for p in sys.path if p and os.path.isdir(p)}
        folders |= set(sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix}).values())
        for root in roots:
            folders |= set(glob.glob(root + "/lib*/python3*/*-packages")) | set(glob.glob(root + "/lib*/python3/*-packages"))
        folders = sorted(f for f in folders if os.path.isdir(f))
    """


def test_no_folder_on_disk_holds_a_package_outside_the_allow_list(kernel: Kernel) -> None:
    """The base interpreter's site-packages and the system Pythons' dist-packages are covered
    too (the sandbox mounts the base installation and /usr whole): with no stand-in finder at
    all, nothing of SciPy, SymPy, Pillow... is on disk for the kernel, wherever it looks."""
    from course.grading.sandbox.site_view import foreign_site_dirs

    on_host = [d for d in foreign_site_dirs() if set(os.listdir(d)) & set(WHOLE_JOB_PACKAGES)]
    assert on_host, "no foreign site folder on this host holds one of the packages: the test would prove nothing"
    seen = kernel.run(_candidate_package_folders() + f"""
        result = {{"folders": folders, "found": sorted(os.path.join(f, n) for f in folders for n in os.listdir(f)
                                                      if n in {WHOLE_JOB_PACKAGES!r})}}
    """)
    assert set(on_host) <= set(seen["folders"]), seen["folders"]
    assert seen["found"] == [], seen["found"]


def test_hidden_and_real_course_files_cannot_be_read_directly(kernel: Kernel) -> None:
    from course.grading.sandbox.site_view import entries, site_dirs

    site = site_dirs()[0]
    seen = kernel.run(f"""
        import os, glob
        result = {{"site": sorted(os.listdir({site!r})),
                  "editable": [p for p in glob.glob(os.path.join(os.path.dirname(os.__file__), '..', '**',
                               '__editable__*'), recursive=True) if os.path.getsize(p)],
                  "staged": sorted(os.path.relpath(os.path.join(d, f), '/opt/course/lib')
                                   for d, _, fs in os.walk('/opt/course/lib') for f in fs)}}
    """)
    # only the allowed distributions (ipykernel, numpy and what they require) are in site-packages
    assert seen["site"] == sorted(os.path.basename(e) for e in entries(("ipykernel", "numpy")))
    assert not {"scipy", "torch", "PIL", "matplotlib", "keras", "sympy"} & set(seen["site"])
    assert seen["editable"] == []
    assert seen["staged"] == sorted(COURSE_MODULES)
