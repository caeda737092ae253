"""Choi criteria for GIST on CT (Choi et al., J Clin Oncol 2007; CHOI-2007).

Size is the RECIST sum of target diameters; density is the mean attenuation (HU) of the target
lesions. Both changes are measured from the line's baseline (Choi defines no nadir rule).
Choi does not say how HU is aggregated across lesions (unverified in our sources): gistpath takes
the mean of per-lesion HU over the targets measured at both baseline and the time point
("paired"), so a lesion missing a density on one scan cannot fake a change. A time point
without any paired density is assessed on size alone and says so.

Evaluation order: a new lesion, a new or enlarging intratumoral nodule or unequivocal
non-target progression is PD; then CR; then PR (size -10% OR density -15%); then PD
(size +10% without a density response); otherwise SD.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from gistpath.case.model import Imaging, Lesion
from gistpath.imaging.criteria import ChoiRules
from gistpath.imaging.lesions import (
    BaselineDisease,
    at_or_above,
    at_or_below,
    by_id,
    new_lesions,
    pct_change,
    target_diameters,
)

_NODULE_PD = ("new", "enlarging")


@dataclass(frozen=True, slots=True)
class ChoiTimepoint:
    date: date
    size_change_pct: float | None
    density_change_pct: float | None
    density_lesions: int  # targets contributing to the density change
    size_only: bool
    overall: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "size_change_pct": None
            if self.size_change_pct is None
            else round(self.size_change_pct, 1),
            "density_change_pct": (
                None if self.density_change_pct is None else round(self.density_change_pct, 1)
            ),
            "density_lesions": self.density_lesions,
            "size_only": self.size_only,
            "overall": self.overall,
            "notes": list(self.notes),
        }


def assess_choi(
    baseline: Imaging, followups: Sequence[Imaging], rules: ChoiRules
) -> list[ChoiTimepoint]:
    """Choi responses for ``followups`` (oldest first) against ``baseline``."""
    disease = BaselineDisease.from_scan(baseline)
    return [_timepoint(scan, disease, rules) for scan in followups]


def _timepoint(scan: Imaging, disease: BaselineDisease, rules: ChoiRules) -> ChoiTimepoint:
    lesions = by_id(scan)
    notes: list[str] = []
    measured, missing = target_diameters(lesions, disease)
    size_now = sum(size for _, size in measured)
    size_change = pct_change(size_now, disease.target_sum_mm) if disease.targets else None
    means, paired = _paired_density(measured, lesions)
    density_change = None if means is None else pct_change(means[1], means[0])
    if disease.targets and paired == 0:
        notes.append("no target has a density on both scans: assessed on size alone")
    elif paired < len(disease.targets):
        notes.append(f"density from {paired} of {len(disease.targets)} targets")
    events = _progression_events(scan, lesions, disease)
    notes.extend(events)

    overall = _classify(
        events=bool(events),
        missing=missing,
        all_gone=_all_gone(measured, lesions, disease),
        size=(disease.target_sum_mm, size_now) if disease.targets else None,
        density=means,
        rules=rules,
    )
    if missing:
        notes.append(f"target(s) not measured: {', '.join(missing)}")
    if not disease.targets:
        notes.append("no target lesions at baseline: Choi needs measurable disease")
    return ChoiTimepoint(
        date=scan.date,
        size_change_pct=size_change,
        density_change_pct=density_change,
        density_lesions=paired,
        size_only=density_change is None,
        overall=overall,
        notes=tuple(notes),
    )


def _classify(
    *,
    events: bool,
    missing: list[str],
    all_gone: bool,
    size: tuple[float, float] | None,
    density: tuple[float, float] | None,
    rules: ChoiRules,
) -> str:
    """Classify from (baseline, now) pairs of the target sum and the mean density."""
    if events:
        return "PD"
    if missing or size is None or size[0] == 0:
        return "NE"
    if all_gone:
        return "CR"
    density_response = density is not None and at_or_below(
        density[1], density[0], rules.pr_density_change_pct
    )
    if density_response or at_or_below(size[1], size[0], rules.pr_size_change_pct):
        return "PR"
    if at_or_above(size[1], size[0], rules.pd_size_change_pct):
        return "PD"
    return "SD"


def _paired_density(
    measured: list[tuple[Lesion, float]], lesions: dict[str, Lesion]
) -> tuple[tuple[float, float] | None, int]:
    """(mean HU at baseline, mean HU now) over targets with a density on both, and their count."""
    before: list[float] = []
    after: list[float] = []
    for target, size in measured:
        now = lesions[target.id]
        if target.density_hu is None or now.density_hu is None or size == 0:
            continue
        before.append(target.density_hu)
        after.append(now.density_hu)
    if not before:
        return None, 0
    mean_before = sum(before) / len(before)
    if mean_before <= 0:  # a percent change of a non-positive attenuation is meaningless
        return None, 0
    return (mean_before, sum(after) / len(after)), len(before)


def _progression_events(
    scan: Imaging, lesions: dict[str, Lesion], disease: BaselineDisease
) -> list[str]:
    events = [f"new lesion {lesion.id}" for lesion in new_lesions(scan, disease)]
    for lesion in scan.lesions:
        if lesion.intratumoral_nodule in _NODULE_PD:
            events.append(f"{lesion.intratumoral_nodule} intratumoral nodule in {lesion.id}")
    for lesion_id in disease.non_target_ids:
        now = lesions.get(lesion_id)
        if now is not None and now.status == "unequivocal_progression":
            events.append(f"unequivocal progression of non-target {lesion_id}")
    return events


def _all_gone(
    measured: list[tuple[Lesion, float]], lesions: dict[str, Lesion], disease: BaselineDisease
) -> bool:
    if any(size > 0 for _, size in measured):
        return False
    for lesion_id in disease.non_target_ids:
        now = lesions.get(lesion_id)
        if now is None or now.status != "absent":
            return False
    return True
