"""Reading cases: from JSON text or data, files, folders and JSON-lines, with one clear error.

A case that breaks the contract raises :class:`CaseError` naming the source (file and line),
the case id and the field path, e.g.
``cases/x.json: case 'demo-3': imaging[1].lesions[0].diameter_mm: must be >= 0 (got -3)``.
"""

from __future__ import annotations

import difflib
import json
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from gistpath.case.checks import case_problems
from gistpath.case.model import Case
from gistpath.errors import CaseError, InputError

CASE_SUFFIXES = (".json",)
LINES_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True, slots=True)
class CaseText:
    """One case document as read, with where it came from (``file`` or ``file:line``)."""

    source: str
    text: str


def parse_case(data: str | bytes | dict[str, Any], source: str | None = None) -> Case:
    """Validate one case document (JSON text or decoded data) and its cross-field rules."""
    try:
        if isinstance(data, dict):
            case = Case.model_validate(data)
        else:
            case = Case.model_validate_json(data)
    except ValidationError as exc:
        raise _case_error(exc, data, source) from None
    problems = case_problems(case)
    if problems:
        field, message = problems[0]
        raise CaseError(case.id, field, message, source=source, more=len(problems) - 1)
    return case


def iter_case_texts(paths: Iterable[str | Path]) -> Iterator[CaseText]:
    """Case documents from files, folders (recursively, sorted) and JSON-lines files."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in CASE_SUFFIXES + LINES_SUFFIXES)
            if not found:
                raise InputError(f"{path}: no .json or .jsonl case files in this folder")
            for p in found:
                yield from _file_texts(p)
        elif path.is_file():
            yield from _file_texts(path)
        else:
            raise InputError(f"{path}: no such file or folder")


def load_cases(paths: Iterable[str | Path]) -> Iterator[Case]:
    """Parse every case under ``paths``; the first bad one raises :class:`CaseError`."""
    for item in iter_case_texts(paths):
        yield parse_case(item.text, item.source)


def _file_texts(path: Path) -> Iterator[CaseText]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CaseError(None, "(file)", "not UTF-8 text", source=str(path)) from None
    if path.suffix in LINES_SUFFIXES:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield CaseText(f"{path}:{number}", line)
        return
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _json_error(exc, str(path)) from None
        for index, item in enumerate(items):
            yield CaseText(f"{path}[{index}]", json.dumps(item))
        return
    yield CaseText(str(path), text)


# --- turning pydantic's errors into one sentence -------------------------------------------


def _case_error(exc: ValidationError, data: Any, source: str | None) -> CaseError:
    errors = exc.errors(include_url=False)
    first = errors[0]
    if first["type"] == "json_invalid":
        return CaseError(None, "(json)", f"not valid JSON: {first['msg']}", source=source)
    decoded = _decode(data)
    case_id = decoded.get("id") if isinstance(decoded, dict) else None
    if not isinstance(decoded, dict):
        return CaseError(None, "(document)", "a case must be a JSON object", source=source)
    loc = tuple(first["loc"])
    return CaseError(
        case_id if isinstance(case_id, str) else None,
        field_path(loc),
        _message(first, loc),
        source=source,
        more=len(errors) - 1,
    )


def _decode(data: Any) -> Any:
    if isinstance(data, dict):
        return data
    try:
        return json.loads(data)
    except (ValueError, TypeError):
        return None


def _json_error(exc: json.JSONDecodeError, source: str) -> CaseError:
    return CaseError(
        None,
        "(json)",
        f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
        source=source,
    )


def field_path(loc: tuple[Any, ...]) -> str:
    """``('imaging', 1, 'lesions', 0, 'id')`` -> ``imaging[1].lesions[0].id``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "literal[", "nullable[")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(case)"


def _message(error: Any, loc: tuple[Any, ...]) -> str:
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = _allowed_fields(loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        suffix = f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(allowed)}"
        return f"unknown field{suffix}"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')} (got {given!r})"
    if kind in ("float_type", "int_type", "float_parsing", "int_parsing", "int_from_float"):
        want = "a whole number" if kind.startswith("int") else "a number"
        return f"must be {want} (got {given!r})"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<="}
        op = sign.get(kind, "<")
        limit = next(iter(ctx.values()), "")
        shown = f"{limit:g}" if isinstance(limit, float) else str(limit)
        return f"must be {op} {shown} (got {given!r})"
    if kind == "finite_number":
        return f"must be a finite number (got {given!r})"
    if kind == "string_pattern_mismatch":
        if str(loc[-1]) in ("drug", "name"):
            return f"must be a lowercase INN such as 'imatinib' (got {given!r})"
        return f"has a character that is not allowed (got {given!r})"
    if kind in ("string_too_short", "too_short"):
        return "must not be empty"
    if kind in ("string_type", "model_type", "tuple_type", "list_type", "dict_type"):
        wanted = {"string_type": "text", "model_type": "an object", "dict_type": "an object"}
        return f"must be {wanted.get(kind, 'a list')} (got {given!r})"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def _allowed_fields(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Case
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return []
        model = _inner_model(fields[part].annotation)
    return list(getattr(model, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, tuple, list, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None
