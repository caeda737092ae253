"""CTCAE v5.0 grading of laboratory values (cut-offs in ``knowledge/ctcae.yaml``).

Decreases (haemoglobin, neutrophils, platelets, white cells) are graded in the unit the value
was reported in whenever CTCAE prints cut-offs in that unit, so no conversion rounding can move
a value across a boundary. Increases (bilirubin, ALT, AST, creatinine) are graded as multiples
of the ULN, or of the baseline where CTCAE says so: when the baseline is above the ULN the
``abnormal_baseline`` multiples replace the ULN ones, and creatinine also takes the grade of its
``baseline`` multiples if higher. Limits come from the lab row (``uln``/``lln``) or, failing
that, the default reference limits, in which case the grade says ``limit_source: default``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from gistpath.case.model import Case, Lab
from gistpath.case.units import canonical_unit, to_canonical
from gistpath.safety.knowledge import CtcaeTerm, Cuts, safety_knowledge

#: decimals kept after unit conversion: enough for any lab value, few enough that 1500/mm3
#: converts to exactly 1.5 x 10^9/L
_DECIMALS = 9


@dataclass(frozen=True, slots=True)
class LabGrade:
    """The CTCAE grade of one lab value, with what it was measured against."""

    term: str
    label: str
    test: str
    date: date
    value: float
    unit: str
    grade: int
    basis: str  # "cut-off" | "LLN" | "ULN" | "baseline" | "normal"
    limit: float | None  # the ULN or LLN used, in the canonical unit
    limit_source: str | None  # "lab" | "default" | None when no limit was needed
    baseline_value: float | None  # canonical unit
    baseline_abnormal: bool
    source: tuple[str, ...]

    @property
    def verified(self) -> bool:
        """False when the grade depended on a default (not the lab's own) reference limit."""
        return self.limit_source != "default"

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "label": self.label,
            "test": self.test,
            "date": self.date.isoformat(),
            "value": self.value,
            "unit": self.unit,
            "grade": self.grade,
            "basis": self.basis,
            "limit": self.limit,
            "limit_source": self.limit_source,
            "baseline_value": self.baseline_value,
            "baseline_abnormal": self.baseline_abnormal,
            "evidence": list(self.source),
            "verified": self.verified,
        }


def canonical(lab: Lab) -> float:
    """The lab value in its test's canonical unit (rounded to remove float noise)."""
    return round(to_canonical(lab.test, lab.value, lab.unit), _DECIMALS)


def upper_limit(lab: Lab, sex: str) -> tuple[float, str]:
    """The ULN of ``lab`` in the canonical unit, and whether it is the lab's own or the default."""
    if lab.uln is not None:
        return round(to_canonical(lab.test, lab.uln, lab.unit), _DECIMALS), "lab"
    limit = safety_knowledge().reference_limits[lab.test]
    return limit.by_sex.get(sex, limit.by_sex["unknown"]), "default"


def lower_limit(lab: Lab, sex: str) -> tuple[float, str]:
    if lab.lln is not None:
        return round(to_canonical(lab.test, lab.lln, lab.unit), _DECIMALS), "lab"
    limit = safety_knowledge().reference_limits[lab.test]
    return limit.by_sex.get(sex, limit.by_sex["unknown"]), "default"


def times_uln(lab: Lab, sex: str) -> float:
    """The value as a multiple of its ULN (lab's own ULN, or the default)."""
    uln, _ = upper_limit(lab, sex)
    return round(canonical(lab) / uln, _DECIMALS)  # 3.6 / 1.2 is 3.0, not 3.0000000000000004


def grade_lab(lab: Lab, *, sex: str = "unknown", baseline: Lab | None = None) -> LabGrade | None:
    """The CTCAE v5.0 grade of ``lab``; None for a test CTCAE does not grade here (albumin)."""
    term = safety_knowledge().terms.get(lab.test)
    if term is None:
        return None
    if term.direction == "decrease":
        return _grade_decrease(term, lab, sex)
    return _grade_increase(term, lab, sex, baseline)


def _highest_below(value: float, cuts: Cuts) -> int:
    for grade, cut in cuts:  # highest grade (lowest cut-off) first
        if value < cut:
            return grade
    return 0


def _highest_above(value: float, reference: float, cuts: Cuts) -> int:
    for grade, multiple in cuts:  # highest grade (largest multiple) first
        if value > round(multiple * reference, _DECIMALS):  # 1.5 x 1.2 is 1.8, not 1.7999...
            return grade
    return 0


def _grade_decrease(term: CtcaeTerm, lab: Lab, sex: str) -> LabGrade:
    cuts = term.below.get(lab.unit)
    if cuts is not None:
        grade = _highest_below(lab.value, cuts)
    else:
        grade = _highest_below(canonical(lab), term.below[canonical_unit(lab.test)])
    basis, limit, limit_source = "cut-off", None, None
    if grade == 0:
        lln, limit_source = lower_limit(lab, sex)
        limit = lln
        if canonical(lab) < lln:
            grade, basis = 1, "LLN"
        else:
            basis = "normal"
    return LabGrade(
        term=term.key,
        label=term.label,
        test=lab.test,
        date=lab.date,
        value=lab.value,
        unit=lab.unit,
        grade=min(grade, term.max_lab_grade),
        basis=basis,
        limit=limit,
        limit_source=limit_source,
        baseline_value=None,
        baseline_abnormal=False,
        source=term.source,
    )


def _grade_increase(term: CtcaeTerm, lab: Lab, sex: str, baseline: Lab | None) -> LabGrade:
    value = canonical(lab)
    uln, limit_source = upper_limit(lab, sex)
    base_value: float | None = None
    abnormal = False
    if baseline is not None and baseline.test == lab.test:
        base_value = canonical(baseline)
        base_uln, _ = upper_limit(baseline, sex)
        abnormal = base_value > base_uln
    if abnormal and term.abnormal_baseline and base_value:
        grade, basis = _highest_above(value, base_value, term.abnormal_baseline), "baseline"
    else:
        grade, basis = _highest_above(value, uln, term.uln), "ULN"
    if term.baseline and base_value:
        by_baseline = _highest_above(value, base_value, term.baseline)
        if by_baseline > grade:
            grade, basis = by_baseline, "baseline"
    if grade == 0:
        basis = "normal"
    return LabGrade(
        term=term.key,
        label=term.label,
        test=lab.test,
        date=lab.date,
        value=lab.value,
        unit=lab.unit,
        grade=min(grade, term.max_lab_grade),
        basis=basis,
        limit=uln,
        limit_source=limit_source,
        baseline_value=base_value,
        baseline_abnormal=abnormal,
        source=term.source,
    )


def latest_labs(labs: Iterable[Lab], *, since: date | None = None, until: date) -> dict[str, Lab]:
    """The latest lab of each test dated in ``[since, until]``."""
    out: dict[str, Lab] = {}
    for lab in labs:
        if lab.date > until or (since is not None and lab.date < since):
            continue
        held = out.get(lab.test)
        if held is None or lab.date >= held.date:
            out[lab.test] = lab
    return out


def baseline_labs(labs: Iterable[Lab], day: date | None) -> dict[str, Lab]:
    """The last lab of each test on or before ``day`` (the start of the current line)."""
    if day is None:
        return {}
    return latest_labs(labs, until=day)


def grade_case_labs(case: Case, *, baseline_day: date | None = None) -> tuple[LabGrade, ...]:
    """Grades of the latest value of each test on or before ``as_of``, in test order."""
    latest = latest_labs(case.labs, until=case.as_of)
    baselines = baseline_labs(case.labs, baseline_day)
    sex = case.patient.sex
    grades: list[LabGrade] = []
    for test in sorted(latest):
        lab = latest[test]
        base = baselines.get(test)
        if base is not None and base.date == lab.date:
            base = None  # the value is its own baseline: nothing to compare with
        graded = grade_lab(lab, sex=sex, baseline=base)
        if graded is not None:
            grades.append(graded)
    return tuple(grades)
