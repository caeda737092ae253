"""Lab unit conversion to one canonical unit per test (data in ``units.yaml``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from gistpath.errors import KnowledgeError
from gistpath.knowledge import load_yaml, require_sources


@cache
def _table() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml("gistpath.case", "units.yaml")
    require_sources(data, "case/units.yaml")
    return data


def canonical_unit(test: str) -> str:
    return str(_table()["tests"][test]["canonical"])


def to_canonical(test: str, value: float, unit: str) -> float:
    """``value`` in ``unit`` expressed in the canonical unit of ``test``."""
    entry = _table()["tests"].get(test)
    if entry is None or unit not in entry["factors"]:
        raise KnowledgeError(f"no conversion for {test} in {unit}")
    return float(value) * float(entry["factors"][unit])


def plausible_range(test: str) -> tuple[float, float]:
    """Bounds (canonical unit) outside which a reported value is rejected as a likely slip."""
    low, high = _table()["tests"][test]["plausible"]
    return float(low), float(high)
