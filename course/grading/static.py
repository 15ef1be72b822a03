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
- :func:`find_tampering`: does the code touch the grading machinery itself (the guard's builtin
  entry ``__course_guard__``, ``course.grading``, the record's mimetype, the case files)? Only
  that: the kernel holds nothing the grade depends on, so ordinary notebook code (``exec``,
  ``gc``, ``importlib``, ``get_ipython()``, a student's own ``display``, patching NumPy) is none.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from course.grading.casefile import CASE_FILE_PREFIX, RECORD_MIMETYPE
from course.grading.guard import ENTRY

MACHINERY_PACKAGE = "course.grading"
"""The grading machinery's package: importing it or reaching into it is tampering."""
MACHINERY_NAMES = frozenset({ENTRY})
"""Names of the grading machinery in the kernel: the guard's builtin entry."""
MACHINERY_STRINGS = (ENTRY, MACHINERY_PACKAGE, RECORD_MIMETYPE, CASE_FILE_PREFIX)
"""Strings that only code aimed at the grading machinery writes: the guard's entry, its package,
the record's mimetype and the case files' names (a built name such as ``"__course" + "_guard__"``
is not seen, and gains nothing: records are claims of outputs the grader checks itself, and a
missing or misplaced record loses its tests)."""


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


def find_tampering(sources: Iterable[str]) -> list[Finding]:
    """Places where the code touches the grading machinery itself (:data:`MACHINERY_NAMES`,
    :data:`MACHINERY_STRINGS`): the guard's builtin entry, ``course.grading``, the record's
    mimetype, the case files. Nothing else is tampering: the kernel holds nothing the grade
    depends on (no key, no expected value; the grader compares the outputs with its own
    references), so patching NumPy, ``exec``, ``gc``, ``get_ipython()`` or a student's own
    ``display`` change nothing but the student's outputs, and are ordinary notebook code."""
    trees = parse_cells(sources)
    mod = _collect_module(trees)
    findings: list[Finding] = []
    for tree in trees:
        for node in ast.walk(tree):
            findings.extend(_machinery_use(node, mod))
    unique: dict[tuple[int, str], Finding] = {(f.line, f.text): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.line, f.text))


def _machinery_use(node: ast.AST, mod: _Module) -> list[Finding]:
    line = getattr(node, "lineno", 0)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        full = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        if isinstance(node, ast.ImportFrom):
            full += [f"{node.module}.{a.name}" for a in node.names if node.module]
        hits = sorted({n for n in full if _is_machinery_module(n)})
        return [Finding(line, f"imports {hits[0]}")] if hits else []
    if isinstance(node, ast.Name) and node.id in MACHINERY_NAMES:
        return [Finding(line, f"uses {node.id}")]
    if isinstance(node, ast.Attribute):
        if node.attr in MACHINERY_NAMES:
            return [Finding(line, f"uses .{node.attr}")]
        dotted = _dotted(node)
        hits = sorted(r for r in (_resolve(dotted, mod) if dotted else ()) if _is_machinery_module(r))
        return [Finding(line, f"uses {hits[0]}")] if hits else []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        hits = [m for m in MACHINERY_STRINGS if m in node.value]
        return [Finding(line, f"names {hits[0]!r}")] if hits else []
    return []


def _is_machinery_module(name: str) -> bool:
    return name == MACHINERY_PACKAGE or name.startswith(MACHINERY_PACKAGE + ".")
