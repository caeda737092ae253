"""Decoding one case document from JSON text, with errors a person can act on.

The standard decoder is strict where exports go wrong silently: a key given twice in one object
(JSON keeps only the last one) is an error naming the key's path, a trailing comma is named as
such, and an empty document says so. ``NaN`` and ``Infinity`` are decoded as numbers so that the
model can reject them with the field's path.
"""

from __future__ import annotations

import json
import re
from typing import Any

from gistpath.errors import CaseError

_BOM = "\ufeff"
# A JSON string token, or one structural character.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')


def decode_document(text: str | bytes, source: str | None) -> Any:
    """The JSON value in ``text``; a :class:`CaseError` for text that is not one clean value."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CaseError(
                None,
                "(file)",
                f"not UTF-8 text (byte {exc.start}); save the file as UTF-8",
                source=source,
            ) from None
    text = text.removeprefix(_BOM)
    if not text.strip():
        raise CaseError(
            None, "(document)", "empty: expected one case as a JSON object", source=source
        )
    duplicates: dict[int, list[str]] = {}

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in pairs:
            if key in obj:
                duplicates.setdefault(id(obj), []).append(key)
            obj[key] = value
        return obj

    try:
        data = json.loads(text, object_pairs_hook=build)
    except json.JSONDecodeError as exc:
        raise CaseError(sniff_case_id(text), "(json)", _json_problem(exc), source=source) from None
    if duplicates:
        path = _first_duplicate(data, duplicates, "")
        if path is not None:
            case_id = data.get("id") if isinstance(data, dict) else None
            raise CaseError(
                case_id if isinstance(case_id, str) else None,
                path,
                "given twice in the same object (JSON would silently keep the last); remove one",
                source=source,
            )
    return data


def _json_problem(exc: json.JSONDecodeError) -> str:
    text, pos = exc.doc, exc.pos
    before = text[:pos].rstrip()
    if before.endswith(",") and text[pos : pos + 1] in ("}", "]"):
        comma = len(before) - 1
        line = text.count("\n", 0, comma) + 1
        column = comma - text.rfind("\n", 0, comma)
        return (
            f"not valid JSON: trailing comma (line {line}, column {column}); "
            f"remove the comma before {text[pos]!r}"
        )
    return f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"


def _first_duplicate(node: Any, duplicates: dict[int, list[str]], path: str) -> str | None:
    if isinstance(node, dict):
        if id(node) in duplicates:
            key = duplicates[id(node)][0]
            return f"{path}.{key}" if path else key
        for key, value in node.items():
            found = _first_duplicate(value, duplicates, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _first_duplicate(value, duplicates, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def sniff_case_id(text: str) -> str | None:
    """The top-level ``"id"`` of a document that may not parse, or None.

    Walks string tokens and brackets only, so a lesion's ``"id"`` (nested deeper) is never
    mistaken for the case id.
    """
    depth = 0
    tokens = [m.group(0) for m in _TOKEN.finditer(text)]
    for i, token in enumerate(tokens):
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
        elif (
            depth == 1
            and token == '"id"'
            and tokens[i + 1 : i + 2] == [":"]
            and tokens[i + 2 : i + 3]
            and tokens[i + 2].startswith('"')
        ):
            try:
                value = json.loads(tokens[i + 2])
            except json.JSONDecodeError:
                return None
            return value if isinstance(value, str) and value else None
    return None
