"""Lazy public names for the course's packages (PEP 562), written once.

A package lists ``public name -> defining module``; the name is imported the first time it is
used and then cached in the package's namespace. ``import course`` therefore stays fast, and a
student's kernel that needs only ``course.grading.record`` never imports nbgrader, PyTorch or
ipywidgets.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(
    package: str, namespace: dict[str, Any], public: Mapping[str, str], *, submodules: bool = False
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for ``package`` whose globals are ``namespace``.

    ``public`` maps each public name to the module defining it. With ``submodules=True`` any
    other attribute is tried as a submodule (``course.models``); an unknown name raises
    ``AttributeError`` naming the package.
    """

    def __getattr__(name: str) -> Any:
        if name in public:
            value = getattr(importlib.import_module(public[name]), name)
            namespace[name] = value  # cache: the next lookup is a plain attribute
            return value
        if submodules:
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(public))

    return __getattr__, __dir__
