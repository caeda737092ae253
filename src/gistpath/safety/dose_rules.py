"""Label dose modifications for the drug of the ongoing line (``knowledge/dose_rules.yaml``).

A rule looks at the labs and adverse events dated on or after the start of the current dose
(the current treatment row) up to ``as_of``: the latest value of each lab test and every adverse
event attributed to the drug (or to no drug). When it fires, it says what the label says: hold,
reduce to the next lower dose level, hold then reduce, or discontinue. A rule with a
``recurrence`` step uses it when an earlier episode of the same rule happened in the same line
(an earlier adverse event, or an earlier run of triggering lab values separated by recovery).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from gistpath.case.model import AdverseEvent, Case, Lab
from gistpath.case.timeline import Line
from gistpath.safety.ctcae import baseline_labs, canonical, grade_lab, latest_labs, times_uln
from gistpath.safety.knowledge import (
    Atom,
    Condition,
    DoseRule,
    Step,
    normalise_term,
    safety_knowledge,
)


@dataclass(frozen=True, slots=True)
class DoseAction:
    """What a label dose-modification rule says for the current drug and dose."""

    rule: str
    drug: str
    title: str
    action: str  # hold | hold_then_reduce | reduce | discontinue | hold_then_same_or_reduce | ...
    current_dose_mg: float
    new_dose_mg: float | None  # the dose to resume at (None: discontinue)
    alternative_dose_mg: float | None  # the reduced dose when the label allows same or reduced
    resume: str | None
    triggers: tuple[str, ...]
    recurrence: bool
    source: tuple[str, ...]
    verified: bool
    jurisdiction: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "drug": self.drug,
            "title": self.title,
            "action": self.action,
            "current_dose_mg": self.current_dose_mg,
            "new_dose_mg": self.new_dose_mg,
            "alternative_dose_mg": self.alternative_dose_mg,
            "resume": self.resume,
            "triggers": list(self.triggers),
            "recurrence": self.recurrence,
            "evidence": list(self.source),
            "verified": self.verified,
            "jurisdiction": self.jurisdiction,
        }


def dose_levels(drug: str) -> tuple[float, ...]:
    """The label's dose levels for ``drug`` (highest first); empty if the drug has no rules."""
    label = safety_knowledge().drugs.get(drug)
    return () if label is None else label.dose_levels_mg


def next_lower_dose(drug: str, dose_mg: float, levels: int = 1) -> float | None:
    """The dose ``levels`` label levels below ``dose_mg``; None below the lowest level."""
    if levels <= 0:
        return dose_mg
    lower = [d for d in dose_levels(drug) if d < dose_mg]
    return lower[levels - 1] if len(lower) >= levels else None


@cache
def _matches(term: str, group: str) -> bool:
    padded = f" {normalise_term(term)} "
    return any(f" {phrase} " in padded for phrase in safety_knowledge().term_groups[group])


@dataclass(frozen=True, slots=True)
class _State:
    labs: Mapping[str, Lab]
    baselines: Mapping[str, Lab]
    events: Sequence[AdverseEvent]
    sex: str


def _atom(atom: Atom, state: _State) -> list[str]:
    if atom.kind == "ae":
        found: list[str] = []
        for ae in state.events:
            if not atom.min_grade <= ae.grade <= atom.max_grade:
                continue
            if atom.group is not None and not _matches(ae.term, atom.group):
                continue
            if any(_matches(ae.term, g) for g in atom.except_groups):
                continue
            found.append(f"{ae.term} grade {ae.grade} on {ae.date.isoformat()}")
        return found[-1:]
    out: list[str] = []
    for test in atom.tests:
        lab = state.labs.get(test)
        if lab is None:
            continue
        shown = f"{test} {lab.value:g} {lab.unit} on {lab.date.isoformat()}"
        if atom.kind == "lab_uln":
            ratio = times_uln(lab, state.sex)
            if ratio > atom.value:
                out.append(f"{shown} ({ratio:.1f} x ULN)")
        elif atom.kind == "lab_below":
            if canonical(lab) < atom.value:
                out.append(shown)
        else:  # lab_grade
            base = state.baselines.get(test)
            graded = grade_lab(lab, sex=state.sex, baseline=base)
            if graded is not None and atom.min_grade <= graded.grade <= atom.max_grade:
                out.append(f"{shown} (CTCAE grade {graded.grade})")
    return out[:1]


def _fires(cond: Condition, state: _State) -> list[str]:
    collected: list[str] = []
    for part in cond.parts:
        found = _fires(part, state) if isinstance(part, Condition) else _atom(part, state)
        if cond.mode == "any" and found:
            return found
        if cond.mode == "all":
            if not found:
                return []
            collected.extend(found)
    return collected


def _has_lab_atoms(cond: Condition) -> bool:
    return any(
        _has_lab_atoms(p) if isinstance(p, Condition) else p.kind != "ae" for p in cond.parts
    )


def _episodes(rule: DoseRule, case: Case, line: Line, events: Sequence[AdverseEvent]) -> int:
    """Episodes of ``rule`` in ``line``: each matching adverse event, plus each run of
    triggering lab values (runs are separated by a lab draw on which the rule did not fire)."""
    sex = case.patient.sex
    base = baseline_labs(case.labs, line.start)
    count = sum(1 for ae in events if _fires(rule.when, _State({}, base, (ae,), sex)))
    if not _has_lab_atoms(rule.when):
        return count
    line_labs = sorted(
        (lab for lab in case.labs if line.start <= lab.date <= case.as_of), key=lambda x: x.date
    )
    firing = False
    for day in sorted({lab.date for lab in line_labs}):
        now = latest_labs(line_labs, until=day)
        fired = bool(_fires(rule.when, _State(now, base, (), sex)))
        if fired and not firing:
            count += 1
        firing = fired
    return count


def _dose_for(step: Step, drug: str, dose: float) -> tuple[str, float | None, float | None]:
    """(action, dose to resume at, alternative reduced dose) for one step at ``dose``."""
    action = step.action
    if action in ("reduce", "hold_then_reduce"):
        if step.resume_at_most_mg is not None:
            return action, min(dose, step.resume_at_most_mg), None
        new = next_lower_dose(drug, dose, step.reduce_levels)
        if new is None:
            return "discontinue", None, None
        return action, new, None
    if action == "discontinue":
        return action, None, None
    if action in ("hold_then_same_or_reduce", "continue_or_hold"):
        return action, dose, next_lower_dose(drug, dose)
    return action, dose, None  # hold: resume at the same dose


def applies(rule: DoseRule, dose_mg: float, jurisdiction: str) -> bool:
    if rule.jurisdiction is not None and rule.jurisdiction != jurisdiction:
        return False
    if rule.dose_at_most_mg is not None and dose_mg > rule.dose_at_most_mg:
        return False
    return not (rule.dose_above_mg is not None and dose_mg <= rule.dose_above_mg)


def evaluate_dose_rules(
    case: Case, line: Line | None, *, jurisdiction: str = "EU"
) -> tuple[DoseAction, ...]:
    """The label actions that fire for the ongoing ``line`` (none if it has ended)."""
    if line is None or not line.ongoing:
        return ()
    kb = safety_knowledge()
    rules = kb.rules_by_drug.get(line.drug, ())
    if not rules:
        return ()
    row = line.current
    dose = row.dose_mg
    as_of = case.as_of
    line_events = [
        ae
        for ae in case.adverse_events
        if line.start <= ae.date <= as_of and (ae.drug is None or ae.drug == line.drug)
    ]
    state = _State(
        labs=latest_labs(case.labs, since=row.start, until=as_of),
        baselines=baseline_labs(case.labs, line.start),
        events=[ae for ae in line_events if ae.date >= row.start],
        sex=case.patient.sex,
    )
    out: list[DoseAction] = []
    for rule in rules:
        if not applies(rule, dose, jurisdiction):
            continue
        triggers = _fires(rule.when, state)
        if not triggers:
            continue
        again = rule.recurrence is not None and _episodes(rule, case, line, line_events) >= 2
        step = rule.recurrence if again and rule.recurrence is not None else rule.first
        action, new, alternative = _dose_for(step, line.drug, dose)
        out.append(
            DoseAction(
                rule=rule.id,
                drug=line.drug,
                title=rule.title,
                action=action,
                current_dose_mg=dose,
                new_dose_mg=new,
                alternative_dose_mg=alternative,
                resume=step.resume,
                triggers=tuple(triggers),
                recurrence=again,
                source=rule.source,
                verified=step.verified,
                jurisdiction=rule.jurisdiction,
            )
        )
    return tuple(out)


#: How decisive an action is, for choosing the one that governs the advice.
_ORDER = {
    "discontinue": 5,
    "hold_then_reduce": 4,
    "reduce": 3,
    "hold": 2,
    "hold_then_same_or_reduce": 2,
    "continue_or_hold": 1,
}


def governing_action(actions: Iterable[DoseAction]) -> DoseAction | None:
    """The most decisive action (discontinue > hold then reduce > reduce > hold > continue)."""
    best: DoseAction | None = None
    for action in actions:
        if best is None or _ORDER[action.action] > _ORDER[best.action]:
            best = action
    return best
