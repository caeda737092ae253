"""Endpoints per case and treatment line: PFS, TTF, OS, best response and baseline covariates.

Times are months from the line's start (days / 30.4375). Everything is as of the case's
``as_of``: later data is invisible, and a patient alive at ``as_of`` is censored there (or at
``follow_up.last_contact`` if that is earlier).

- **PFS**: event at the first progression by the chosen criteria and reader within the line's
  window (up to the next line's start), or at death when no later line started before it.
  Without an event, censored at the last evaluable assessment of the line (not NE), or at the
  line's start if there is none (FDA-style censoring at the last adequate assessment).
- **TTF** (S-JP): event when the line stops for progression, toxicity, patient choice or death,
  or at death while on it; censored at a stop for completion or another reason, or while ongoing.
- **OS**: from the line's start to death; otherwise censored as above.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

from gistpath.case.model import Case
from gistpath.case.timeline import (
    Line,
    age_at,
    ecog_at,
    genotype_label,
    months_between,
    treatment_lines,
)
from gistpath.imaging.assess import AssessOptions, CaseAssessment, LineResponse, assess_case

TTF_EVENTS = frozenset({"progression", "toxicity", "patient_choice", "death"})
ProgressionCriteria = Literal["recist1.1", "recist1.0", "choi"]

#: Column order of the cohort table (contracts/cli.md first, then covariates).
COLUMNS = (
    "case_id",
    "line",
    "drug",
    "dose_mg",
    "start",
    "pfs_months",
    "pfs_event",
    "ttf_months",
    "ttf_event",
    "os_months",
    "os_event",
    "best_recist",
    "best_choi",
    "sex",
    "age",
    "ecog",
    "genotype",
    "gene",
    "exon",
    "primary_site",
    "metastatic_sites",
    "prior_lines",
    "schedule",
    "last_dose_mg",
    "end",
    "stop_reason",
    "baseline_target_sum_mm",
    "first_line_months",
    "reader",
    "criteria",
)


@dataclass(frozen=True, slots=True)
class LineEndpoints:
    """One row of the cohort table."""

    case_id: str
    line: int
    drug: str
    dose_mg: float
    start: date
    pfs_months: float
    pfs_event: int
    ttf_months: float
    ttf_event: int
    os_months: float
    os_event: int
    best_recist: str | None
    best_choi: str | None
    sex: str
    age: int | None
    ecog: int | None
    genotype: str
    gene: str
    exon: int | None
    primary_site: str
    metastatic_sites: int
    prior_lines: int
    schedule: str
    last_dose_mg: float
    end: date | None
    stop_reason: str | None
    baseline_target_sum_mm: float | None
    first_line_months: float | None
    reader: str
    criteria: str

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        for key in ("pfs_months", "ttf_months", "os_months", "first_line_months"):
            if row[key] is not None:
                row[key] = round(row[key], 3)
        return row


def line_endpoints(
    case: Case,
    *,
    reader: Literal["site", "central"] = "site",
    criteria: ProgressionCriteria = "recist1.1",
    assessment: CaseAssessment | None = None,
) -> list[LineEndpoints]:
    """One :class:`LineEndpoints` per line started on or before ``as_of``."""
    lines = treatment_lines(case)
    if not lines:
        return []
    found = assessment or assess_case(
        case, AssessOptions(criteria="all", reader=reader, progression_by=criteria)
    )
    death = _death(case)
    censor = _censor_date(case)
    first_line = lines[0]
    first_line_months = (
        months_between(first_line.start, first_line.end) if first_line.end is not None else None
    )
    rows: list[LineEndpoints] = []
    for index, line in enumerate(lines):
        response = found.lines[index]
        next_start = lines[index + 1].start if index + 1 < len(lines) else None
        pfs_day, pfs_event = _pfs(line, response, criteria, next_start, death)
        ttf_day, ttf_event = _ttf(line, death, censor)
        os_day, os_event = (death, 1) if death is not None else (censor, 0)
        rows.append(
            LineEndpoints(
                case_id=case.id,
                line=line.number,
                drug=line.drug,
                dose_mg=line.start_dose_mg,
                start=line.start,
                pfs_months=months_between(line.start, pfs_day),
                pfs_event=pfs_event,
                ttf_months=months_between(line.start, ttf_day),
                ttf_event=ttf_event,
                os_months=months_between(line.start, os_day),
                os_event=os_event,
                best_recist=(
                    response.best_recist_1_0 if criteria == "recist1.0" else response.best_recist
                ),
                best_choi=response.best_choi,
                sex=case.patient.sex,
                age=age_at(case, line.start),
                ecog=ecog_at(case, line.start),
                genotype=genotype_label(case),
                gene=case.tumour.genotype.gene,
                exon=case.tumour.genotype.exon,
                primary_site=case.tumour.primary_site,
                metastatic_sites=len(case.tumour.metastatic_sites),
                prior_lines=index,
                schedule=line.current.schedule,
                last_dose_mg=line.current.dose_mg,
                end=line.end,
                stop_reason=line.stop_reason,
                baseline_target_sum_mm=response.baseline_target_sum_mm,
                first_line_months=first_line_months,
                reader=reader,
                criteria=criteria,
            )
        )
    return rows


def cohort_rows(
    cases: Iterable[Case],
    *,
    reader: Literal["site", "central"] = "site",
    criteria: ProgressionCriteria = "recist1.1",
) -> Iterator[dict[str, Any]]:
    """Rows of the cohort table for many cases, in ``COLUMNS`` order."""
    for case in cases:
        for row in line_endpoints(case, reader=reader, criteria=criteria):
            yield row.to_row()


def _death(case: Case) -> date | None:
    fu = case.follow_up
    if fu is None or fu.death_date is None or fu.death_date > case.as_of:
        return None
    return fu.death_date


def _censor_date(case: Case) -> date:
    """The last date the patient is known alive, as of ``as_of``."""
    fu = case.follow_up
    if fu is None:
        return case.as_of
    return min(fu.last_contact, case.as_of)


def _pfs(
    line: Line,
    response: LineResponse,
    criteria: str,
    next_start: date | None,
    death: date | None,
) -> tuple[date, int]:
    if response.first_progression is not None:
        return response.first_progression, 1
    if death is not None and (next_start is None or death <= next_start):
        return death, 1
    evaluable = response.last_evaluable(criteria)
    return (line.start if evaluable is None else evaluable.date), 0


def _ttf(line: Line, death: date | None, censor: date) -> tuple[date, int]:
    if line.end is not None:
        return line.end, int(line.stop_reason in TTF_EVENTS)
    if death is not None:
        return death, 1
    return max(censor, line.start), 0
