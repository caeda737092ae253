"""Lesion bookkeeping shared by the criteria: a line's baseline disease and per-scan look-ups."""

from __future__ import annotations

from dataclasses import dataclass

from gistpath.case.model import Imaging, Lesion

NODE = "lymph_node"
_EPS = 1e-9


def is_node(lesion: Lesion) -> bool:
    return lesion.organ == NODE


def by_id(scan: Imaging) -> dict[str, Lesion]:
    return {lesion.id: lesion for lesion in scan.lesions}


def pct_change(value: float, reference: float) -> float | None:
    """Percent change from ``reference`` (None when the reference is 0)."""
    if reference == 0:
        return None
    return 100.0 * (value - reference) / reference


def at_or_above(value: float, reference: float, pct: float) -> bool:
    """``value`` is at least ``pct`` percent above ``reference`` (exact at the boundary)."""
    return 100.0 * (value - reference) >= pct * reference - _EPS * max(1.0, abs(reference))


def at_or_below(value: float, reference: float, pct: float) -> bool:
    """``value`` has changed by ``pct`` percent or less (``pct`` negative for a fall)."""
    return 100.0 * (value - reference) <= pct * reference + _EPS * max(1.0, abs(reference))


@dataclass(frozen=True, slots=True)
class BaselineDisease:
    """What the baseline scan of a line says: targets, non-targets, every lesion id."""

    date_iso: str
    targets: tuple[Lesion, ...]
    non_target_ids: tuple[str, ...]
    all_ids: frozenset[str]
    target_sum_mm: float

    @classmethod
    def from_scan(cls, scan: Imaging) -> BaselineDisease:
        targets = tuple(les for les in scan.lesions if les.role == "target")
        non_targets = tuple(
            les.id
            for les in scan.lesions
            if les.role != "target" and les.status != "absent" and les.diameter_mm != 0
        )
        return cls(
            date_iso=scan.date.isoformat(),
            targets=targets,
            non_target_ids=non_targets,
            all_ids=frozenset(les.id for les in scan.lesions),
            target_sum_mm=sum(t.diameter_mm or 0.0 for t in targets),
        )


def new_lesions(scan: Imaging, baseline: BaselineDisease) -> list[Lesion]:
    """Lesions on ``scan`` that were not on the baseline scan and are present."""
    return [
        les
        for les in scan.lesions
        if les.id not in baseline.all_ids and les.status != "absent" and les.diameter_mm != 0
    ]


def target_diameters(
    scan_lesions: dict[str, Lesion], baseline: BaselineDisease
) -> tuple[list[tuple[Lesion, float]], list[str]]:
    """(baseline target, current diameter) pairs and the ids of targets not measured."""
    measured: list[tuple[Lesion, float]] = []
    missing: list[str] = []
    for target in baseline.targets:
        now = scan_lesions.get(target.id)
        if now is None or now.diameter_mm is None:
            missing.append(target.id)
        else:
            measured.append((target, now.diameter_mm))
    return measured, missing
