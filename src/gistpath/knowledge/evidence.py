"""The evidence registry (``evidence.yaml``): one entry per source id cited anywhere.

Also the shared checks that every knowledge file runs at load time: cited ids resolve here
(:func:`require_known`) and every number sits under an item that names its source
(:func:`require_sourced_numbers`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from gistpath.errors import KnowledgeError
from gistpath.knowledge import load_yaml

#: Kinds of source an entry may be.
KINDS = frozenset({"trial", "guideline", "label", "criteria", "study", "review", "convention"})
_REQUIRED = ("kind", "citation", "year", "verified")


@cache
def evidence_registry() -> dict[str, dict[str, Any]]:
    """Every evidence entry by id (checked: required fields, kind, types of the result rows)."""
    data = load_yaml("gistpath.knowledge", "evidence.yaml")
    entries: dict[str, dict[str, Any]] = data["entries"]
    for sid, entry in entries.items():
        check_entry(sid, entry)
    return entries


def check_entry(sid: str, entry: Any) -> None:
    """Fail loudly if one evidence entry breaks the registry schema."""
    where = f"knowledge/evidence.yaml: {sid}"
    if not isinstance(entry, dict):
        raise KnowledgeError(f"{where} is not a mapping")
    for field in _REQUIRED:
        if field not in entry:
            raise KnowledgeError(f"{where} has no {field!r}")
    if entry["kind"] not in KINDS:
        raise KnowledgeError(f"{where}: kind {entry['kind']!r} is not one of {sorted(KINDS)}")
    if not isinstance(entry["verified"], bool):
        raise KnowledgeError(f"{where}: verified must be true or false")
    if not isinstance(entry["year"], int):
        raise KnowledgeError(f"{where}: year must be a whole number")
    for i, row in enumerate(entry.get("results", ())):
        if not isinstance(row, dict) or "endpoint" not in row or "value" not in row:
            raise KnowledgeError(f"{where}: results[{i}] needs an endpoint and a value")
        if "verified" in row and not isinstance(row["verified"], bool):
            raise KnowledgeError(f"{where}: results[{i}].verified must be true or false")


def evidence_version() -> str:
    return str(load_yaml("gistpath.knowledge", "evidence.yaml")["version"])


def evidence_entry(source_id: str) -> dict[str, Any]:
    """The entry for ``source_id``; a :class:`KnowledgeError` if there is none."""
    entry = evidence_registry().get(source_id)
    if entry is None:
        raise KnowledgeError(f"no evidence entry {source_id!r}")
    return entry


def is_verified(source_id: str) -> bool:
    """False for entries taken from a secondary or truncated source (shown as unverified)."""
    return bool(evidence_entry(source_id)["verified"])


def require_known(ids: Iterable[str], where: str) -> None:
    """Fail loudly if any id in ``ids`` is missing from the registry."""
    registry = evidence_registry()
    for sid in ids:
        if sid not in registry:
            raise KnowledgeError(f"{where} cites unknown evidence id {sid!r}")


def source_ids(value: Any) -> tuple[str, ...]:
    """A ``source`` field as a tuple of ids (it may be one id or a list)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise KnowledgeError(f"a source must be an id or a list of ids, got {value!r}")


def require_sourced_numbers(data: Any, where: str, *, skip: Iterable[str] = ("version",)) -> None:
    """Fail loudly if a number in ``data`` has no ``source`` on its own mapping or an enclosing one.

    A ``source`` at the top level of a file does not count: each item names its own source.
    Every cited id must resolve in the evidence registry. Keys in ``skip`` are ignored at the top
    level (the file's version string and the like).
    """
    skipped = set(skip)
    registry = evidence_registry()

    def walk(node: Any, path: str, sourced: bool) -> None:
        if isinstance(node, bool) or node is None or isinstance(node, str):
            return
        if isinstance(node, int | float):
            if not sourced:
                raise KnowledgeError(f"{where}: {path} = {node!r} has no source")
            return
        if isinstance(node, dict):
            here = sourced
            if "source" in node:
                for sid in source_ids(node["source"]):
                    if sid not in registry:
                        raise KnowledgeError(f"{where}: {path}.source cites unknown {sid!r}")
                here = True
            for key, value in node.items():
                if key == "source":
                    continue
                walk(value, f"{path}.{key}" if path else str(key), here)
            return
        if isinstance(node, list | tuple):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]", sourced)
            return
        raise KnowledgeError(f"{where}: {path} has an unexpected value {node!r}")

    if not isinstance(data, dict):
        raise KnowledgeError(f"{where}: a knowledge file must be a mapping")
    if "source" in data:
        raise KnowledgeError(f"{where}: a file-wide source is not allowed; source each item")
    for key, value in data.items():
        if key not in skipped:
            walk(value, str(key), False)
