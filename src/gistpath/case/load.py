"""Reading cases: from JSON text or data, files, folders, JSON arrays and JSON-lines.

A case that breaks the contract raises :class:`CaseError` naming the source (file, file:line
or file[index]), the case id and the field path, e.g.
``cases/x.json: case 'demo-3': imaging[1].lesions[0].diameter_mm: must be >= 0 (got -3)``.
Reading a folder never stops at a bad file: each document becomes a :class:`CaseText` and the
problem is reported when that text is parsed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gistpath.case.checks import case_problems
from gistpath.case.decode import decode_document
from gistpath.case.messages import field_path, message
from gistpath.case.model import Case
from gistpath.errors import CaseError, InputError

__all__ = [
    "CASE_SUFFIXES",
    "LINES_SUFFIXES",
    "CaseText",
    "field_path",
    "iter_case_texts",
    "load_cases",
    "parse_case",
]

CASE_SUFFIXES = (".json",)
LINES_SUFFIXES = (".jsonl", ".ndjson")
_KINDS = {list: "a list", str: "text", int: "a number", float: "a number", bool: "true/false"}


@dataclass(frozen=True, slots=True)
class CaseText:
    """One case document as read, with where it came from.

    ``text`` is bytes only for a file that is not UTF-8, so that parsing reports it.
    """

    source: str
    text: str | bytes


def parse_case(data: str | bytes | dict[str, Any], source: str | None = None) -> Case:
    """Validate one case document (JSON text or decoded data) and its cross-field rules."""
    decoded = data if isinstance(data, dict) else decode_document(data, source)
    if not isinstance(decoded, dict):
        kind = "an empty list" if decoded == [] else _KINDS.get(type(decoded), "null")
        raise CaseError(
            None, "(document)", f"a case must be a JSON object, not {kind}", source=source
        )
    try:
        case = Case.model_validate(decoded)
    except ValidationError as exc:
        raise _case_error(exc, decoded, source) from None
    problems = case_problems(case)
    if problems:
        field, text = problems[0]
        raise CaseError(case.id, field, text, source=source, more=len(problems) - 1)
    return case


def iter_case_texts(paths: Iterable[str | Path]) -> Iterator[CaseText]:
    """Case documents from files, folders (recursively, sorted) and JSON-lines files.

    Raises :class:`InputError` only for a path that does not exist or a folder without case
    files; what is wrong inside a file is reported when its text is parsed.
    """
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
    """Parse every case under ``paths``; the first bad one (or a repeated id) raises."""
    seen: dict[str, str] = {}
    for item in iter_case_texts(paths):
        case = parse_case(item.text, item.source)
        if case.id in seen:
            raise CaseError(
                case.id, "id", f"the same id is already used by {seen[case.id]}", source=item.source
            )
        seen[case.id] = item.source
        yield case


def _file_texts(path: Path) -> Iterator[CaseText]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        yield CaseText(str(path), raw)
        return
    if path.suffix in LINES_SUFFIXES:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        if not lines:
            yield CaseText(str(path), "")
        for number, line in lines:
            yield CaseText(f"{path}:{number}", line)
        return
    if text.lstrip().startswith("["):
        yield from _array_texts(path, text)
        return
    yield CaseText(str(path), text)


def _array_texts(path: Path, text: str) -> Iterator[CaseText]:
    """The items of a JSON array file, each as its original text (``file[index] (line n)``)."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError:
        yield CaseText(str(path), text)  # parsing the whole text reports where it breaks
        return
    if not items:
        yield CaseText(str(path), text)
        return
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    for index in range(len(items)):
        position = _skip(text, position, ",")
        _, end = decoder.raw_decode(text, position)
        line = text.count("\n", 0, position) + 1
        yield CaseText(f"{path}[{index}] (line {line})", text[position:end])
        position = end


def _skip(text: str, position: int, separators: str) -> int:
    while position < len(text) and (text[position].isspace() or text[position] in separators):
        position += 1
    return position


def _case_error(exc: ValidationError, decoded: dict[str, Any], source: str | None) -> CaseError:
    errors = exc.errors(include_url=False)
    # A misspelt field also makes the real one "missing"; the misspelling is the clearer report.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    return CaseError(
        _case_id(decoded),
        field_path(tuple(first["loc"])),
        message(first),
        source=source,
        more=len(errors) - 1,
    )


def _case_id(decoded: dict[str, Any]) -> str | None:
    """The document's id for naming it in an error, even if the id itself is malformed."""
    value = decoded.get("id")
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None
