"""The evidence registry (``evidence.yaml``): one entry per source id cited anywhere."""

from __future__ import annotations

from functools import cache
from typing import Any

from gistpath.errors import KnowledgeError
from gistpath.knowledge import load_yaml


@cache
def evidence_registry() -> dict[str, dict[str, Any]]:
    """Every evidence entry by id."""
    data = load_yaml("gistpath.knowledge", "evidence.yaml")
    entries: dict[str, dict[str, Any]] = data["entries"]
    for sid, entry in entries.items():
        for field in ("kind", "citation", "year", "verified"):
            if field not in entry:
                raise KnowledgeError(f"knowledge/evidence.yaml: {sid} has no {field!r}")
    return entries


def evidence_version() -> str:
    return str(load_yaml("gistpath.knowledge", "evidence.yaml")["version"])


def is_known(source_id: str) -> bool:
    return source_id in evidence_registry()
