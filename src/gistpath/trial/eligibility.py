"""Eligibility of a case for a trial design (pure): each criterion met, unmet or unknown.

Everything is read as of the case's ``as_of``. ``eligible`` is False when any criterion is unmet,
None when none is unmet but some cannot be decided from the case (a missing lab, no ULN, no
birth date), and True only when every criterion is met. The thresholds come from the design YAML;
this module only knows how each *kind* of criterion is read.

"Prior benefit" uses the response assessment when one is given (any object with ``.lines``, each
with ``.line``, ``.drug``, ``.start`` and ``.best_recist`` -- :class:`ResponseAssessment`, which
``gistpath.imaging.assess.CaseAssessment`` satisfies). Without one it falls back to the length of
the first-line treatment and how it ended, and says "unknown" where that cannot tell.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

from gistpath.case.model import Case, Lab
from gistpath.case.timeline import Line, age_at, ecog_at, months_between, treatment_lines
from gistpath.case.units import canonical_unit, to_canonical
from gistpath.trial.design import (
    AgeCriterion,
    EcogCriterion,
    FirstLineBenefitCriterion,
    LabCriterion,
    LabUlnCriterion,
    ProgressionSequenceCriterion,
    TrialDesign,
)

Status = Literal["met", "unmet", "unknown"]


class LineResponse(Protocol):
    """What eligibility reads from one line of a response assessment."""

    @property
    def line(self) -> int: ...
    @property
    def drug(self) -> str: ...
    @property
    def start(self) -> date: ...
    @property
    def best_recist(self) -> str | None: ...


class ResponseAssessment(Protocol):
    """A case's response assessment (``gistpath.imaging.assess.CaseAssessment`` fits)."""

    @property
    def lines(self) -> Sequence[LineResponse]: ...


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's outcome with the facts behind it."""

    id: str
    text: str
    status: Status
    detail: str
    source: tuple[str, ...]
    unverified: bool

    @property
    def readable(self) -> str:
        return f"{self.text} ({self.detail})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "status": self.status,
            "detail": self.detail,
            "source": list(self.source),
            "unverified": self.unverified,
        }


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    """The outcome for one trial; ``to_dict()`` is what the advisor lists under ``trials``."""

    trial_id: str
    as_of: date
    criteria: tuple[CriterionResult, ...]

    @property
    def eligible(self) -> bool | None:
        if self.unmet:
            return False
        return None if self.unknown else True

    @property
    def unmet(self) -> list[str]:
        return self._texts("unmet")

    @property
    def unknown(self) -> list[str]:
        return self._texts("unknown")

    @property
    def met(self) -> list[str]:
        return self._texts("met")

    def _texts(self, status: Status) -> list[str]:
        return [c.readable for c in self.criteria if c.status == status]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.trial_id,
            "eligible": self.eligible,
            "unmet": self.unmet,
            "unknown": self.unknown,
        }

    def to_detail_dict(self) -> dict[str, Any]:
        """``to_dict()`` plus the as-of date and every criterion with its facts and sources."""
        return {
            **self.to_dict(),
            "as_of": self.as_of.isoformat(),
            "criteria": [c.to_dict() for c in self.criteria],
        }


def check_eligibility(
    case: Case, design: TrialDesign, assessment: ResponseAssessment | None = None
) -> EligibilityResult:
    """Check every eligibility criterion of ``design`` against ``case`` as of its ``as_of``."""
    lines = treatment_lines(case)
    results = []
    for criterion in design.eligibility:
        status, detail = _evaluate(criterion, case, lines, assessment)
        sources = (criterion.source,) if isinstance(criterion.source, str) else criterion.source
        results.append(
            CriterionResult(
                criterion.id,
                criterion.text,
                status,
                detail,
                tuple(sources),
                criterion.unverified,
            )
        )
    return EligibilityResult(design.id, case.as_of, tuple(results))


Outcome = tuple[Status, str]


def _evaluate(
    criterion: Any, case: Case, lines: tuple[Line, ...], assessment: ResponseAssessment | None
) -> Outcome:
    if isinstance(criterion, AgeCriterion):
        return _age(criterion, case)
    if isinstance(criterion, FirstLineBenefitCriterion):
        return _first_line_benefit(criterion, case, lines, assessment)
    if isinstance(criterion, ProgressionSequenceCriterion):
        return _progression_sequence(criterion, lines)
    if isinstance(criterion, EcogCriterion):
        return _ecog(criterion, case)
    if isinstance(criterion, LabCriterion):
        return _lab(criterion, case)
    if isinstance(criterion, LabUlnCriterion):
        return _lab_uln(criterion, case)
    raise TypeError(f"no rule for criterion kind {type(criterion).__name__}")


def _age(criterion: AgeCriterion, case: Case) -> Outcome:
    age = age_at(case, case.as_of)
    if age is None:
        return "unknown", "birth date not recorded"
    status: Status = "met" if age >= criterion.min_years else "unmet"
    return status, f"age {age}"


def _first_line_benefit(
    criterion: FirstLineBenefitCriterion,
    case: Case,
    lines: tuple[Line, ...],
    assessment: ResponseAssessment | None,
) -> Outcome:
    if not lines:
        return "unmet", "no treatment recorded"
    first = lines[0]
    if first.drug != criterion.drug:
        return "unmet", f"first line was {first.drug}, not {criterion.drug}"
    months = months_between(first.start, first.end or case.as_of)
    long_enough = months >= criterion.min_months
    span = f"first-line {first.drug} for {months:.1f} months"
    best = _best_response(assessment, first)
    if best in criterion.responses:
        if best != "SD":
            return "met", f"best response {best} on {span}"
        if long_enough:
            return "met", f"stable disease on {span}"
        return "unmet", f"best response SD on {span}, under {criterion.min_months:g} months"
    if best == "PD":
        return "unmet", f"best response PD on {span}"
    # No usable assessment: judge from how long the line lasted and how it ended.
    if first.end is None:
        return ("met", f"{span}, ongoing") if long_enough else ("unknown", f"{span}, ongoing")
    if first.stop_reason == "progression":
        if long_enough:
            return "met", f"{span} until progression"
        return (
            "unknown",
            f"progression after {months:.1f} months; an earlier response cannot be excluded "
            "without imaging",
        )
    return "unknown", f"{span}, stopped for {first.stop_reason}; response not assessed"


def _best_response(assessment: ResponseAssessment | None, line: Line) -> str | None:
    if assessment is None:
        return None
    for response in assessment.lines:
        if response.line == line.number and response.drug == line.drug:
            return response.best_recist
    return None


def _progression_sequence(
    criterion: ProgressionSequenceCriterion, lines: tuple[Line, ...]
) -> Outcome:
    after = 0
    found: list[str] = []
    for step in criterion.steps:
        candidates = [line for line in lines[after:] if line.drug == step.drug]
        previous = f" after {found[-1]}" if found else ""
        if not candidates:
            return "unmet", f"no {step.drug}{previous}"
        hit = next((ln for ln in candidates if ln.stop_reason in step.stop_reasons), None)
        if hit is None:
            undecided = [
                ln for ln in candidates if ln.stop_reason in criterion.undecided_stop_reasons
            ]
            last = candidates[-1]
            if undecided:
                return "unknown", f"{step.drug} stopped for {undecided[0].stop_reason!r}"
            if last.end is None:
                return (
                    "unmet",
                    f"{step.drug} ongoing ({' or '.join(step.stop_reasons)} not reached)",
                )
            return "unmet", f"{step.drug} stopped for {last.stop_reason}"
        found.append(f"{step.drug} ({hit.stop_reason}, line {hit.number})")
        after = hit.number  # line numbers start at 1: lines[after:] are the later lines
    return "met", ", then ".join(found)


def _ecog(criterion: EcogCriterion, case: Case) -> Outcome:
    ecog = ecog_at(case, case.as_of)
    if ecog is None:
        return "unknown", "no ECOG on or before as_of"
    status: Status = "met" if criterion.min <= ecog <= criterion.max else "unmet"
    return status, f"ECOG {ecog}"


_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _latest(case: Case, test: str) -> Lab | None:
    found = [lab for lab in case.labs if lab.test == test and lab.date <= case.as_of]
    return max(found, key=lambda lab: lab.date, default=None)


def _lab(criterion: LabCriterion, case: Case) -> Outcome:
    lab = _latest(case, criterion.test)
    if lab is None:
        return "unknown", f"no {criterion.test} result on or before {case.as_of}"
    value = to_canonical(lab.test, lab.value, lab.unit)
    status: Status = "met" if _OPS[criterion.op](value, criterion.value) else "unmet"
    return status, f"{criterion.test} {value:g} {canonical_unit(lab.test)} on {lab.date}"


def _lab_uln(criterion: LabUlnCriterion, case: Case) -> Outcome:
    """Each measured test must satisfy the limit; one test at least must be measured, and a
    measured value without its ULN cannot be judged."""
    liver = (
        "liver" in case.tumour.metastatic_sites and criterion.liver_metastases_times_uln is not None
    )
    limit = criterion.liver_metastases_times_uln if liver else criterion.times_uln
    assert limit is not None
    where = f"limit {limit:g} x ULN{' with liver metastases' if liver else ''}"
    measured: list[str] = []
    failed: list[str] = []
    unclear: list[str] = []
    missing: list[str] = []
    for test in criterion.tests:
        lab = _latest(case, test)
        if lab is None:
            missing.append(f"no {test} result on or before {case.as_of}")
        elif lab.uln is None:
            unclear.append(f"{test} {lab.value:g} {lab.unit} on {lab.date} has no ULN")
        else:
            text = f"{test} {lab.value / lab.uln:.2f} x ULN on {lab.date}"
            ok = _OPS[criterion.op](lab.value, limit * lab.uln)
            (measured if ok else failed).append(text)
    if failed:
        return "unmet", f"{'; '.join(failed)}; {where}"
    if unclear or not measured:
        return "unknown", f"{'; '.join(unclear + missing)}; {where}"
    return "met", f"{'; '.join(measured)}; {where}"
