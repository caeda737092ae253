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
from gistpath.imaging.lesions import BaselineDisease, ScanView, at_or_above, read_scans

_NODULE_PD = ("new", "enlarging")


@dataclass(slots=True)  # internal working type (see imaging/lesions.py)
class PatternTimepoint:
    date: date
    progressing_lesions: tuple[str, ...]
    unevaluated_lesions: tuple[str, ...]
    pattern: str


def assess_pattern(
    baseline: Imaging, followups: Sequence[Imaging], rules: PatternRules
) -> list[PatternTimepoint]:
    """Progressing lesions and the pattern at each follow-up scan (oldest first)."""
    disease, views = read_scans(baseline, followups, 0.0)
    return pattern_timepoints(baseline, disease, views, rules)


def pattern_timepoints(
    baseline: Imaging,
    disease: BaselineDisease,
    views: Sequence[ScanView],
    rules: PatternRules,
) -> list[PatternTimepoint]:
    """As :func:`assess_pattern`, from scans already read against the baseline."""
    nadir: dict[str, float] = {
        les.id: les.diameter_mm for les in baseline.lesions if les.diameter_mm is not None
    }
    tracked = [les.id for les in disease.targets] + list(disease.non_target_ids)
    out: list[PatternTimepoint] = []
    for view in views:
        progressing: list[str] = []
        for lesion in view.scan.lesions:
            size = lesion.diameter_mm
            low = nadir.get(lesion.id)
            if _progresses(lesion, low, disease, rules):
                progressing.append(lesion.id)
            # the lesion's own nadir, updated after its check (which reads only its own nadir)
            if size is not None and (low is None or size < low):
                nadir[lesion.id] = size
        unevaluated = tuple(i for i in tracked if i not in view.lesions)
        out.append(
            PatternTimepoint(
                date=view.scan.date,
                progressing_lesions=tuple(progressing),
                unevaluated_lesions=unevaluated,
                pattern=_pattern(len(progressing), bool(unevaluated), rules),
            )
        )
    return out


def _progresses(
    lesion: Lesion, low: float | None, disease: BaselineDisease, rules: PatternRules
) -> bool:
    """New, a new/enlarging nodule, unequivocal non-target progression, or per-lesion growth
    of at least the percentage and the millimetres over the lesion's own nadir ``low``."""
    size = lesion.diameter_mm
    if lesion.status == "absent" or size == 0:
        return False
    if lesion.id not in disease.all_ids or lesion.intratumoral_nodule in _NODULE_PD:
        return True
    if lesion.status == "unequivocal_progression":
        return True
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
