"""Response-criteria thresholds, read from ``criteria.yaml`` into small frozen rule objects."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

from gistpath.errors import KnowledgeError
from gistpath.knowledge import load_yaml, require_sources

RecistVersion = Literal["1.1", "1.0"]


@dataclass(frozen=True, slots=True)
class RecistRules:
    version: RecistVersion
    source: str
    measurable_min_mm: float
    node_target_min_mm: float
    node_pathological_min_mm: float
    node_normal_below_mm: float
    max_targets: int
    max_targets_per_organ: int
    pr_change_pct: float
    pd_change_pct: float
    pd_min_increase_mm: float


@dataclass(frozen=True, slots=True)
class ChoiRules:
    source: str
    pr_size_change_pct: float
    pr_density_change_pct: float
    pd_size_change_pct: float


@dataclass(frozen=True, slots=True)
class BestResponseRules:
    source: str
    confirm_min_days: int
    sd_min_days: int
    max_ne_between: int
    accept_sd_between: bool


@dataclass(frozen=True, slots=True)
class PatternRules:
    source: str
    lesion_pd_change_pct: float
    lesion_pd_min_increase_mm: float
    focal_max_lesions: int


def _data() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml("gistpath.imaging", "criteria.yaml")
    return data


@cache
def criteria_version() -> str:
    data = _data()
    require_sources(data, "imaging/criteria.yaml")
    return str(data["version"])


@cache
def recist_rules(version: RecistVersion = "1.1") -> RecistRules:
    entry = _data()["recist"].get(version)
    if entry is None:
        raise KnowledgeError(f"imaging/criteria.yaml has no RECIST {version}")
    criteria_version()
    return RecistRules(version=version, **entry)


@cache
def choi_rules() -> ChoiRules:
    entry = dict(_data()["choi"])
    entry.pop("density_aggregation", None)
    criteria_version()
    return ChoiRules(**entry)


@cache
def best_response_rules() -> BestResponseRules:
    criteria_version()
    return BestResponseRules(**_data()["best_response"])


@cache
def pattern_rules() -> PatternRules:
    criteria_version()
    return PatternRules(**_data()["pattern"])


def with_overrides(rules: Any, **changes: Any) -> Any:
    """A copy of ``rules`` with the non-None ``changes`` applied (CLI and API options)."""
    given = {k: v for k, v in changes.items() if v is not None}
    return replace(rules, **given) if given else rules
