"""Where the patient stands at ``as_of``: the facts the pathway rules are matched against.

Pure: built from the case, its response assessment (:mod:`gistpath.imaging`) and the label dose
actions of the safety layer. Definitions (docs/advice.md):

- ``kind``: ``untreated`` (no line started), ``on_treatment`` (the latest line is ongoing),
  ``off_treatment`` (it has ended), ``deceased``.
- ``status`` of the latest line: ``progression`` (RECIST 1.1 overall PD at its latest time
  point, or stopped for progression), ``progression_choi_only`` (Choi PD, RECIST not PD),
  ``intolerance`` (stopped for toxicity, or a label rule says discontinue), ``controlled``
  (CR, PR, SD or non-CR/non-PD), ``not_assessed`` (no follow-up scan yet, or NE), ``stopped``
  (stopped for another reason, no progression found), ``progression_off_treatment``
  (progression found after a stop for another reason).
- ``line``: the line the decision concerns: the ongoing line's number, otherwise the next one.
- ``next_standard``: the first drug of the standard sequence after the first that was never
  given (``none`` once all were given).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from gistpath.case.model import Case, Event
from gistpath.case.timeline import Line, ecog_at, genotype_label
from gistpath.imaging.assess import CaseAssessment, LineResponse, Timepoint
from gistpath.pathway.knowledge import GenotypeClass, PathwayKnowledge
from gistpath.safety.dose_rules import DoseAction

_CONTROLLED = frozenset({"CR", "PR", "SD", "NON_CR_NON_PD"})
_STATUS_TEXT = {
    "controlled": "Disease control",
    "not_assessed": "No response assessment yet",
    "progression": "Progression",
    "progression_choi_only": "Progression by Choi only",
    "progression_off_treatment": "Progression after stopping",
    "intolerance": "Intolerance",
    "stopped": "Stopped without progression",
    "none": "No treatment yet",
}
_RESPONSE_TEXT = {
    "CR": "Complete response",
    "PR": "Partial response",
    "SD": "Stable disease",
    "NON_CR_NON_PD": "Non-CR/non-PD disease",
}


@dataclass(frozen=True, slots=True)
class NotTolerated:
    drug: str
    dose_mg: float
    date: date
    reason: str


@dataclass(frozen=True, slots=True)
class Situation:
    line: int
    kind: str
    status: str
    genotype: str
    genotype_class: str
    genotype_imatinib: str
    current_drug: str | None
    current_dose_mg: float | None
    current_schedule: str | None
    last_drug: str | None
    last_dose_mg: float | None
    last_schedule: str | None
    last_line: int | None
    stop_reason: str | None
    last_response: str | None  # RECIST 1.1 overall at the latest time point of the last line
    last_response_choi: str | None
    best_response: str | None
    last_assessment: date | None
    pattern: str | None
    progressing_lesions: tuple[str, ...]
    exposed: frozenset[str]
    next_standard: str
    emergencies: tuple[Event, ...]
    dose_action: DoseAction | None
    continuing: bool
    tki: bool
    ecog: int | None
    not_tolerated: tuple[NotTolerated, ...]

    @property
    def status_text(self) -> str:
        if self.status == "controlled" and self.last_response in _RESPONSE_TEXT:
            return _RESPONSE_TEXT[self.last_response]
        return _STATUS_TEXT[self.status]

    @property
    def emergency_text(self) -> str:
        return "; ".join(f"{e.type} on {e.date.isoformat()}" for e in self.emergencies)

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "kind": self.kind,
            "status": self.status,
            "current_drug": self.current_drug,
            "current_dose_mg": self.current_dose_mg,
            "current_schedule": self.current_schedule,
            "last_drug": self.last_drug,
            "last_dose_mg": self.last_dose_mg,
            "stop_reason": self.stop_reason,
            "last_response": self.last_response,
            "last_response_choi": self.last_response_choi,
            "best_response": self.best_response,
            "last_assessment": None if self.last_assessment is None else str(self.last_assessment),
            "pattern": self.pattern,
            "progressing_lesions": list(self.progressing_lesions),
            "genotype": self.genotype,
            "genotype_class": self.genotype_class,
            "prior_drugs": sorted(self.exposed),
            "next_standard": self.next_standard,
            "emergencies": [
                {"type": e.type, "date": e.date.isoformat(), "detail": e.detail}
                for e in self.emergencies
            ],
            "ecog": self.ecog,
            "not_tolerated": [
                {
                    "drug": n.drug,
                    "dose_mg": n.dose_mg,
                    "date": n.date.isoformat(),
                    "reason": n.reason,
                }
                for n in self.not_tolerated
            ],
        }


def genotype_class(case: Case, kb: PathwayKnowledge) -> GenotypeClass:
    """The first genotype class of the knowledge that fits the case's genotype."""
    g = case.tumour.genotype
    variant = (g.variant or "").upper()
    for cls in kb.genotypes:
        if cls.gene != g.gene:
            continue
        if cls.exon is not None and g.exon != cls.exon:
            continue
        if cls.subtype is not None and g.subtype != cls.subtype:
            continue
        if cls.variant_contains and not any(v in variant for v in cls.variant_contains):
            continue
        return cls
    return kb.genotypes[-1]


def is_deceased(case: Case, lines: tuple[Line, ...]) -> bool:
    cut = case.as_of
    fu = case.follow_up
    if (
        fu is not None
        and fu.vital_status == "dead"
        and (fu.death_date is None or fu.death_date <= cut)
    ):
        return True
    if any(e.type == "death" and e.date <= cut for e in case.events):
        return True
    return bool(lines) and lines[-1].stop_reason == "death"


def emergencies(case: Case, kb: PathwayKnowledge) -> tuple[Event, ...]:
    """Emergency events within the window before ``as_of`` with no surgery recorded after."""
    cut = case.as_of
    earliest = cut - timedelta(days=kb.emergency_window_days)
    surgeries = [e.date for e in case.events if e.type == "surgery" and e.date <= cut]
    found = [
        e
        for e in case.events
        if e.type in kb.emergency_events
        and earliest <= e.date <= cut
        and not any(day >= e.date for day in surgeries)
    ]
    return tuple(sorted(found, key=lambda e: e.date))


def next_standard(exposed: frozenset[str], kb: PathwayKnowledge) -> str:
    for drug in kb.sequence[1:]:
        if drug not in exposed:
            return drug
    return "none"


def not_tolerated(
    case: Case, lines: tuple[Line, ...], action: DoseAction | None
) -> tuple[NotTolerated, ...]:
    """Drug and dose rows stopped for toxicity, and the running dose if a label rule says stop."""
    found: list[NotTolerated] = []
    for line in lines:
        for row in line.rows:
            if row.stop_reason == "toxicity" and row.end is not None and row.end <= case.as_of:
                found.append(NotTolerated(row.drug, row.dose_mg, row.end, "stopped for toxicity"))
    if action is not None and action.action == "discontinue":
        found.append(
            NotTolerated(action.drug, action.current_dose_mg, case.as_of, f"label: {action.title}")
        )
    return tuple(found)


def _latest(response: LineResponse | None) -> Timepoint | None:
    return None if response is None else response.last_timepoint


def build_situation(
    case: Case,
    lines: tuple[Line, ...],
    assessment: CaseAssessment,
    kb: PathwayKnowledge,
    tkis: frozenset[str],
    dose_action: DoseAction | None,
) -> Situation:
    """The situation at ``as_of`` (see the module docstring for the definitions)."""
    gclass = genotype_class(case, kb)
    last = lines[-1] if lines else None
    exposed = frozenset(line.drug for line in lines)
    response = None
    if last is not None:
        response = next((r for r in assessment.lines if r.line == last.number), None)
    tp = _latest(response)
    recist = tp.response(kb.progression_criterion) if tp is not None else None
    choi = tp.choi.overall if tp is not None and tp.choi is not None else None
    if is_deceased(case, lines):
        kind, status = "deceased", "none"
    elif last is None:
        kind, status = "untreated", "none"
    elif last.ongoing:
        kind = "on_treatment"
        if recist == "PD":
            status = "progression"
        elif choi == "PD":
            status = "progression_choi_only"
        elif dose_action is not None and dose_action.action == "discontinue":
            status = "intolerance"
        elif recist in _CONTROLLED:
            status = "controlled"
        else:
            status = "not_assessed"
    else:
        kind = "off_treatment"
        if last.stop_reason == "progression":
            status = "progression"
        elif last.stop_reason == "toxicity":
            status = "progression" if recist == "PD" else "intolerance"
        elif recist == "PD":
            status = "progression_off_treatment"
        else:
            status = "stopped"
    pattern = tp.pattern if tp is not None else None
    continuing = kind == "on_treatment" and (
        status in ("controlled", "not_assessed", "progression_choi_only")
        or (status == "progression" and pattern == "focal")
    )
    current = last.current if last is not None and last.ongoing else None
    return Situation(
        line=1 if last is None else (last.number if last.ongoing else last.number + 1),
        kind=kind,
        status=status,
        genotype=genotype_label(case),
        genotype_class=gclass.id,
        genotype_imatinib=gclass.imatinib,
        current_drug=None if current is None else current.drug,
        current_dose_mg=None if current is None else current.dose_mg,
        current_schedule=None if current is None else current.schedule,
        last_drug=None if last is None else last.drug,
        last_dose_mg=None if last is None else last.current.dose_mg,
        last_schedule=None if last is None else last.current.schedule,
        last_line=None if last is None else last.number,
        stop_reason=None if last is None else last.stop_reason,
        last_response=recist,
        last_response_choi=choi,
        best_response=None if response is None else response.best_recist,
        last_assessment=None if tp is None else tp.date,
        pattern=pattern,
        progressing_lesions=() if tp is None else tuple(tp.progressing_lesions),
        exposed=exposed,
        next_standard=next_standard(exposed, kb),
        emergencies=emergencies(case, kb),
        dose_action=dose_action,
        continuing=continuing,
        tki=last is not None and last.drug in tkis,
        ecog=ecog_at(case, case.as_of),
        not_tolerated=not_tolerated(case, lines, dose_action),
    )
