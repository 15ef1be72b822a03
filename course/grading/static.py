"""Static analysis (``ast``) of a student's code, run in the grader's process.

Two questions, answered without running anything:

- :func:`find_shortcuts`: does the graded function reach a library function that does the whole
  job (``np.convolve``, ``scipy.signal.*``, ``torch.nn.functional.conv1d``, the course's own
  references...)? Reached means: used in its body, in a default argument or decorator, through a
  helper function or module-level value it uses (transitively), or by binding the graded name
  itself to such a function (``convolve1d = np.convolve``). Aliases are resolved: ``import numpy
  as np``, ``from scipy import signal as s``, ``from numpy import convolve as c``, ``m = np``,
  ``getattr(np, "convolve")``, ``__import__("numpy")``, ``importlib.import_module("scipy.signal")``,
  ``from numpy import *``. A ``getattr`` with a computed name on a module counts as a shortcut
  (it could be anything).
- :func:`find_tampering`: does the code modify the grading machinery or the libraries the tests
  rely on (assigning attributes of imported modules such as ``np.testing.assert_allclose = ...``,
  rebinding ``AssertionError``, touching ``course.grading``, ``sys.modules``, ``builtins``,
  ``exec``/``eval``/``compile``, ``ctypes``, ``gc``, frame inspection)?
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

SUSPICIOUS_CALLS = {"exec", "eval", "compile", "globals", "vars", "setattr", "delattr", "breakpoint"}
SUSPICIOUS_IMPORTS = ("course.grading", "builtins", "ctypes", "gc", "importlib", "IPython.core", "IPython.kernel",
                      "ipykernel", "nbgrader", "atexit")
"""Imports of the grading machinery (an honest notebook's ``from IPython.display import display,
Markdown`` is not among them)."""
PROTECTED_NAMES = {"AssertionError", "record", "get_ipython", "print", "display", "__builtins__", "__import__", "isinstance", "len", "range", "Exception", "BaseException"}
ALLOWED_MODULE_ATTRS = {"os.path", "os.environ.get", "os.getcwd", "os.listdir", "os.path.join", "sys.version", "sys.version_info"}


@dataclass
class Finding:
    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text}"


@dataclass
class _Module:
    """Module-level facts of the concatenated student code."""

    aliases: dict[str, set[str]] = field(default_factory=dict)  # local name -> dotted targets
    star: set[str] = field(default_factory=set)  # modules imported with *
    bindings: dict[str, list[ast.AST]] = field(default_factory=dict)  # name -> defining nodes


def parse_cells(sources: Iterable[str]) -> list[ast.Module]:
    """Parse each source (IPython magics and shell escapes blanked out); unparsable cells skipped."""
    trees = []
    for src in sources:
        lines = []
        for line in src.splitlines():
            stripped = line.lstrip()
            lines.append("" if stripped.startswith(("%", "!")) else line)
        try:
            trees.append(ast.parse("\n".join(lines)))
        except SyntaxError:
            continue
    return trees


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _literal_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _collect_module(trees: list[ast.Module]) -> _Module:
    mod = _Module()

    def alias(name: str, target: str) -> None:
        mod.aliases.setdefault(name, set()).add(target)

    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        alias(a.asname, a.name)
                    else:
                        alias(a.name.split(".")[0], a.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    if a.name == "*":
                        mod.star.add(node.module)
                    else:
                        alias(a.asname or a.name, f"{node.module}.{a.name}")
        for node in tree.body:
            _collect_bindings(node, mod)
    return mod


def _collect_bindings(node: ast.AST, mod: _Module) -> None:
    def bind(name: str, value: ast.AST) -> None:
        mod.bindings.setdefault(name, []).append(value)

    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        bind(node.name, node)
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            for name in _target_names(target):
                bind(name, node.value)
            if isinstance(target, ast.Subscript):  # globals()["convolve1d"] = ...
                key = _literal_str(target.slice)
                if key:
                    bind(key, node.value)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
        for name in _target_names(node.target):
            bind(name, node.value)
    elif isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.AsyncFor, ast.AsyncWith)):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                _collect_bindings(child, mod)
        for attr in ("orelse", "finalbody", "handlers"):
            for child in getattr(node, attr, []) or []:
                if isinstance(child, ast.ExceptHandler):
                    for c in child.body:
                        _collect_bindings(c, mod)
                else:
                    _collect_bindings(child, mod)
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        call = node.value  # setattr(module, "convolve1d", ...) / globals().update(convolve1d=...)
        if isinstance(call.func, ast.Name) and call.func.id == "setattr" and len(call.args) == 3:
            key = _literal_str(call.args[1])
            if key:
                bind(key, call.args[2])
        for kw in call.keywords:
            if kw.arg:
                bind(kw.arg, kw.value)


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _target_names(elt)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _resolve(dotted: str, mod: _Module, seen: frozenset[str] = frozenset()) -> set[str]:
    """Every fully qualified name ``dotted`` may refer to, following import aliases and simple
    module-level assignments (``m = np``)."""
    head, _, rest = dotted.partition(".")
    results: set[str] = set()
    targets = set(mod.aliases.get(head, set()))
    if head not in seen:
        for value in mod.bindings.get(head, []):
            inner = _dotted(value) if isinstance(value, (ast.Name, ast.Attribute)) else _dynamic_target(value, mod)
            if inner:
                targets |= {t for t in _resolve(inner, mod, seen | {head})}
    for target in targets:
        results.add(f"{target}.{rest}" if rest else target)
    if not targets:
        results.add(dotted)
        for star in mod.star:
            results.add(f"{star}.{dotted}")
    return results


def _dynamic_target(node: ast.AST, mod: _Module) -> str | None:
    """``getattr(np, "convolve")`` -> ``np.convolve``; ``__import__("numpy")`` -> ``numpy``;
    ``importlib.import_module("scipy.signal")`` -> ``scipy.signal``."""
    if not isinstance(node, ast.Call):
        return None
    func = _dotted(node.func)
    if func == "getattr" and len(node.args) >= 2:
        base = _dotted(node.args[0]) or _dynamic_target(node.args[0], mod)
        name = _literal_str(node.args[1])
        if base and name:
            return f"{base}.{name}"
        if base:
            return f"{base}.<computed>"
    if func == "__import__" and node.args:
        return _literal_str(node.args[0])
    if func and func.endswith("import_module") and node.args:
        return _literal_str(node.args[0])
    return None


def _references(node: ast.AST, mod: _Module) -> tuple[set[str], set[str]]:
    """(fully qualified names used inside ``node``, bare names used that may be module bindings)."""
    used: set[str] = set()
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and not isinstance(getattr(sub, "ctx", None), ast.Store):
            d = _dotted(sub)
            if d:
                used |= _resolve(d, mod)
            else:  # __import__("numpy").convolve, getattr(np, "fft").fft, ...
                attrs = []
                base: ast.AST = sub
                while isinstance(base, ast.Attribute):
                    attrs.append(base.attr)
                    base = base.value
                target = _dynamic_target(base, mod)
                if target:
                    used |= _resolve(".".join([target, *reversed(attrs)]), mod)
        elif isinstance(sub, ast.Name):
            names.add(sub.id)
            used |= _resolve(sub.id, mod)
        elif isinstance(sub, ast.Call):
            target = _dynamic_target(sub, mod)
            if target:
                used |= _resolve(target, mod)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            for a in sub.names:
                if isinstance(sub, ast.ImportFrom) and sub.module:
                    used.add(f"{sub.module}.{a.name}" if a.name != "*" else sub.module)
                else:
                    used.add(a.name)
    return used, names


def _matches(name: str, forbidden: frozenset[str]) -> str | None:
    for f in forbidden:
        if name == f or name.startswith(f + "."):
            return f
    return None


def find_shortcuts(sources: Iterable[str], function: str, forbidden: frozenset[str]) -> list[str]:
    """Forbidden library names reached by ``function`` in the student's code (sorted, unique).

    A ``getattr`` with a computed attribute name on a module is reported as
    ``"<module>.<computed>"`` when the module itself is not plainly allowed.
    """
    if not forbidden:
        return []
    trees = parse_cells(sources)
    mod = _collect_module(trees)
    found: set[str] = set()
    todo = [function]
    visited: set[str] = set()
    while todo:
        name = todo.pop()
        if name in visited:
            continue
        visited.add(name)
        nodes = mod.bindings.get(name, [])
        if not nodes and name == function:
            # the graded name may be an import alias: from numpy import convolve as convolve1d
            for target in mod.aliases.get(name, set()):
                hit = _matches(target, forbidden)
                if hit:
                    found.add(target)
        for node in nodes:
            used, names = _references(node, mod)
            if name == function:
                for target in mod.aliases.get(name, set()):
                    used.add(target)
            for u in used:
                if _matches(u, forbidden):
                    found.add(u)
                elif u.endswith(".<computed>"):
                    base = u[: -len(".<computed>")]
                    if any(f.startswith(base + ".") or f == base or base.startswith(f) for f in forbidden):
                        found.add(u)
            todo.extend(n for n in names if n in mod.bindings and n not in visited)
    maximal = {n for n in found if not any(o != n and o.startswith(n + ".") for o in found)}
    return sorted(maximal)


def find_tampering(sources: Iterable[str], protected_functions: Iterable[str] = ()) -> list[Finding]:
    """Places where the code changes the grading machinery or the libraries the tests use."""
    trees = parse_cells(sources)
    mod = _collect_module(trees)
    findings: list[Finding] = []
    module_names = {name for name, targets in mod.aliases.items()
                    if any(not _looks_like_object(t) and not t.startswith("matplotlib") for t in targets)}

    def resolved(node: ast.AST) -> set[str]:
        d = _dotted(node)
        return _resolve(d, mod) if d else set()

    for tree in trees:
        for node in ast.walk(tree):
            line = getattr(node, "lineno", 0)
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names]
                full = [node.module or ""] if isinstance(node, ast.ImportFrom) else names
                for n in full:
                    if n and any(n == m or n.startswith(m + ".") for m in SUSPICIOUS_IMPORTS):
                        findings.append(Finding(line, f"imports {n}"))
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                for target in targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Attribute):
                            base = _dotted(sub.value)
                            if base and base.split(".")[0] in module_names and _is_protected(base, mod):
                                findings.append(Finding(line, f"changes {_dotted(sub) or base + '.' + sub.attr} of an imported module"))
                        elif isinstance(sub, ast.Name) and sub.id in PROTECTED_NAMES and isinstance(sub.ctx, (ast.Store, ast.Del)):
                            findings.append(Finding(line, f"rebinds {sub.id}"))
                        elif isinstance(sub, ast.Subscript):
                            base = _dotted(sub.value)
                            if base and base.split(".")[0] in module_names and _is_protected(base, mod):
                                findings.append(Finding(line, f"changes an entry of {base}"))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if node.name in PROTECTED_NAMES:
                    findings.append(Finding(line, f"redefines {node.name}"))
            elif isinstance(node, ast.Call):
                func = _dotted(node.func)
                if func in SUSPICIOUS_CALLS:
                    findings.append(Finding(line, f"calls {func}()"))
                elif func and func.split(".")[-1] in ("__setattr__", "__delattr__", "register_magic_function", "register"):
                    findings.append(Finding(line, f"calls {func}()"))
                elif func and func.startswith("get_ipython"):
                    findings.append(Finding(line, "uses get_ipython()"))
            elif isinstance(node, ast.Attribute):
                if node.attr in ("__dict__", "__globals__", "__code__", "__builtins__", "__subclasses__", "f_globals", "f_locals", "f_back", "__closure__", "__kwdefaults__", "__defaults__"):
                    findings.append(Finding(line, f"uses .{node.attr}"))
                for r in resolved(node):
                    if r.startswith(("course.grading", "sys.modules", "builtins.", "ctypes", "gc.", "sys._getframe", "sys.settrace", "sys.setprofile", "sys.addaudithook", "IPython.core")):
                        findings.append(Finding(line, f"uses {r}"))
                        break
            elif isinstance(node, ast.Name) and node.id in ("__builtins__", "__import__") and isinstance(node.ctx, ast.Load):
                findings.append(Finding(line, f"uses {node.id}"))
    unique: dict[tuple[int, str], Finding] = {(f.line, f.text): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.line, f.text))


PROTECTED_MODULES = ("numpy", "course", "builtins", "sys", "IPython", "ipykernel", "nbgrader", "unittest", "pytest",
                     "math", "json", "base64", "operator", "functools", "importlib", "types", "inspect", "gc")
"""Modules whose attributes a student's code must not change (the tests and the recorder use them).
Changing e.g. ``torch.backends.cudnn.deterministic`` or matplotlib's ``rcParams`` is fine."""


def _is_protected(base: str, mod: _Module) -> bool:
    return any(r == m or r.startswith(m + ".") for r in _resolve(base, mod) for m in PROTECTED_MODULES)


def _looks_like_object(dotted: str) -> bool:
    """``numpy.convolve`` (a function imported by name) vs ``numpy`` / ``numpy.testing`` (modules):
    a last component starting with a lower-case letter after a module path is ambiguous, so only
    names imported with ``import x`` / ``import x as y`` or known sub-modules count as modules."""
    known_modules = {"numpy", "np", "numpy.testing", "numpy.linalg", "numpy.fft", "numpy.random", "scipy", "scipy.signal",
                     "scipy.ndimage", "torch", "torch.nn", "torch.nn.functional", "math", "course", "course.grading",
                     "sys", "builtins", "os", "IPython", "IPython.display", "numpy.lib", "numpy.lib.stride_tricks",
                     "matplotlib", "matplotlib.pyplot", "functools", "itertools", "operator", "unittest", "pytest"}
    return dotted not in known_modules and "." in dotted
