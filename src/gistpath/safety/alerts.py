"""Safety alerts: ``{"code", "severity", "message", "evidence"}`` (contracts/cli.md).

Codes raised here: ``lab-toxicity``, ``cyp3a4-inducer``, ``cyp3a4-inhibitor``,
``dose-modification``, ``hemorrhage-monitoring`` and ``interruption-risk``. The pathway adds
``emergency-surgery``, ``genotype-missing`` and ``imatinib-resistant-genotype`` with the same
:class:`Alert` type. Severities: ``info``, ``warning``, ``critical``; the choice per alert is
knowledge (YAML), not code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from gistpath.case.model import Case, Imaging, Lab
from gistpath.case.timeline import Line
from gistpath.knowledge.evidence import is_verified
from gistpath.safety.ctcae import LabGrade, canonical, grade_lab
from gistpath.safety.dose_rules import DoseAction
from gistpath.safety.interactions import Interaction
from gistpath.safety.knowledge import safety_knowledge

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Alert:
    code: str
    severity: str  # info | warning | critical
    message: str
    evidence: tuple[str, ...]
    verified: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "evidence": list(self.evidence),
            "verified": self.verified,
        }


def make_alert(
    code: str, severity: str, message: str, evidence: Iterable[str], *, verified: bool = True
) -> Alert:
    """An alert; ``verified`` is false when the rule says so or when every cited source is
    unverified (one verified source is enough to carry it; the unverified ones stay listed)."""
    ids = tuple(dict.fromkeys(evidence))
    ok = verified and (not ids or any(is_verified(sid) for sid in ids))
    text = message if ok else f"{message} [includes unverified knowledge]"
    return Alert(code, severity, text, ids, ok)


def sort_alerts(alerts: Iterable[Alert]) -> tuple[Alert, ...]:
    """Most severe first; the original order within a severity."""
    return tuple(sorted(alerts, key=lambda a: SEVERITY_ORDER.get(a.severity, 3)))


# ------------------------------------------------------------------------------ labs


def lab_alerts(grades: Iterable[LabGrade], as_of: date) -> list[Alert]:
    """One ``lab-toxicity`` alert per graded value at or above grade 2 that is recent enough."""
    kb = safety_knowledge()
    out: list[Alert] = []
    for g in grades:
        severity = kb.lab_alert_severity.get(g.grade)
        if severity is None or (as_of - g.date).days > kb.lab_alert_max_age_days:
            continue
        limit = ""
        if g.basis == "baseline" and g.baseline_value is not None:
            limit = f", against an abnormal baseline of {g.baseline_value:g}"
        elif g.limit_source == "default":
            limit = ", against gistpath's default reference limit (the lab gave none)"
        out.append(
            make_alert(
                "lab-toxicity",
                severity,
                f"{g.label}: CTCAE v5.0 grade {g.grade} ({g.test} {g.value:g} {g.unit} on "
                f"{g.date.isoformat()}{limit}).",
                (*g.source, *(kb.reference_source if g.limit_source == "default" else ())),
                verified=g.verified,
            )
        )
    return out


# ------------------------------------------------------------------------------ interactions


def interaction_alerts(
    interactions: Iterable[Interaction], *, planned: bool = False
) -> list[Alert]:
    kb = safety_knowledge()
    out: list[Alert] = []
    for it in interactions:
        code, severity = kb.interaction_alerts[it.agent_class]
        cls = it.agent_class.replace("_", " ")
        when = "planned " if planned else ""
        out.append(
            make_alert(
                code,
                severity,
                f"{it.agent} ({cls} of CYP3A4) with {when}{it.drug}: {it.message}",
                it.source,
                verified=it.verified,
            )
        )
    return out


# ------------------------------------------------------------------------------ dose rules


_ACTION_TEXT = {
    "discontinue": "discontinue {drug}",
    "hold": "withhold {drug}, then resume at {new:g} mg",
    "hold_then_reduce": "withhold {drug}, then resume at {new:g} mg",
    "reduce": "reduce {drug} to {new:g} mg",
    "hold_then_same_or_reduce": "withhold {drug}, then resume at {new:g} mg or {alt} mg",
    "continue_or_hold": "continue {drug} at {new:g} mg, or withhold, then resume at {new:g} or "
    "{alt} mg",
}


def describe_dose_action(action: DoseAction) -> str:
    alt = (
        "a reduced dose"
        if action.alternative_dose_mg is None
        else f"{action.alternative_dose_mg:g}"
    )
    what = _ACTION_TEXT[action.action].format(
        drug=action.drug, new=action.new_dose_mg or 0.0, alt=alt
    )
    again = " (recurrence)" if action.recurrence else ""
    detail = f" Label: {action.resume}." if action.resume else ""
    where = f" [{action.jurisdiction} label]" if action.jurisdiction else ""
    return (
        f"{action.title}{again}: {'; '.join(action.triggers)}. Label action: {what} "
        f"(current {action.current_dose_mg:g} mg).{detail}{where}"
    )


def dose_alerts(actions: Iterable[DoseAction]) -> list[Alert]:
    kb = safety_knowledge()
    return [
        make_alert(
            "dose-modification",
            kb.dose_alert_severity[a.action],
            describe_dose_action(a),
            a.source,
            verified=a.verified,
        )
        for a in actions
    ]


# ------------------------------------------------------------------------------ haemorrhage


@dataclass(frozen=True, slots=True)
class TumourBurden:
    date: date
    largest_mm: float
    largest_lesion: str
    target_sum_mm: float


def tumour_burden(case: Case) -> TumourBurden | None:
    """Largest lesion and sum of target diameters on the latest scan on or before ``as_of``."""
    latest: Imaging | None = None
    for scan in case.imaging:
        if scan.date <= case.as_of and (latest is None or scan.date > latest.date):
            latest = scan
    if latest is None:
        return None
    largest, name, total = 0.0, "", 0.0
    for lesion in latest.lesions:
        if lesion.diameter_mm is None:
            continue
        if lesion.diameter_mm > largest:
            largest, name = lesion.diameter_mm, lesion.id
        if lesion.role == "target":
            total += lesion.diameter_mm
    return TumourBurden(latest.date, largest, name, total)


def is_bulky(burden: TumourBurden | None) -> bool:
    hm = safety_knowledge().hemorrhage
    if burden is None:
        return False
    return burden.largest_mm >= hm.bulky_largest_mm or burden.target_sum_mm >= hm.bulky_sum_mm


def _hb_g_dl(lab: Lab) -> float:
    return canonical(lab)


def hemorrhage_alert(case: Case, line: Line | None, *, planned: Sequence[str] = ()) -> Alert | None:
    """Bulky disease starting (or within the first weeks of) a monitored drug (imatinib).

    Within the window (8 weeks from the start, or from ``as_of`` for a planned start) the alert
    reminds of weekly Hb checks; it escalates when the last Hb is older than the check interval,
    and again when Hb fell by the set amount from the pre-treatment value or the CTCAE anaemia
    grade rose.
    """
    kb = safety_knowledge()
    hm = kb.hemorrhage
    as_of = case.as_of
    start: date | None = None
    drug = ""
    in_window = line is not None and (as_of - line.start).days <= hm.window_days
    if line is not None and line.ongoing and line.drug in hm.drugs and in_window:
        start, drug = line.start, line.drug
    if start is None:
        for name in planned:
            if name in hm.drugs:
                start, drug = as_of, name
                break
    if start is None:
        return None
    burden = tumour_burden(case)
    if not is_bulky(burden) or burden is None:
        return None
    until = start + timedelta(days=hm.window_days)
    hbs = sorted(
        (x for x in case.labs if x.test == "hemoglobin" and x.date <= as_of), key=lambda x: x.date
    )
    before = [x for x in hbs if x.date <= start]
    after = [x for x in hbs if x.date > start]
    baseline = before[-1] if before else None
    current = after[-1] if after else None
    size = (
        f"largest lesion {burden.largest_lesion} {burden.largest_mm:g} mm, sum of targets "
        f"{burden.target_sum_mm:g} mm on {burden.date.isoformat()}"
    )
    message = (
        f"Bulky disease ({size}) {'starting' if start == as_of else 'started'} {drug} on "
        f"{start.isoformat()}: about 5% risk of tumour haemorrhage unrelated to the platelet "
        f"count. Check haemoglobin at least every {hm.hb_interval_days} days until "
        f"{until.isoformat()}."
    )
    severity = hm.severity["reminder"]
    sources: list[str] = [*hm.source, *hm.bulky_source]
    findings: list[str] = []
    if baseline is not None and current is not None:
        fall = _hb_g_dl(baseline) - _hb_g_dl(current)
        if fall >= hm.hb_fall_g_dl:
            findings.append(
                f"Hb fell by {fall:.1f} g/dL (from {_hb_g_dl(baseline):g} on "
                f"{baseline.date.isoformat()} to {_hb_g_dl(current):g} g/dL on "
                f"{current.date.isoformat()})"
            )
            sources.extend(hm.fall_source)
        sex = case.patient.sex
        g0, g1 = grade_lab(baseline, sex=sex), grade_lab(current, sex=sex)
        if g0 is not None and g1 is not None and g1.grade > g0.grade:
            findings.append(f"anaemia grade rose from {g0.grade} to {g1.grade} (CTCAE v5.0)")
            sources.append("CTCAE-5.0")
    if findings:
        severity = hm.severity["fall"]
        text = "; ".join(findings)
        message += f" {text[0].upper()}{text[1:]}: look for tumour bleeding."
    elif start < as_of:
        last = hbs[-1] if hbs else None
        if last is None or (as_of - last.date).days > hm.hb_interval_days:
            severity = hm.severity["overdue"]
            seen = "no Hb on record" if last is None else f"last Hb on {last.date.isoformat()}"
            message += f" Hb check overdue ({seen})."
    # "bulky" is a gistpath convention: the alert says so (unverified) whatever else it cites
    convention_ok = all(is_verified(sid) for sid in hm.bulky_source)
    return make_alert("hemorrhage-monitoring", severity, message, sources, verified=convention_ok)


# ------------------------------------------------------------------------------ interruption


def interruption_alert(lines: Sequence[Line], *, progressed: bool | None) -> Alert | None:
    """The latest line was a TKI stopped without progression and nothing replaced it."""
    kb = safety_knowledge()
    if not lines or progressed:
        return None
    last = lines[-1]
    if last.ongoing or last.drug not in kb.tkis:
        return None
    if last.stop_reason not in kb.interruption_stop_reasons:
        return None
    end = last.end.isoformat() if last.end else "?"
    reason = (last.stop_reason or "other").replace("_", " ")
    return make_alert(
        "interruption-risk",
        kb.interruption_severity,
        f"{last.drug} was stopped on {end} ({reason}) without documented progression and no "
        "kinase inhibitor has replaced it: stopping a TKI in controlled GIST is followed by "
        "rapid progression in most patients (BFR14; placebo arms progress at a median of about "
        "1 month). Consider restarting it.",
        kb.interruption_source,
    )
