"""The treatment advisor: from a case at its ``as_of`` to ranked, evidence-linked options.

Pure. Steps (docs/advice.md):

1. the lines of therapy and the response assessment (:mod:`gistpath.imaging`);
2. the label dose actions for the running drug (:mod:`gistpath.safety`);
3. the situation (:mod:`gistpath.pathway.situation`);
4. the pathway rules that match it, in order (``knowledge/rules.yaml``): their options,
   alerts and notes;
5. each option checked against the case: a drug the case shows as not tolerated at that dose is
   flagged (and never left as "standard"), CYP3A4 interactions give the label's adjusted dose,
   an imatinib rechallenge is graded against the candidate profile;
6. the safety report for the running drug and the drug the first option starts;
7. trial eligibility from the trial module.

The clinician decides: every option carries its rationale, evidence ids and strength.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from gistpath.case.model import Case
from gistpath.case.timeline import treatment_lines
from gistpath.imaging.assess import AssessOptions, CaseAssessment, assess_case
from gistpath.knowledge.evidence import is_verified
from gistpath.pathway.knowledge import (
    AlertTemplate,
    OptionTemplate,
    knowledge_version,
    pathway_knowledge,
)
from gistpath.pathway.rechallenge import ProfileResult, rechallenge_profile
from gistpath.pathway.rules import matching_rules
from gistpath.pathway.situation import Situation, build_situation
from gistpath.safety.alerts import Alert, describe_dose_action, make_alert, sort_alerts
from gistpath.safety.dose_rules import evaluate_dose_rules, governing_action
from gistpath.safety.interactions import Interaction, active_medications, interactions_for
from gistpath.safety.knowledge import safety_knowledge
from gistpath.safety.report import SafetyReport, assess_safety
from gistpath.trial.design import TrialDesign, list_designs
from gistpath.trial.eligibility import EligibilityResult, check_eligibility

_STARTS = frozenset({"start", "switch", "rechallenge", "escalate"})
_DOWNGRADE = {"standard": "consider", "option": "consider", "consider": "consider"}


@dataclass(frozen=True, slots=True)
class Option:
    """One ranked option of an advice (contracts/cli.md, plus explanatory fields)."""

    rank: int
    action: str
    drug: str | None
    dose_mg: float | None
    schedule: str | None
    rationale: str
    evidence: tuple[str, ...]
    strength: str
    rule: str
    administration: str | None = None
    with_drug: str | None = None
    verified: bool = True
    cautions: tuple[str, ...] = ()
    adjusted_dose_mg: float | None = None
    adjusted_schedule: str | None = None
    interactions: tuple[Interaction, ...] = ()
    profile: ProfileResult | None = None

    @property
    def unverified_evidence(self) -> tuple[str, ...]:
        return tuple(sid for sid in self.evidence if not is_verified(sid))

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "action": self.action,
            "drug": self.drug,
            "dose_mg": self.dose_mg,
            "schedule": self.schedule,
            "rationale": self.rationale,
            "evidence": list(self.evidence),
            "strength": self.strength,
            "rule": self.rule,
            "administration": self.administration,
            "with": self.with_drug,
            "verified": self.verified,
            "unverified_evidence": list(self.unverified_evidence),
            "cautions": list(self.cautions),
            "adjusted_dose_mg": self.adjusted_dose_mg,
            "adjusted_schedule": self.adjusted_schedule,
            "interactions": [i.to_dict() for i in self.interactions],
            "profile": None if self.profile is None else self.profile.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Advice:
    case_id: str
    as_of: str
    situation: Situation
    options: tuple[Option, ...]
    alerts: tuple[Alert, ...]
    trials: tuple[EligibilityResult, ...]
    notes: tuple[str, ...]
    rules: tuple[str, ...]
    safety: SafetyReport
    knowledge_version: str

    @property
    def unverified_evidence(self) -> tuple[str, ...]:
        ids = [sid for o in self.options for sid in o.evidence]
        ids += [sid for a in self.alerts for sid in a.evidence]
        return tuple(sid for sid in dict.fromkeys(ids) if not is_verified(sid))

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "as_of": self.as_of,
            "situation": self.situation.to_dict(),
            "options": [o.to_dict() for o in self.options],
            "alerts": [a.to_dict() for a in self.alerts],
            "trials": [t.to_dict() for t in self.trials],
            "notes": list(self.notes),
            "rules": list(self.rules),
            "safety": {
                "medications": list(self.safety.medications),
                "labs": [g.to_dict() for g in self.safety.labs],
                "interactions": [i.to_dict() for i in self.safety.interactions],
                "dose_actions": [d.to_dict() for d in self.safety.dose_actions],
                "jurisdiction": self.safety.jurisdiction,
            },
            "unverified_evidence": list(self.unverified_evidence),
            "knowledge_version": self.knowledge_version,
        }


@cache
def trial_designs() -> tuple[TrialDesign, ...]:
    """The packaged trial designs (read once)."""
    return tuple(list_designs())


def assessment_for(case: Case) -> CaseAssessment:
    """The response assessment the advisor uses: all criteria, site reads (central reads when
    the case has no site scans)."""
    if case.imaging and not any(s.reader == "site" for s in case.imaging):
        return assess_case(case, AssessOptions(criteria="all", reader="central"))
    return assess_case(case, AssessOptions(criteria="all", reader="site"))


def advise(
    case: Case,
    *,
    assessment: CaseAssessment | None = None,
    jurisdiction: str = "EU",
    trials: bool = True,
) -> Advice:
    """The advice for ``case`` at its ``as_of`` (see the module docstring)."""
    kb = pathway_knowledge()
    skb = safety_knowledge()
    lines = treatment_lines(case)
    found = assessment if assessment is not None else assessment_for(case)
    current = lines[-1] if lines and lines[-1].ongoing else None
    actions = evaluate_dose_rules(case, current, jurisdiction=jurisdiction)
    situation = build_situation(case, lines, found, kb, skb.tkis, governing_action(actions))
    rules = matching_rules(situation, kb)
    eligibility = (
        tuple(check_eligibility(case, d, found) for d in trial_designs()) if trials else ()
    )
    right = next((e for e in eligibility if e.trial_id == kb.rechallenge.trial), None)
    fields = _fields(situation)
    meds = active_medications(case)
    drafts: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    alerts: list[Alert] = []
    notes: list[str] = []
    for rule in rules:
        for template in rule.options:
            draft = _option(template, rule.id, situation, fields)
            if draft is None:
                continue
            key = (draft["action"], draft["drug"], draft["dose_mg"], draft["schedule"])
            if key in seen:
                continue
            seen.add(key)
            _check(draft, situation, meds)
            if template.profile == "rechallenge":
                profile = rechallenge_profile(case, lines, found, situation, kb.rechallenge, right)
                _grade(draft, profile)
            drafts.append(draft)
        alerts.extend(_alert(a, fields) for a in rule.alerts)
        notes.extend(n.format_map(fields) for n in rule.notes)
    if not drafts and situation.kind != "deceased":
        notes.append(
            "No pathway rule covers this situation "
            f"({situation.kind}, {situation.status}, last drug {situation.last_drug}): "
            "review it without the advisor."
        )
    ranked = tuple(Option(rank=i, **draft) for i, draft in enumerate(drafts, start=1))
    starting = [
        o.drug
        for o in ranked
        if o.action in _STARTS and o.drug is not None and o.drug != situation.current_drug
    ]
    planned = starting[:1]  # the drug the best-ranked drug option would start
    report = assess_safety(
        case,
        lines=lines,
        planned=planned,
        progressed=situation.status in ("progression", "progression_off_treatment"),
        jurisdiction=jurisdiction,
        dose_actions=actions,
    )
    return Advice(
        case_id=case.id,
        as_of=case.as_of.isoformat(),
        situation=situation,
        options=ranked,
        alerts=sort_alerts([*alerts, *(report.alerts if situation.kind != "deceased" else ())]),
        trials=eligibility,
        notes=tuple(notes),
        rules=tuple(r.id for r in rules),
        safety=report,
        knowledge_version=knowledge_version(),
    )


# ------------------------------------------------------------------------------ helpers


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:  # never raise on a template field
        return "?"


def _fmt(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _fields(s: Situation) -> _Fields:
    progressing = ", ".join(s.progressing_lesions)
    return _Fields(
        current_drug=s.current_drug or "no drug",
        current_dose=_fmt(s.current_dose_mg),
        last_drug=s.last_drug or "no drug",
        last_dose=_fmt(s.last_dose_mg),
        stop_reason=(s.stop_reason or "unknown reason").replace("_", " "),
        status_text=s.status_text,
        genotype=s.genotype,
        pattern=s.pattern or "none",
        progressing=f"lesion {progressing}" if progressing else "one lesion",
        emergency_text=s.emergency_text.capitalize(),
        dose_action_text="" if s.dose_action is None else describe_dose_action(s.dose_action),
    )


def _option(t: OptionTemplate, rule: str, s: Situation, fields: _Fields) -> dict[str, Any] | None:
    """The fields of one option (all but its rank) from a rule's template and the situation."""
    action = t.action
    if action == "next":
        action = "switch" if s.kind == "on_treatment" else "start"
    drug: str | None = None
    dose: float | None = None
    schedule: str | None = None
    administration: str | None = None
    evidence = t.evidence
    verified = t.verified
    if t.regimen is not None:
        r = t.regimen
        drug, dose, schedule, administration = r.drug, r.dose_mg, r.schedule, r.administration
    elif t.from_dose_action:
        if s.dose_action is None:
            return None
        drug, dose = s.dose_action.drug, s.dose_action.new_dose_mg
        schedule = s.current_schedule
        evidence = s.dose_action.source
        verified = verified and s.dose_action.verified
    elif t.drug == "current":
        if s.current_drug is None:
            return None
        drug, dose, schedule = s.current_drug, s.current_dose_mg, s.current_schedule
    elif t.drug == "previous":
        if s.last_drug is None:
            return None
        drug, dose, schedule = s.last_drug, s.last_dose_mg, s.last_schedule
    elif t.drug is not None:
        drug = t.drug
    if evidence and not any(is_verified(sid) for sid in evidence):
        verified = False
    return {
        "action": action,
        "drug": drug,
        "dose_mg": dose,
        "schedule": schedule,
        "rationale": t.rationale.format_map(fields),
        "evidence": tuple(evidence),
        "strength": t.strength,
        "rule": rule,
        "administration": administration,
        "with_drug": t.with_drug,
        "verified": verified,
    }


def _check(o: dict[str, Any], s: Situation, meds: tuple[str, ...]) -> None:
    """Flag a drug the case shows as not tolerated at this dose, and imatinib for a genotype the
    knowledge calls imatinib-resistant (neither is ever left 'standard'); add the CYP3A4 label
    actions with the label's adjusted dose."""
    drug, dose = o["drug"], o["dose_mg"]
    if drug is None:
        return
    cautions: list[str] = []
    for n in s.not_tolerated:
        if n.drug == drug and (dose is None or dose >= n.dose_mg):
            cautions.append(
                f"Not tolerated before: {n.drug} {n.dose_mg:g} mg ({n.reason}, "
                f"{n.date.isoformat()}); weigh a lower dose or another option."
            )
            o["strength"] = _DOWNGRADE[o["strength"]]
    if drug == "imatinib" and s.genotype_imatinib == "resistant":
        cautions.append(
            f"{s.genotype} is considered imatinib-resistant: imatinib is not a standard choice."
        )
        o["strength"] = _DOWNGRADE[o["strength"]]
    found = interactions_for(drug, meds) if meds else ()
    for it in found:
        cautions.append(f"CYP3A4: {it.agent} ({it.agent_class.replace('_', ' ')}): {it.message}")
        if it.dose_mg is not None and (dose is None or it.dose_mg != dose):
            o["adjusted_dose_mg"] = it.dose_mg
            o["adjusted_schedule"] = it.schedule or o["schedule"]
    if found:
        o["interactions"] = found
    if cautions:
        o["cautions"] = tuple(cautions)


def _grade(o: dict[str, Any], profile: ProfileResult) -> None:
    """Grade a rechallenge option against the candidate profile (never hide it)."""
    cautions = list(o.get("cautions", ()))
    if profile.fits is False:
        o["strength"] = _DOWNGRADE[o["strength"]]
        cautions.append("Rechallenge profile not met: " + "; ".join(profile.unmet))
    elif profile.fits is None:
        cautions.append("Rechallenge profile incomplete: " + "; ".join(profile.unknown))
    o["cautions"] = tuple(cautions)
    o["profile"] = profile
    o["evidence"] = tuple(dict.fromkeys((*o["evidence"], *profile.evidence)))


def _alert(a: AlertTemplate, fields: _Fields) -> Alert:
    return make_alert(a.code, a.severity, a.message.format_map(fields), a.evidence)
