"""Kernel side of a graded run: the boot that takes the shortcuts away, and the graded call.

``ARCHITECTURE.md`` ("Trust boundary") draws the whole picture. The grader starts the kernel with
:func:`boot` in its ``exec_lines`` (``course/grading/inject.py``: :func:`~course.grading.inject.boot_line`),
and ``course validate`` runs the same boot in the student's own kernel, so that a student meets
the same rules before submitting.

:func:`boot` (once, before any student code):
    1. imports what a legitimate answer may use (``preload``: NumPy and its sub-packages; every
       built-in module; the standard library's extension modules of :data:`STDLIB_EXTENSIONS`),
       so that ordinary imports keep working once native loading is gone;
    2. makes the whole-job functions of the assignment (``absent``: NumPy's ``correlate`` /
       ``correlate2``, behind ``np.convolve``, ``np.correlate``, ``np.polymul``,
       ``np.ma.convolve``, ``numpy.polynomial``) and every way to start a process
       (:data:`SPAWN_FUNCTIONS`) *absent*: each is replaced, wherever a reference to it is held
       (module namespaces, the interpreter's copies of extension modules' namespaces, any other
       dict, list or cell), by a function that raises a clear error; then :func:`_erase` proves
       from the reference count that no copy is left and lets the original go;
    3. erases the interpreter's loaders of native code (:data:`LOADERS`: ``_imp.create_dynamic``,
       ``create_builtin`` and their ``exec_*``; each is replaced by a function that raises
       ``ImportError``, so ``try: import X except ImportError`` still works): no extension or
       built-in module can be created
       any more, by ``import``, ``importlib.reload``, a fresh ``ExtensionFileLoader`` or a
       ``sys.modules`` trick, so the originals can never come back (``ctypes`` and
       ``_xxsubinterpreters`` are not loadable: the sandbox covers them, and :func:`boot`
       refuses to finish if one was loaded; ex06 keeps ``ctypes``, which PyTorch loads with);
    4. installs stand-ins for the packages the assignment's kernel does not see
       (``course/grading/standins.py``): plotting becomes a no-op, a whole-job library imports
       but raises on use;
    5. makes printed output go out in messages of about a megabyte (:func:`_bounded_messages`);
    6. adds an audit hook that refuses new processes, ``ctypes`` and opening the process's own
       memory. It keeps no state at all: every constant it compares with is a literal of its
       own code, and it looks up no global or builtin name (a cell that patches ``builtins`` or
       this module changes nothing in it).

:func:`run` (one graded call): reads the cases the grader wrote for this call (plain JSON,
``.course-case-<nonce>.json``, deleted once read), calls the student's function on each and
displays one record (mimetype ``RECORD_MIMETYPE``) with the outputs. The record is a claim of
the student's own code and is treated as such: nothing in it is trusted but the outputs, which the
grader compares with its own references on the cases it made. There is no key, no signature
and no expected value anywhere in the kernel.
"""

from __future__ import annotations

import sys
from typing import Any

from course.grading.casefile import CASE_FILE_PREFIX, FORMAT_VERSION, NONCE_RE, RECORD_MIMETYPE, decode_cases, encode_output
from course.grading.standins import NotAvailableWhileGrading, install

ENTRY = "__course_guard__"
"""The builtin name the rewritten test cells call (:func:`run`)."""

NUMPY_CONVOLUTION = ("numpy._core._multiarray_umath:correlate", "numpy._core._multiarray_umath:correlate2")
"""NumPy's C functions behind ``np.convolve``, ``np.correlate``, ``np.polymul``,
``np.ma.convolve`` and ``numpy.polynomial``: the whole job of a convolution exercise."""

SPAWN_FUNCTIONS = ("posix:fork", "posix:forkpty", "posix:vfork", "posix:execv", "posix:execve",
                   "posix:posix_spawn", "posix:posix_spawnp", "posix:system", "_posixsubprocess:fork_exec")
"""Every C function that starts a process or replaces the interpreter (a fresh interpreter would
have the loaders and the originals back)."""

LOADERS = ("_imp:create_dynamic", "_imp:create_builtin", "_imp:exec_dynamic", "_imp:exec_builtin")
"""The interpreter's only ways to create a module from native code."""

STDLIB_EXTENSIONS = (
    "math", "cmath", "_random", "array", "_json", "_bisect", "_heapq", "_struct", "binascii", "zlib",
    "_datetime", "_decimal", "_statistics", "_pickle", "unicodedata", "_csv", "select", "_contextvars",
    "_queue", "_opcode", "_hashlib", "_sha1", "_sha256", "_sha512", "_sha3", "_md5", "_blake2", "_bz2",
    "_lzma", "_socket", "fcntl", "resource", "termios", "grp", "_uuid", "_zoneinfo", "_typing", "_asyncio",
    "pyexpat", "_elementtree", "_multibytecodec", "_lsprof", "_posixshmem", "_multiprocessing",
)
"""Extension modules of the standard library a notebook may import (``random``, ``json``,
``decimal``, ``statistics``, ``datetime``...); not ``_ctypes``, ``_sqlite3`` (it loads native
extensions) or the interpreter's test and sub-interpreter modules."""

_booted: list[str] = []


def boot(assignment: str = "", preload: tuple[str, ...] = (), absent: tuple[str, ...] = NUMPY_CONVOLUTION,
         stand_ins: dict[str, str] | None = None, never_loaded: tuple[str, ...] = (),
         remove_loaders: bool = True) -> None:
    """Take the shortcuts away (see the module docstring). Runs once, before any student code.

    ``assignment`` names the assignment in messages; ``preload``: modules to import first;
    ``absent``: ``"module:function"`` C functions replaced by ones that raise; ``stand_ins``:
    top-level package -> ``"noop"`` or ``"absent"`` (``course/grading/standins.py``);
    ``never_loaded``: modules the sandbox covers (``_ctypes``, ``_xxsubinterpreters``...): boot
    refuses to finish when one of them is loaded anyway (``course validate`` runs in the
    student's own Python and passes none); ``remove_loaders``: erase the native loaders (``course
    validate`` keeps them: the student's own kernel is no boundary, only the same rules)."""
    if _booted:
        return
    import importlib

    for name in (*sys.builtin_module_names, *STDLIB_EXTENSIONS, *preload):
        try:
            importlib.import_module(name)
        except ImportError:
            if name in preload:
                raise
    where = f" in {assignment}" if assignment else " while grading"
    replacements = {label: _refusal(f"{_public_name(label)} is not available{where}: write the loop yourself")
                    for label in absent}
    replacements.update({label: _refusal(f"starting a process is not allowed{where}") for label in SPAWN_FUNCTIONS})
    replacements.update({label: _native_refusal() for label in (LOADERS if remove_loaders else ())})
    loaded = [name for name in never_loaded if name in sys.modules]
    if loaded:
        raise RuntimeError(f"the grading kernel loaded {', '.join(loaded)}; its sandbox must not mount them")
    if stand_ins:
        install(stand_ins, assignment)
    _erase(replacements)
    _bounded_messages()
    sys.addaudithook(_hook)
    import builtins

    builtins.__dict__[ENTRY] = sys.modules[__name__]
    _booted.append(assignment)


OUTPUT_CHUNK = 1 << 20
"""Printed text is sent at least every this many characters: ipykernel otherwise gathers a fast
loop's prints into one message, which the grader refuses over ``max_record_bytes``."""


def _bounded_messages() -> None:
    """Send ``sys.stdout`` / ``sys.stderr`` at least every :data:`OUTPUT_CHUNK` characters.

    ipykernel's ``OutStream.write`` buffers and asks ``_schedule_flush`` for a send 0.2 s later;
    IPython keeps each cell's bound ``write`` on the instance, so the hook point is that one
    method of the class (the only private name of ipykernel used here): when the buffers hold
    more than a chunk, flush now."""
    for cls in {type(sys.stdout), type(sys.stderr)}:
        schedule = getattr(cls, "_schedule_flush", None)
        if schedule is None:  # not ipykernel's stream (plain Python): nothing gathers the writes
            continue

        def bounded(self: Any, schedule: Any = schedule) -> None:
            buffers = self.__dict__.get("_buffers") or {}
            if sum(buffer.tell() for buffer in list(buffers.values())) > OUTPUT_CHUNK:
                self.flush()
            else:
                schedule(self)

        cls._schedule_flush = bounded


def _public_name(label: str) -> str:
    if label in NUMPY_CONVOLUTION:
        return "numpy's convolution (np.convolve, np.correlate, np.polymul, numpy.polynomial)"
    module, _, attr = label.partition(":")
    return f"{module}.{attr}"


def _refusal(message: str) -> Any:
    def not_available(*args: Any, **kwargs: Any) -> Any:
        raise NotAvailableWhileGrading(message)

    not_available.__qualname__ = not_available.__name__ = "not_available"
    return not_available


def _native_refusal() -> Any:
    """A native loader's replacement: raises ``ImportError``, as a missing module does, so that
    ``try: import X except ImportError`` and IPython's extensions (``%load_ext autoreload``)
    keep working; it calls nothing and holds nothing."""
    def not_loadable(*args: Any, **kwargs: Any) -> Any:
        raise ImportError("native code cannot be loaded while grading")

    not_loadable.__qualname__ = not_loadable.__name__ = "not_loadable"
    return not_loadable


def _erase(replacements: dict[str, Any]) -> None:
    """Replace each C function ``label`` ("module:name") of ``replacements`` by its replacement
    (``None``: remove it) in every dict, list, set and cell that refers to it (one walk of the
    objects the garbage collector knows), then check that nothing else does: each original's
    reference count must be exactly this frame's. The originals are freed on return."""
    import gc

    originals: dict[int, Any] = {}
    swap: dict[int, Any] = {}
    for label, replacement in replacements.items():
        module = sys.modules.get(label.partition(":")[0])
        original = module.__dict__.get(label.partition(":")[2]) if module is not None else None
        if original is not None:
            originals[id(original)] = original
            swap[id(original)] = replacement
    original = holder = None  # (plain loops: a comprehension would hold the originals in cells)
    for holder in gc.get_referrers(*originals.values()):
        if holder is originals:
            continue
        if type(holder) is dict:
            for key in list(holder):
                if id(holder[key]) in originals and holder[key] is originals[id(holder[key])]:
                    if swap[id(holder[key])] is None:
                        del holder[key]
                    else:
                        holder[key] = swap[id(holder[key])]
        elif type(holder) is list:
            for index in range(len(holder) - 1, -1, -1):
                if id(holder[index]) in originals and holder[index] is originals[id(holder[index])]:
                    if swap[id(holder[index])] is None:
                        del holder[index]
                    else:
                        holder[index] = swap[id(holder[index])]
        elif type(holder) is set:  # os.supports_fd and the like
            for original in list(holder):
                if id(original) in originals and original is originals[id(original)]:
                    holder.discard(original)
                    if swap[id(original)] is not None:
                        holder.add(swap[id(original)])
        elif type(holder).__name__ == "cell" and id(holder.cell_contents) in originals:
            holder.cell_contents = swap[id(holder.cell_contents)]
    original = holder = None
    for key in originals:
        count = sys.getrefcount(originals[key]) - 2  # the dict's and the argument's
        if count:
            raise RuntimeError(f"{originals[key]!r} is still referenced {count} time(s); it cannot be made absent")
    originals.clear()


def _hook(event: str, args: tuple) -> None:
    """Refuse new processes, ``ctypes`` and the process's own memory. Stateless: only literals
    and the arguments' own methods (no global or builtin name is looked up)."""
    if event in {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
                 "subprocess.Popen", "pty.spawn", "sys.addaudithook"} or event.startswith("ctypes."):
        raise PermissionError(f"{event} is not allowed in the grading kernel")
    if event == "open" and args and args[0].__class__ is "".__class__ and args[0].startswith("/proc/") \
            and args[0].endswith(("/mem", "/pagemap")):
        raise PermissionError("the process's memory is not readable in the grading kernel")


def run(check_id: str, fn: Any, nonce: str) -> None:
    """One graded call: ``fn`` on the cases of ``nonce``; displays one record of the outputs."""
    import json
    import os

    from IPython.display import publish_display_data

    outputs: list[dict[str, Any]] = []
    try:
        if not NONCE_RE.match(nonce):
            raise ValueError("not a graded call")
        path = f"{CASE_FILE_PREFIX}{nonce}.json"
        with open(path, "rb") as fh:
            data = fh.read()
        os.unlink(path)
        if not callable(fn):
            raise TypeError(f"the graded function must be a function, got {type(fn).__name__}")
        for args, kwargs in decode_cases(data):
            try:
                outputs.append({"ok": True, "value": encode_output(fn(*args, **kwargs))})
            except BaseException as exc:  # the student's bug, reported per case
                outputs.append({"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
    except BaseException as exc:
        outputs = [{"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}]
    text = json.dumps(outputs, separators=(",", ":"))
    payload = {"version": FORMAT_VERSION, "check": check_id, "nonce": nonce, "outputs": text}
    n_ok = sum(1 for o in outputs if o.get("ok"))
    publish_display_data({RECORD_MIMETYPE: payload,
                          "text/plain": f"ran {len(outputs)} cases of {check_id} ({n_ok} returned a value)"})
