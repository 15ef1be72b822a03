"""Kernel side of a graded run: installed before any student code, it runs each graded call on
the cases the grader sent and signs what it saw (``ARCHITECTURE.md``, "Trust boundary").

The grader starts the kernel with :func:`boot` in its ``exec_lines`` and a key file in its
folder, and rewrites each ``record("id", fn)`` of a test cell into
``__course_guard__.run("id", fn, "<nonce>", watch)``, with the call's cases sealed in
``.course-case-<nonce>.json`` (``course/grading/inject.py``).

:func:`boot`
    1. reads and deletes the key file, imports the ``preload`` modules;
    2. imports NumPy and puts a sentinel in place of its whole-job C functions (``correlate``,
       ``correlate2``) in every loaded module: the originals are kept only by the audit hook;
    3. installs an audit hook (it cannot be removed) that keeps, in its closure and nowhere else,
       the key, the originals and the state of the graded call. From then on it refuses, with
       ``PermissionError``: new processes (``fork``, ``exec``, ``subprocess``, ``os.system``),
       ``ctypes``, ``gc``'s object walks, ``sys.setprofile`` / ``sys.settrace``, new audit hooks,
       replacing a function's code, ``/proc/*/mem`` and loading an extension module a second time;
    4. publishes this module as the builtin ``__course_guard__``.

:func:`run` (a graded call)
    *begin*: the hook, only when called from :func:`run`'s own code, opens the call's window,
    unseals and deletes its case file and, with ``watch``, installs the profiler: any NumPy /
    SciPy / PyTorch function whose name says it does a whole job (``WHOLE_JOB_NAME``) that runs
    during the call is noted, whatever route led to it (an alias, an attribute walk, a private
    module, pickle); the sentinels note their functions in any thread.
    *calls*: ``fn`` on each case, exceptions caught case by case.
    *end*: the hook checks that the profiler and sentinels are still its own, closes the window
    and signs (nonce, check, outputs, functions seen, intact) with the key.
    One display output with mimetype ``RECORD_MIMETYPE`` carries the record; the grader checks
    the signature, the nonce, the cell and that each call has exactly one record.

Known limits: threads started with ``_thread`` directly run without the profiler (the sentinels
still note NumPy's whole-job functions there); Python 3.11 raises no audit event for threads.
"""

from __future__ import annotations

import builtins
import re
import sys
from typing import Any

from course.grading.casefile import (CASE_FILE_PREFIX, KEY_BYTES, KEY_FILE, NONCE_RE, RECORD_MIMETYPE,
                                     FORMAT_VERSION, decode_cases, encode_output)

ENTRY = "__course_guard__"
"""The builtin name the rewritten test cells call."""

WHOLE_JOB_NAME = r"conv(?!ert|ers|ex|en)|correl|pool[0-9]d"
"""Lower-cased function names that do a convolution / correlation / pooling's whole job (the same
words the static scan uses, ``course.grading.checks.WHOLE_JOB_NAME``)."""

LIBRARIES = ("numpy", "scipy", "torch")
SENTINEL_TARGETS = (("numpy._core._multiarray_umath", "correlate"), ("numpy._core._multiarray_umath", "correlate2"))

REFUSED_EVENTS = frozenset({
    "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "subprocess.Popen",
    "pty.spawn", "gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys.settrace",
    "sys.setprofile", "sys._current_frames", "sys._current_exceptions",
})
REFUSED_PREFIXES = ("ctypes.", "winreg.", "_winapi.")
PROC_SECRETS = re.compile(r"^/proc/(self|thread-self|[0-9]+)(/task/[0-9]+)?/(mem|map_files|pagemap)(/|$)")

_booted: list[bool] = []


def boot(preload: tuple[str, ...] = ()) -> None:
    """Install the guard (see the module docstring). Runs once, before any student code.

    ``preload``: modules to import first (``torch`` loads its libraries with ``ctypes``, which
    is refused once the guard is up)."""
    if _booted:
        return
    import _io
    import importlib
    import os

    import numpy  # noqa: F401  (loaded now, so that its C functions can be replaced)

    for name in preload:
        importlib.import_module(name)

    folder = os.getcwd()
    path = f"{folder}/{KEY_FILE}"
    with _io.open(path, "rb") as fh:
        key = fh.read()
    os.unlink(path)
    if len(key) != KEY_BYTES:
        raise RuntimeError("the grading key is malformed")
    originals, sentinels = _install_sentinels()
    profiler = _make_profiler()
    hook = _make_hook(key, folder, originals, [profiler, *sentinels])
    sys.addaudithook(hook)
    builtins.__dict__[ENTRY] = sys.modules[__name__]
    _booted.append(True)


def _namespaces() -> list[dict[str, Any]]:
    """The ``__dict__`` of every loaded module, read without running any module's ``__getattr__``."""
    found = []
    for module in list(sys.modules.values()):
        try:
            namespace = object.__getattribute__(module, "__dict__")
        except Exception:
            continue
        if isinstance(namespace, dict):
            found.append(namespace)
    return found


def _loaded_extensions() -> frozenset[str]:
    found = set()
    for namespace in _namespaces():
        f = namespace.get("__file__")
        if isinstance(f, str) and f.endswith((".so", ".pyd")):
            found.add(f)
    return frozenset(found)


def _install_sentinels() -> tuple[dict[str, Any], list[Any]]:
    """Replace NumPy's whole-job C functions by sentinels in every loaded module; return the
    originals (label -> function), which only the audit hook keeps, and the sentinels."""
    originals: dict[str, Any] = {}
    replacements: dict[int, Any] = {}
    for module_name, attr in SENTINEL_TARGETS:
        module = sys.modules.get(module_name)
        fn = module.__dict__.get(attr) if module is not None else None
        if fn is None:
            continue
        label = f"{module_name}.{attr}"
        originals[label] = fn
        replacements[id(fn)] = _make_sentinel(label)
    for namespace in _namespaces():
        for name, value in list(namespace.items()):
            sentinel = replacements.get(id(value))
            if sentinel is not None and any(value is o for o in originals.values()):
                namespace[name] = sentinel
    return originals, list(replacements.values())


def _make_sentinel(label: str) -> Any:
    audit = sys.audit

    def sentinel(*args: Any, **kwargs: Any) -> Any:
        box: list[Any] = []
        audit("course.guard.call", label, args, kwargs, box)
        return box[0]

    sentinel.__name__ = label.rsplit(".", 1)[1]
    sentinel.__qualname__ = sentinel.__name__
    return sentinel


def _library_roots() -> tuple[tuple[str, str], ...]:
    """(folder with a final "/", package name) of each library whose functions the profiler watches."""
    import importlib.util

    roots = []
    for name in LIBRARIES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        for location in (spec.submodule_search_locations or []) if spec else []:
            roots.append((str(location).rstrip("/") + "/", name))
    return tuple(roots)


def _make_profiler() -> Any:
    """The profile function of a watched call; it holds only immutable things (no state a cell
    could change) and reports through a captured ``sys.audit``."""
    audit = sys.audit
    named_roots = _library_roots()
    roots = tuple(r for r, _ in named_roots)
    search = re.compile(WHOLE_JOB_NAME).search
    libraries = LIBRARIES
    get = getattr
    is_str = str

    def profiler(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            code = frame.f_code
            filename = code.co_filename
            if filename.startswith(roots) and search(code.co_name.lower()):
                for root, package in named_roots:  # a dotted name: numpy._core.numeric.convolve
                    if filename.startswith(root):
                        module = filename[len(root):].rsplit(".", 1)[0].replace("/", ".")
                        audit("course.guard.hit", f"{package}.{module}.{code.co_name}".replace(".__init__", ""))
        elif event == "c_call":
            module = get(arg, "__module__", None)
            name = get(arg, "__name__", None)
            if type(module) is is_str and type(name) is is_str and module.split(".")[0] in libraries \
                    and search(name.lower()):
                audit("course.guard.hit", f"{module}.{name}")

    return profiler


def _make_hook(key: bytes, folder: str, originals: dict[str, Any], guarded: list[Any]) -> Any:
    """The audit hook. Everything it relies on is captured here, at boot: C functions, builtins
    and immutable values (a cell that patches a module or ``builtins`` later changes nothing
    here). Its state lives in its closure, which nothing a cell can reach refers to. It never runs
    a cell's code while it decides (identity checks only), and calls an original whole-job
    function only after it has finished deciding."""
    import _hashlib
    import _io
    import _thread
    import posix

    getframe, setprofile, getprofile = sys._getframe, sys.setprofile, sys.getprofile
    get_ident, unlink, io_open = _thread.get_ident, posix.unlink, _io.open
    shake, sha256, hmac_digest, same_digest = (_hashlib.openssl_shake_256, _hashlib.openssl_sha256,
                                               _hashlib.hmac_digest, _hashlib.compare_digest)
    from_bytes = int.from_bytes
    _len, _type, _sorted, _set, _tuple, _zip, _str, _list, _dict, _bool = (
        len, type, sorted, set, tuple, zip, str, list, dict, bool)
    is_nonce = NONCE_RE.match
    profiler = guarded[0]  # then the sentinels
    run_code, profiler_code = run.__code__, profiler.__code__
    sentinel_code = _make_sentinel("x.y").__code__

    def parts(fn: Any) -> tuple[Any, ...]:  # what must not change in a guarded function
        closure = fn.__closure__
        cells = _tuple([c.cell_contents for c in closure]) if closure is not None else ()
        return (fn.__code__, fn.__defaults__, fn.__kwdefaults__, closure) + cells

    snapshots = tuple((fn, parts(fn)) for fn in guarded)
    extensions = _loaded_extensions()
    refused, refused_prefixes, proc_secrets = REFUSED_EVENTS, REFUSED_PREFIXES, PROC_SECRETS.match
    busy: set[int] = set()
    window: dict[str, Any] = {}  # the graded call in progress: nonce, hits, watch
    case_prefix = f"{folder}/{CASE_FILE_PREFIX}"

    def intact() -> bool:
        for fn, before in snapshots:
            now = parts(fn)
            if _len(now) != _len(before):
                return False
            for a, b in _zip(now, before):
                if a is not b:
                    return False
        return True

    def caller_is(code: Any) -> bool:  # frames: caller_is, handler, hook, the frame that raised
        try:
            return getframe(3).f_code is code
        except ValueError:
            return False

    # unseal and sign are casefile.unseal and casefile.record_message/record_mac written again with
    # the captured C functions (casefile's module globals are a cell's to patch); the grader uses
    # casefile's, and tests/test_grading_guard.py checks that the two agree.
    def unseal(nonce: str, blob: bytes) -> bytes:
        tag, body = blob[:32], blob[32:]
        n = _len(body)
        expected = hmac_digest(key, b"tag\0" + nonce.encode("ascii") + b"\0" + body, "sha256")
        if not same_digest(tag, expected):
            raise PermissionError("the case file was changed or belongs to another kernel")
        stream = shake(key + b"\0cases\0" + nonce.encode("ascii")).digest(n)
        return (from_bytes(body, "little") ^ from_bytes(stream, "little")).to_bytes(n, "little")

    def sign(nonce: str, check_id: str, outputs_text: str, hits: tuple, ok: bool) -> str:
        digest = sha256(outputs_text.encode("utf-8")).hexdigest()
        joined = "|".join(hits)
        message = f"{nonce}\n{check_id}\n{digest}\n{joined}\n{1 if ok else 0}".encode("utf-8")
        return hmac_digest(key, message, "sha256").hex()

    def begin(args: tuple) -> None:
        if _len(args) != 3 or not caller_is(run_code) or window:
            raise PermissionError("a graded call can only be started by the grader")
        nonce, watch, box = args
        if _type(nonce) is not _str or not is_nonce(nonce) or _type(box) is not _list or _type(watch) is not _bool:
            raise PermissionError("a graded call can only be started by the grader")
        path = f"{case_prefix}{nonce}.json"
        with io_open(path, "rb") as fh:
            blob = fh.read()
        unlink(path)
        window.update(nonce=nonce, hits=[], watch=watch)
        box.append(unseal(nonce, blob))
        if watch:
            setprofile(profiler)

    def end(args: tuple) -> None:
        if _len(args) != 4 or not caller_is(run_code) or not window:
            raise PermissionError("a graded call can only be ended by the grader")
        nonce, check_id, outputs_text, box = args
        if _type(nonce) is not _str or nonce != window["nonce"] or _type(check_id) is not _str \
                or _type(outputs_text) is not _str or _type(box) is not _list:
            raise PermissionError("a graded call can only be ended by the grader")
        ok = intact() and (not window["watch"] or getprofile() is profiler)
        setprofile(None)
        hits = _tuple(_sorted(_set(window["hits"])))
        window.clear()
        box.append((hits, ok, sign(nonce, check_id, outputs_text, hits, ok)))

    def sentinel_call(args: tuple) -> Any:
        if _len(args) != 4 or not caller_is(sentinel_code):
            raise PermissionError("not a sentinel")
        label, fargs, fkwargs, box = args
        if _type(label) is not _str or label not in originals or _type(fargs) is not _tuple \
                or _type(fkwargs) is not _dict or _type(box) is not _list:
            raise PermissionError("not a sentinel")
        if window:
            window["hits"].append(label)
        return originals[label], fargs, fkwargs, box

    def hit(args: tuple) -> None:
        if window and _len(args) == 1 and _type(args[0]) is _str and caller_is(profiler_code):
            window["hits"].append(args[0])

    def refuse(event: str, args: tuple) -> None:
        if event == "sys.addaudithook":
            raise RuntimeError("no more audit hooks")  # (Python suppresses it: the hook is not added)
        if event in refused or event.startswith(refused_prefixes):
            raise PermissionError(f"{event} is not allowed in the grading kernel")
        if event == "object.__setattr__" and _len(args) > 1 and args[1] == "__code__":
            raise PermissionError("replacing a function's code is not allowed in the grading kernel")
        if event == "open" and args and _type(args[0]) is _str and proc_secrets(args[0]):
            raise PermissionError("process memory is not readable in the grading kernel")
        if event == "import" and _len(args) > 1 and _type(args[1]) is _str and args[1] in extensions:
            raise PermissionError(f"{args[0]} is loaded already; loading it again is not allowed")

    def hook(event: str, args: tuple) -> None:
        if _type(event) is not _str or _type(args) is not _tuple:
            raise PermissionError("malformed audit event")
        me = get_ident()
        if me in busy:
            return
        if not event.startswith("course.guard."):
            refuse(event, args)
            return
        busy.add(me)
        try:
            if event == "course.guard.begin":
                begin(args)
            elif event == "course.guard.end":
                end(args)
            elif event == "course.guard.hit":
                hit(args)
            elif event == "course.guard.call":
                call = sentinel_call(args)
        finally:
            busy.discard(me)
        if event == "course.guard.call":  # the original runs outside the hook's own checks
            original, fargs, fkwargs, box = call
            box.append(original(*fargs, **fkwargs))

    return hook


def run(check_id: str, fn: Any, nonce: str, watch: bool = True) -> None:
    """One graded call: ``fn`` on the sealed cases of ``nonce``; displays one signed record."""
    from IPython.display import publish_display_data

    box: list[Any] = []
    sys.audit("course.guard.begin", nonce, bool(watch), box)
    outputs: list[dict[str, Any]] = []
    try:
        if not callable(fn):
            raise TypeError(f"the graded function must be a function, got {type(fn).__name__}")
        for args, kwargs in decode_cases(box[0]):
            try:
                outputs.append({"ok": True, "value": encode_output(fn(*args, **kwargs))})
            except BaseException as exc:  # the student's bug, reported per case
                outputs.append({"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
    except BaseException as exc:
        outputs = [{"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}]
    finally:
        import json

        text = json.dumps(outputs, separators=(",", ":"))
        done: list[Any] = []
        sys.audit("course.guard.end", nonce, check_id, text, done)
    hits, ok, mac = done[0]
    payload = {"version": FORMAT_VERSION, "check": check_id, "nonce": nonce, "outputs": text,
               "hits": list(hits), "intact": ok, "mac": mac}
    n_ok = sum(1 for o in outputs if o.get("ok"))
    publish_display_data({RECORD_MIMETYPE: payload,
                          "text/plain": f"ran {len(outputs)} cases of {check_id} ({n_ok} returned a value)"})
