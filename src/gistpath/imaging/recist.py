"""RECIST 1.1 (and 1.0) time-point response from one line's baseline and follow-up scans.

Eisenhauer et al., Eur J Cancer 2009 (RECIST-1.1); Therasse et al., JNCI 2000 (RECIST-1.0).
Thresholds come from ``criteria.yaml``. Target selection problems are reported, never fixed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from gistpath.case.model import Imaging, Lesion
from gistpath.imaging.criteria import RecistRules
from gistpath.imaging.lesions import (
    BaselineDisease,
    ScanView,
    at_or_above,
    at_or_below,
    is_node,
    pct_change,
    read_scans,
)


class RecistTimepoint(NamedTuple):
    """One time point under RECIST; codes CR, PR, SD, PD, NE, NON_CR_NON_PD.

    A NamedTuple rather than a frozen dataclass: it is built several times per case, and a
    NamedTuple is immutable too but about six times cheaper to construct.
    """

    date: date
    version: str
    target_sum_mm: float | None
    nadir_mm: float | None
    change_from_baseline_pct: float | None
    change_from_nadir_pct: float | None
    target: str | None  # None: no target disease at baseline
    non_target: str | None  # None: no non-target disease at baseline
    new_lesions: bool
    overall: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "target_sum_mm": _num(self.target_sum_mm),
            "nadir_mm": _num(self.nadir_mm),
            "change_from_baseline_pct": _pct(self.change_from_baseline_pct),
            "change_from_nadir_pct": _pct(self.change_from_nadir_pct),
            "target": self.target,
            "non_target": self.non_target,
            "new_lesions": self.new_lesions,
            "overall": self.overall,
            "notes": list(self.notes),
        }


def _num(value: float | None) -> float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 1)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def check_target_selection(baseline: Imaging, rules: RecistRules) -> list[str]:
    """Target-selection problems on a baseline scan: count, per-organ count, measurability."""
    targets = [lesion for lesion in baseline.lesions if lesion.role == "target"]
    problems: list[str] = []
    day = baseline.date.isoformat()
    if len(targets) > rules.max_targets:
        problems.append(
            f"{day}: {len(targets)} target lesions; RECIST {rules.version} allows at most "
            f"{rules.max_targets}"
        )
    for organ, count in sorted(Counter(t.organ for t in targets).items()):
        if count > rules.max_targets_per_organ:
            problems.append(
                f"{day}: {count} target lesions in {organ}; RECIST {rules.version} allows at "
                f"most {rules.max_targets_per_organ} per organ"
            )
    for target in targets:
        problem = _measurability(target, rules)
        if problem:
            problems.append(f"{day}: target {target.id} {problem}")
    return problems


def _measurability(target: Lesion, rules: RecistRules) -> str | None:
    size = target.diameter_mm or 0.0
    if is_node(target):
        if size < rules.node_target_min_mm:
            kind = (
                "pathological but non-measurable"
                if size >= rules.node_pathological_min_mm
                else "normal"
            )
            return (
                f"is a lymph node of {size:g} mm short axis ({kind}); a nodal target needs "
                f">= {rules.node_target_min_mm:g} mm"
            )
        return None
    if size < rules.measurable_min_mm:
        return f"measures {size:g} mm; a measurable lesion needs >= {rules.measurable_min_mm:g} mm"
    return None


def assess_recist(
    baseline: Imaging, followups: Sequence[Imaging], rules: RecistRules
) -> list[RecistTimepoint]:
    """Time-point responses for ``followups`` (oldest first) against ``baseline``."""
    disease, views = read_scans(baseline, followups, rules.node_normal_below_mm)
    return recist_timepoints(disease, views, rules)


def recist_timepoints(
    disease: BaselineDisease, views: Sequence[ScanView], rules: RecistRules
) -> list[RecistTimepoint]:
    """As :func:`assess_recist`, from scans already read against the baseline."""
    nadir = disease.target_sum_mm
    after_cr = False
    out: list[RecistTimepoint] = []
    for view in views:
        point, complete = _timepoint(view, disease, nadir, rules)
        if after_cr and point.overall in ("PR", "SD", "NON_CR_NON_PD"):
            # RECIST 1.1 Table 3 footnote: after a true CR, any disease seen again is PD.
            point = point._replace(
                overall="PD",
                notes=(*point.notes, "disease seen again after a complete response"),
            )
        out.append(point)
        after_cr = after_cr or point.overall == "CR"
        if complete:
            nadir = min(nadir, view.total_mm)
    return out


def _timepoint(
    view: ScanView, disease: BaselineDisease, nadir: float, rules: RecistRules
) -> tuple[RecistTimepoint, bool]:
    notes: list[str] = [
        f"{lesion.id} was not on the baseline scan; counted as a new lesion"
        for lesion in view.new
        if lesion.role != "new"
    ]
    target = _target_response(view, disease, nadir, rules, notes)
    non_target = _non_target_response(view, disease, rules, notes)
    overall = _overall(target, non_target, bool(view.new))
    has_targets = bool(disease.targets)
    if not has_targets and not disease.non_target_ids:
        notes.append("no target or non-target disease on the baseline scan")
    total = view.total_mm
    point = RecistTimepoint(
        date=view.scan.date,
        version=rules.version,
        target_sum_mm=total if has_targets else None,
        nadir_mm=nadir if has_targets else None,
        change_from_baseline_pct=pct_change(total, disease.target_sum_mm) if has_targets else None,
        change_from_nadir_pct=pct_change(total, nadir) if has_targets else None,
        target=target,
        non_target=non_target,
        new_lesions=bool(view.new),
        overall=overall,
        notes=tuple(notes),
    )
    return point, not view.missing


def _target_response(
    view: ScanView,
    disease: BaselineDisease,
    nadir: float,
    rules: RecistRules,
    notes: list[str],
) -> str | None:
    if not disease.targets:
        return None
    total = view.total_mm
    progressed = _sum_progressed(total, nadir, rules)
    if view.missing:
        notes.append(f"target(s) not measured: {', '.join(view.missing)}")
        return "PD" if progressed else "NE"
    if all(_gone(target, size, rules) for target, size in view.measured):
        return "CR"
    if progressed:
        return "PD"
    if at_or_below(total, disease.target_sum_mm, rules.pr_change_pct):
        return "PR"
    return "SD"


def _sum_progressed(total: float, nadir: float, rules: RecistRules) -> bool:
    grew_enough = total - nadir >= rules.pd_min_increase_mm and total > nadir
    return grew_enough and at_or_above(total, nadir, rules.pd_change_pct)


def _gone(target: Lesion, size: float, rules: RecistRules) -> bool:
    if is_node(target) and rules.node_normal_below_mm > 0:
        return size < rules.node_normal_below_mm
    return size == 0


def _non_target_response(
    view: ScanView, disease: BaselineDisease, rules: RecistRules, notes: list[str]
) -> str | None:
    if not disease.non_target_ids:
        return None
    if view.non_target_progressing:
        return "PD"
    if view.non_target_unseen:
        notes.append(f"non-target(s) not evaluated: {', '.join(view.non_target_unseen)}")
        return "NE"
    # RECIST 1.1: non-target CR allows lymph nodes below 10 mm short axis (1.0: all gone)
    nodes_may_stay = rules.node_normal_below_mm > 0
    remaining = view.non_target_abnormal if nodes_may_stay else view.non_target_persisting
    return "NON_CR_NON_PD" if remaining else "CR"


def _overall(target: str | None, non_target: str | None, new: bool) -> str:
    """RECIST 1.1 Tables 1 and 2: overall response at one time point."""
    if new or target == "PD" or non_target == "PD":
        return "PD"
    if target is None:  # non-target disease only
        if non_target is None:
            return "NE"
        return non_target
    if target == "NE":
        return "NE"
    if target == "CR":
        return "CR" if non_target in (None, "CR") else "PR"
    return target  # PR or SD, whatever the non-PD non-target status
