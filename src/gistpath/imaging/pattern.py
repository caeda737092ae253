"""Pattern of progression per time point: which lesions progress, focal or generalised.

A lesion progresses when it grows by the per-lesion rule over its own nadir since the line's
baseline (RECIST 1.1 thresholds applied lesion by lesion: +20% and +5 mm), is new, carries a new
or enlarging intratumoral nodule, or is a non-target in unequivocal progression. The pattern is
``focal`` when 1 to ``focal_max_lesions`` lesions progress while every other lesion is evaluated
(DeMatteo 2007: focal resistance = one tumour growing), ``generalized`` when more progress,
``none`` when none does, and ``indeterminate`` when unmeasured lesions leave it open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from gistpath.case.model import Imaging, Lesion
from gistpath.imaging.criteria import PatternRules
from gistpath.imaging.lesions import BaselineDisease, at_or_above, by_id

_NODULE_PD = ("new", "enlarging")


@dataclass(frozen=True, slots=True)
class PatternTimepoint:
    date: date
    progressing_lesions: tuple[str, ...]
    unevaluated_lesions: tuple[str, ...]
    pattern: str


def assess_pattern(
    baseline: Imaging, followups: Sequence[Imaging], rules: PatternRules
) -> list[PatternTimepoint]:
    """Progressing lesions and the pattern at each follow-up scan (oldest first)."""
    disease = BaselineDisease.from_scan(baseline)
    nadir: dict[str, float] = {
        les.id: les.diameter_mm for les in baseline.lesions if les.diameter_mm is not None
    }
    tracked = [
        les.id
        for les in baseline.lesions
        if les.id in disease.non_target_ids or les.role == "target"
    ]
    out: list[PatternTimepoint] = []
    for scan in followups:
        lesions = by_id(scan)
        progressing: list[str] = []
        for lesion in scan.lesions:
            if _progresses(lesion, disease, nadir, rules):
                progressing.append(lesion.id)
        unevaluated = tuple(i for i in tracked if i not in lesions)
        out.append(
            PatternTimepoint(
                date=scan.date,
                progressing_lesions=tuple(progressing),
                unevaluated_lesions=unevaluated,
                pattern=_pattern(len(progressing), bool(unevaluated), rules),
            )
        )
        for lesion in scan.lesions:
            if lesion.diameter_mm is not None:
                previous = nadir.get(lesion.id)
                if previous is None or lesion.diameter_mm < previous:
                    nadir[lesion.id] = lesion.diameter_mm
    return out


def _progresses(
    lesion: Lesion,
    disease: BaselineDisease,
    nadir: dict[str, float],
    rules: PatternRules,
) -> bool:
    status = lesion.status
    size = lesion.diameter_mm
    if status == "absent" or size == 0:
        return False
    if lesion.id not in disease.all_ids:
        return True  # new since the line's baseline
    if lesion.intratumoral_nodule in _NODULE_PD:
        return True
    if status == "unequivocal_progression":
        return True
    low = nadir.get(lesion.id)
    if size is None or low is None:
        return False
    return (
        size - low >= rules.lesion_pd_min_increase_mm
        and size > low
        and at_or_above(size, low, rules.lesion_pd_change_pct)
    )


def _pattern(progressing: int, unevaluated: bool, rules: PatternRules) -> str:
    if progressing > rules.focal_max_lesions:
        return "generalized"
    if unevaluated:
        return "indeterminate"
    return "focal" if progressing else "none"
