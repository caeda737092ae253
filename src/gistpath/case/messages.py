"""Turning pydantic's validation errors into a field path and one plain sentence."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel

from gistpath.case.model import DRUG_PATTERN, Case

_QUOTED = re.compile(r"'([^']*)'")
_INN = re.compile(DRUG_PATTERN)
_LIST_AT_MOST = 8  # a longer list of allowed values is left out when there is a likely match
_SIGN = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}
_WANTED = {
    "string_type": "text",
    "model_type": "an object",
    "dict_type": "an object",
    "model_attributes_type": "an object",
    "tuple_type": "a list",
    "list_type": "a list",
}


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


def message(error: Any) -> str:
    """One sentence for one pydantic error (``error`` is an item of ``exc.errors()``)."""
    loc = tuple(error["loc"])
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx") or {}
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        allowed = allowed_fields(loc[:-1])
        hint = difflib.get_close_matches(name, allowed, n=1)
        suffix = f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(allowed)}"
        return f"unknown field{suffix}"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        choices = _QUOTED.findall(str(ctx.get("expected", "")))
        return _choice_message(choices, given)
    if kind in ("float_type", "int_type", "float_parsing", "int_parsing", "int_from_float"):
        want = "a whole number" if kind.startswith("int") else "a number"
        how = ", written without quotes or units" if isinstance(given, str) else ""
        return f"must be {want}{how} (got {_show(given)})"
    if kind in _SIGN:
        limit = next(iter(ctx.values()), "")
        shown = f"{limit:g}" if isinstance(limit, float) else str(limit)
        return f"must be {_SIGN[kind]} {shown} (got {_show(given)})"
    if kind == "finite_number":
        return f"must be a finite number (got {_show(given)})"
    if kind == "string_pattern_mismatch":
        return _pattern_message(loc, given)
    if kind in ("string_too_short", "too_short"):
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind in _WANTED:
        return f"must be {_WANTED[kind]} (got {_show(given)})"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def _choice_message(choices: list[str], given: Any) -> str:
    hint = _closest(choices, given)
    if hint and len(choices) > _LIST_AT_MOST:
        allowed = f"one of the {len(choices)} allowed values"
        return f"{_show(given)} is not {allowed}; did you mean {hint!r}?"
    shown = ", ".join(repr(c) for c in choices)
    text = f"must be one of {shown} (got {_show(given)})"
    return f"{text}; did you mean {hint!r}?" if hint else text


def _closest(choices: list[str], given: Any) -> str | None:
    """The choice a slip most likely meant: same letters in another case, a prefix, or close."""
    if not isinstance(given, str) or not given.strip():
        return None
    lowered = given.strip().lower()
    for choice in choices:
        if choice.lower() == lowered:
            return choice
    starts = [c for c in choices if c.lower().startswith(lowered)]
    if len(starts) == 1:
        return starts[0]
    # "CT scan" -> "CT": the value begins with a choice followed by other words.
    heads = [c for c in choices if re.match(re.escape(c.lower()) + r"\b", lowered)]
    if heads:
        return max(heads, key=len)
    by_lower = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(lowered, list(by_lower), n=1, cutoff=0.75)
    return by_lower[close[0]] if close else None


def _pattern_message(loc: tuple[Any, ...], given: Any) -> str:
    name = str(loc[-1])
    if name in ("drug", "name"):
        suggestion = given.strip().lower().replace(" ", "_") if isinstance(given, str) else ""
        usable = _INN.fullmatch(suggestion) and suggestion != given
        hint = f"; did you mean {suggestion!r}?" if usable else ""
        return f"must be a lowercase INN such as 'imatinib' (got {_show(given)}){hint}"
    if loc == ("id",):
        return f"must not contain spaces or other whitespace (got {_show(given)})"
    return f"has a character that is not allowed (got {_show(given)})"


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def allowed_fields(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found at ``loc`` (empty if the path leads nowhere)."""
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
