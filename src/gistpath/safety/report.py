"""One case's safety picture as of its decision date: the ``gistpath safety`` document.

Pure: takes a case (and what the advisor plans to start) and returns values. The pathway calls
:func:`assess_safety` for every advice; the safety layer never reads the pathway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gistpath.case.model import Case
from gistpath.case.timeline import Line, treatment_lines
from gistpath.errors import InputError
from gistpath.knowledge.evidence import evidence_version
from gistpath.safety.alerts import (
    Alert,
    dose_alerts,
    hemorrhage_alert,
    interaction_alerts,
    interruption_alert,
    lab_alerts,
    sort_alerts,
)
from gistpath.safety.ctcae import LabGrade, grade_case_labs
from gistpath.safety.dose_rules import DoseAction, evaluate_dose_rules
from gistpath.safety.interactions import Interaction, active_medications, interactions_for
from gistpath.safety.knowledge import JURISDICTIONS, safety_version


@dataclass(frozen=True, slots=True)
class SafetyReport:
    case_id: str
    as_of: str
    current_drug: str | None
    current_dose_mg: float | None
    medications: tuple[str, ...]
    labs: tuple[LabGrade, ...]
    interactions: tuple[Interaction, ...]
    dose_actions: tuple[DoseAction, ...]
    alerts: tuple[Alert, ...]
    jurisdiction: str
    knowledge_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "as_of": self.as_of,
            "current_drug": self.current_drug,
            "current_dose_mg": self.current_dose_mg,
            "medications": list(self.medications),
            "labs": [g.to_dict() for g in self.labs],
            "interactions": [i.to_dict() for i in self.interactions],
            "dose_actions": [d.to_dict() for d in self.dose_actions],
            "alerts": [a.to_dict() for a in self.alerts],
            "jurisdiction": self.jurisdiction,
            "knowledge_version": self.knowledge_version,
        }


def knowledge_version() -> str:
    return f"{safety_version()}+{evidence_version()}"


def assess_safety(
    case: Case,
    *,
    lines: Sequence[Line] | None = None,
    planned: Sequence[str] = (),
    progressed: bool | None = None,
    jurisdiction: str = "EU",
    dose_actions: Sequence[DoseAction] | None = None,
) -> SafetyReport:
    """Lab grades, interactions, label dose actions and alerts for ``case`` at ``as_of``.

    ``planned``: drugs the advice proposes to start (interactions and haemorrhage monitoring
    are checked for them too). ``progressed``: whether progression was found after the last
    line stopped (suppresses the interruption alert); None when unknown. ``dose_actions``: the
    label actions already evaluated for the current line (the advisor passes them).
    """
    if jurisdiction not in JURISDICTIONS:
        raise InputError(f"jurisdiction must be one of {', '.join(JURISDICTIONS)}")
    all_lines = tuple(lines) if lines is not None else treatment_lines(case)
    current = all_lines[-1] if all_lines and all_lines[-1].ongoing else None
    grades = grade_case_labs(case, baseline_day=current.start if current else None)
    meds = active_medications(case)
    now_drugs = [current.drug] if current else []
    new_drugs = [d for d in dict.fromkeys(planned) if d not in now_drugs]
    current_ix = tuple(i for d in now_drugs for i in interactions_for(d, meds)) if meds else ()
    planned_ix = tuple(i for d in new_drugs for i in interactions_for(d, meds)) if meds else ()
    actions = (
        tuple(dose_actions)
        if dose_actions is not None
        else evaluate_dose_rules(case, current, jurisdiction=jurisdiction)
    )
    alerts: list[Alert] = []
    alerts.extend(dose_alerts(actions))
    alerts.extend(interaction_alerts(current_ix))
    alerts.extend(interaction_alerts(planned_ix, planned=True))
    bleed = hemorrhage_alert(case, current, planned=new_drugs)
    if bleed is not None:
        alerts.append(bleed)
    pause = interruption_alert(all_lines, progressed=progressed)
    if pause is not None:
        alerts.append(pause)
    alerts.extend(lab_alerts(grades, case.as_of))
    return SafetyReport(
        case_id=case.id,
        as_of=case.as_of.isoformat(),
        current_drug=current.drug if current else None,
        current_dose_mg=current.current.dose_mg if current else None,
        medications=meds,
        labs=grades,
        interactions=current_ix + planned_ix,
        dose_actions=actions,
        alerts=sort_alerts(alerts),
        jurisdiction=jurisdiction,
        knowledge_version=knowledge_version(),
    )
