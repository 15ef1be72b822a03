"""Two speed-ups of nbgrader that its configuration cannot give, applied in grading workers only.

- nbgrader stamps every new gradebook with ``alembic heads``, run as a subprocess (about a
  second): :func:`fast_alembic_version` asks alembic's script directory in-process instead.
- nbgrader validates each cell's metadata with ``jsonschema.validate``, which re-checks the schema
  itself on every call (most of a job's CPU time): :func:`fast_metadata_validation` compiles the
  schema once and raises the same ``jsonschema.ValidationError``.

Both keep nbgrader's behaviour (same values, same errors); ``benchmarks/bench_autograde.py``
measures what they save.
"""

from __future__ import annotations

import functools
from typing import Any


def fast_alembic_version() -> None:
    import nbgrader.api

    if getattr(nbgrader.api.get_alembic_version, "_course_cached", False):
        return
    original = nbgrader.api.get_alembic_version

    @functools.lru_cache(maxsize=1)
    def version() -> str:
        try:
            from alembic.script import ScriptDirectory
            from nbgrader.dbutil import ALEMBIC_DIR

            head = ScriptDirectory(ALEMBIC_DIR).get_current_head()
            if head:
                return head
        except Exception:
            pass
        return original()

    version._course_cached = True  # type: ignore[attr-defined]
    nbgrader.api.get_alembic_version = version


class _CompiledSchemas:
    """Stands in for the ``jsonschema`` module inside nbgrader's metadata validation."""

    _course_fast = True

    def __init__(self) -> None:
        self._compiled: dict[int, Any] = {}

    def validate(self, instance: Any, schema: Any) -> None:
        check = self._compiled.get(id(schema))
        if check is None:
            check = self._compiled[id(schema)] = _compile(schema)
        check(instance)

    def __getattr__(self, name: str) -> Any:
        import jsonschema

        return getattr(jsonschema, name)


def _compile(schema: Any) -> Any:
    import jsonschema

    try:
        import fastjsonschema

        compiled = fastjsonschema.compile(schema)
    except Exception:
        return jsonschema.validators.validator_for(schema)(schema).validate

    def check(obj: Any) -> None:
        try:
            compiled(obj)
        except fastjsonschema.JsonSchemaException:
            jsonschema.validate(obj, schema)  # the same error nbgrader expects
            raise jsonschema.ValidationError("invalid nbgrader metadata") from None

    return check


def fast_metadata_validation() -> None:
    import nbgrader.nbgraderformat.common as common

    if not getattr(common.jsonschema, "_course_fast", False):
        common.jsonschema = _CompiledSchemas()


def quiet_warnings() -> None:
    import warnings

    try:
        from sqlalchemy.exc import SAWarning

        warnings.filterwarnings("ignore", category=SAWarning)
    except ImportError:
        pass


def apply() -> None:
    fast_alembic_version()
    fast_metadata_validation()
    quiet_warnings()
