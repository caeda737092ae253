"""Lesion bookkeeping shared by the criteria: a line's baseline disease and per-scan look-ups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gistpath.case.model import Imaging, Lesion

NODE = "lymph_node"
_EPS = 1e-9


def is_node(lesion: Lesion) -> bool:
    return lesion.organ == NODE


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


# Internal working types below are plain slotted dataclasses, not frozen: they are built ~10
# times per case on the hot path, and a frozen __init__ costs ~9x more. Nothing mutates them.


@dataclass(slots=True)
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


@dataclass(slots=True)
class ScanView:
    """One follow-up scan read against a line's baseline, shared by every criterion."""

    scan: Imaging
    lesions: dict[str, Lesion]
    measured: tuple[tuple[Lesion, float], ...]  # (baseline target, current diameter)
    missing: tuple[str, ...]  # baseline targets not measured
    total_mm: float  # sum of the measured targets
    new: tuple[Lesion, ...]  # present lesions absent from the baseline scan
    non_target_unseen: tuple[str, ...]
    non_target_progressing: tuple[str, ...]
    non_target_persisting: bool  # any non-target still present
    non_target_abnormal: bool  # ... other than a lymph node now below the normal short axis
    nodules: tuple[Lesion, ...]  # lesions with a new or enlarging intratumoral nodule


_NODULE_PD = ("new", "enlarging")


def read_scan(scan: Imaging, baseline: BaselineDisease, node_normal_below_mm: float) -> ScanView:
    """Everything the criteria need from ``scan``, computed once. A non-target lymph node
    reported below ``node_normal_below_mm`` short axis is normal for RECIST 1.1 CR."""
    lesions = {les.id: les for les in scan.lesions}
    measured: list[tuple[Lesion, float]] = []
    missing: list[str] = []
    total = 0.0
    for target in baseline.targets:
        now = lesions.get(target.id)
        if now is None or now.diameter_mm is None:
            missing.append(target.id)
        else:
            measured.append((target, now.diameter_mm))
            total += now.diameter_mm
    unseen: list[str] = []
    progressing: list[str] = []
    persisting = abnormal = False
    for lesion_id in baseline.non_target_ids:
        now = lesions.get(lesion_id)
        if now is None:
            unseen.append(lesion_id)
        elif now.status == "unequivocal_progression":
            progressing.append(lesion_id)
        elif now.status != "absent" and now.diameter_mm != 0:
            persisting = True
            normal_node = (
                is_node(now)
                and now.diameter_mm is not None
                and now.diameter_mm < node_normal_below_mm
            )
            abnormal = abnormal or not normal_node
    new: list[Lesion] = []
    nodules: list[Lesion] = []
    known = baseline.all_ids
    for les in scan.lesions:  # one pass for new lesions and intratumoral nodules
        if les.id not in known and les.status != "absent" and les.diameter_mm != 0:
            new.append(les)
        if les.intratumoral_nodule in _NODULE_PD:
            nodules.append(les)
    return ScanView(
        scan=scan,
        lesions=lesions,
        measured=tuple(measured),
        missing=tuple(missing),
        total_mm=total,
        new=tuple(new),
        non_target_unseen=tuple(unseen),
        non_target_progressing=tuple(progressing),
        non_target_persisting=persisting,
        non_target_abnormal=abnormal,
        nodules=tuple(nodules),
    )


def read_scans(
    baseline: Imaging, followups: Sequence[Imaging], node_normal_below_mm: float
) -> tuple[BaselineDisease, list[ScanView]]:
    disease = BaselineDisease.from_scan(baseline)
    return disease, [read_scan(scan, disease, node_normal_below_mm) for scan in followups]
