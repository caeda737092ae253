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
from datetime import date
from typing import Any, NamedTuple

from gistpath.case.model import Imaging
from gistpath.imaging.criteria import ChoiRules
from gistpath.imaging.lesions import (
    BaselineDisease,
    ScanView,
    at_or_above,
    at_or_below,
    pct_change,
    read_scans,
)


class ChoiTimepoint(NamedTuple):  # a NamedTuple for the reason given in RecistTimepoint
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
    disease, views = read_scans(baseline, followups, 0.0)
    return choi_timepoints(disease, views, rules)


def choi_timepoints(
    disease: BaselineDisease, views: Sequence[ScanView], rules: ChoiRules
) -> list[ChoiTimepoint]:
    """As :func:`assess_choi`, from scans already read against the baseline."""
    return [_timepoint(view, disease, rules) for view in views]


def _timepoint(view: ScanView, disease: BaselineDisease, rules: ChoiRules) -> ChoiTimepoint:
    notes: list[str] = []
    has_targets = bool(disease.targets)
    size_change = pct_change(view.total_mm, disease.target_sum_mm) if has_targets else None
    means, paired = _paired_density(view)
    density_change = None if means is None else pct_change(means[1], means[0])
    if has_targets and paired == 0:
        notes.append("no target has a density on both scans: assessed on size alone")
    elif paired < len(disease.targets):
        notes.append(f"density from {paired} of {len(disease.targets)} targets")
    events = _progression_events(view)
    notes.extend(events)
    overall = _classify(
        events=bool(events),
        missing=bool(view.missing),
        all_gone=_all_gone(view),
        size=(disease.target_sum_mm, view.total_mm) if has_targets else None,
        density=means,
        rules=rules,
    )
    if view.missing:
        notes.append(f"target(s) not measured: {', '.join(view.missing)}")
    if not has_targets:
        notes.append("no target lesions at baseline: Choi needs measurable disease")
    return ChoiTimepoint(
        date=view.scan.date,
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
    missing: bool,
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


def _paired_density(view: ScanView) -> tuple[tuple[float, float] | None, int]:
    """(mean HU at baseline, mean HU now) over targets with a density on both, and their count."""
    before = 0.0
    after = 0.0
    count = 0
    for target, size in view.measured:
        now = view.lesions[target.id].density_hu
        if target.density_hu is None or now is None or size == 0:
            continue
        before += target.density_hu
        after += now
        count += 1
    if count == 0 or before <= 0:  # a percent change of a non-positive attenuation is meaningless
        return None, 0
    return (before / count, after / count), count


def _progression_events(view: ScanView) -> list[str]:
    events = [f"new lesion {lesion.id}" for lesion in view.new]
    events.extend(
        f"{les.intratumoral_nodule} intratumoral nodule in {les.id}" for les in view.nodules
    )
    events.extend(f"unequivocal progression of non-target {i}" for i in view.non_target_progressing)
    return events


def _all_gone(view: ScanView) -> bool:
    if view.non_target_persisting or view.non_target_unseen or view.non_target_progressing:
        return False
    return all(size == 0 for _, size in view.measured)
