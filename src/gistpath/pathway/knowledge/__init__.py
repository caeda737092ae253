"""The pathway knowledge (``pathway/knowledge/*.yaml``), loaded once and checked loudly.

Checks at load time (each a :class:`~gistpath.errors.KnowledgeError`): every number sits under
an item with a source; every cited id resolves in the evidence registry; every regimen names a
source and its dose steps agree with the label levels owned by the safety knowledge; every rule
names a source, uses only known situation keys and values, known regimens and genotype classes,
and every option and alert cites evidence; rationale templates use only known fields.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, get_args

from gistpath.case.model import Gene, Schedule, StopReason, WildTypeSubtype
from gistpath.errors import KnowledgeError
from gistpath.knowledge import load_yaml
from gistpath.knowledge.evidence import (
    evidence_version,
    require_known,
    require_sourced_numbers,
    source_ids,
)
from gistpath.safety.knowledge import safety_knowledge, safety_version

PACKAGE = "gistpath.pathway.knowledge"
FILES = ("regimens.yaml", "genotypes.yaml", "rules.yaml", "rechallenge.yaml")

ACTIONS = (
    "start",
    "continue",
    "escalate",
    "reduce",
    "hold",
    "switch",
    "rechallenge",
    "surgery",
    "local_therapy",
    "trial",
    "supportive_care",
)
STRENGTHS = ("standard", "option", "consider")
SEVERITIES = ("info", "warning", "critical")
KINDS = ("untreated", "on_treatment", "off_treatment", "deceased")
STATUSES = (
    "controlled",
    "not_assessed",
    "progression",
    "progression_choi_only",
    "progression_off_treatment",
    "intolerance",
    "stopped",
    "none",
)
PATTERNS = ("focal", "generalized", "indeterminate", "none")
DOSE_ACTION_NAMES = (
    "none",
    "hold",
    "hold_then_reduce",
    "reduce",
    "discontinue",
    "hold_then_same_or_reduce",
    "continue_or_hold",
)
IMATINIB_CLASSES = ("sensitive", "sensitive_high_dose", "resistant", "unknown")

#: Fields a rationale, alert message or note may use (filled from the situation).
TEMPLATE_FIELDS = frozenset(
    {
        "current_drug",
        "current_dose",
        "last_drug",
        "last_dose",
        "stop_reason",
        "status_text",
        "genotype",
        "pattern",
        "progressing",
        "emergency_text",
        "dose_action_text",
    }
)


@dataclass(frozen=True, slots=True)
class Regimen:
    id: str
    drug: str
    dose_mg: float
    schedule: str
    administration: str
    dose_steps_mg: tuple[float, ...]
    source: tuple[str, ...]
    verified: bool


@dataclass(frozen=True, slots=True)
class GenotypeClass:
    id: str
    label: str
    gene: str
    exon: int | None
    variant_contains: tuple[str, ...]  # upper-case
    subtype: str | None
    imatinib: str
    source: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class When:
    """A rule's conditions; None (or empty) means "any"."""

    kind: frozenset[str] | None = None
    status: frozenset[str] | None = None
    pattern: frozenset[str] | None = None
    genotype: frozenset[str] | None = None
    genotype_not: frozenset[str] = frozenset()
    drug: frozenset[str] | None = None
    drug_not: frozenset[str] = frozenset()
    dose_at_most: float | None = None
    dose_at_least: float | None = None
    stop_reason: frozenset[str] | None = None
    next_standard: frozenset[str] | None = None
    exposed: frozenset[str] = frozenset()
    not_exposed: frozenset[str] = frozenset()
    emergency: bool | None = None
    dose_action: frozenset[str] | None = None
    continuing: bool | None = None
    tki: bool | None = None


@dataclass(frozen=True, slots=True)
class OptionTemplate:
    action: str  # one of ACTIONS, or "next"
    regimen: Regimen | None
    drug: str | None  # "current", "previous", an INN without a dose, or None
    with_drug: str | None
    from_dose_action: bool
    strength: str
    rationale: str
    evidence: tuple[str, ...]
    profile: str | None
    verified: bool


@dataclass(frozen=True, slots=True)
class AlertTemplate:
    code: str
    severity: str
    message: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    when: When
    options: tuple[OptionTemplate, ...]
    alerts: tuple[AlertTemplate, ...]
    notes: tuple[str, ...]
    exclusive: bool
    source: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrialItem:
    """A profile item read from trial eligibility criteria (by criterion id)."""

    id: str
    text: str
    criteria: tuple[str, ...]
    source: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RechallengeProfile:
    trial: str
    from_trial: tuple[TrialItem, ...]
    long_benefit_months: float
    long_benefit_source: tuple[str, ...]
    ecog_favourable_max: int
    ecog_trial_max: int
    ecog_source: tuple[str, ...]
    inducer_source: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: lookups cache per object
class PathwayKnowledge:
    version: str
    regimens: Mapping[str, Regimen]
    genotypes: tuple[GenotypeClass, ...]
    rules: tuple[Rule, ...]
    sequence: tuple[str, ...]
    sequence_source: tuple[str, ...]
    emergency_events: frozenset[str]
    emergency_window_days: int
    emergency_source: tuple[str, ...]
    progression_criterion: str
    rechallenge: RechallengeProfile


@cache
def pathway_knowledge() -> PathwayKnowledge:
    """The compiled pathway knowledge; raises :class:`KnowledgeError` on any inconsistency."""
    kb = compile_knowledge({name: load_yaml(PACKAGE, name) for name in FILES})
    check_trial_criteria(kb.rechallenge)
    return kb


def check_trial_criteria(profile: RechallengeProfile) -> None:
    """Every trial criterion the rechallenge profile reads exists in that trial's design."""
    from gistpath.trial.design import load_design

    design = load_design(profile.trial)
    known = {c.id for c in design.eligibility}
    for item in profile.from_trial:
        for cid in item.criteria:
            if cid not in known:
                raise KnowledgeError(
                    f"pathway/knowledge/rechallenge.yaml: {item.id} reads criterion {cid!r}, "
                    f"which the {profile.trial} design does not have"
                )


@cache
def knowledge_version() -> str:
    """One string naming every knowledge file's version: it appears in every advice."""
    return f"{pathway_knowledge().version}+{safety_version()}+{evidence_version()}"


def compile_knowledge(raw: Mapping[str, Any]) -> PathwayKnowledge:
    """Build :class:`PathwayKnowledge` from the parsed files (exposed for tests)."""
    try:
        return _compile(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise KnowledgeError(
            f"pathway knowledge: a required field is missing or malformed ({exc!r})"
        ) from exc


def _compile(raw: Mapping[str, Any]) -> PathwayKnowledge:
    for name in FILES:
        if name not in raw or not isinstance(raw[name], dict):
            raise KnowledgeError(f"pathway/knowledge/{name} is missing or not a mapping")
        require_sourced_numbers(raw[name], f"pathway/knowledge/{name}")
    regimens = _regimens(raw["regimens.yaml"])
    genotypes = _genotypes(raw["genotypes.yaml"])
    data = raw["rules.yaml"]
    settings = data["settings"]
    sequence = tuple(settings["sequence"]["drugs"])
    known_drugs = set(safety_knowledge().drugs) | {r.drug for r in regimens.values()}
    for drug in sequence:
        if drug not in known_drugs:
            raise KnowledgeError(f"pathway/knowledge/rules.yaml: sequence drug {drug!r} unknown")
    ids = {g.id for g in genotypes}
    rules = tuple(_rule(r, regimens, ids, (*sequence, "none")) for r in data["rules"])
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise KnowledgeError(f"pathway/knowledge/rules.yaml: rule id {rule.id!r} twice")
        seen.add(rule.id)
    criterion = settings["progression"]["criterion"]
    if criterion not in ("recist1.1", "recist1.0"):
        raise KnowledgeError("pathway/knowledge/rules.yaml: progression criterion must be RECIST")
    version = "+".join(str(raw[name]["version"]) for name in FILES)
    return PathwayKnowledge(
        version=version,
        regimens=regimens,
        genotypes=genotypes,
        rules=rules,
        sequence=sequence,
        sequence_source=_sources(settings["sequence"], "settings.sequence"),
        emergency_events=frozenset(settings["emergencies"]["events"]),
        emergency_window_days=int(settings["emergencies"]["window_days"]),
        emergency_source=_sources(settings["emergencies"], "settings.emergencies"),
        progression_criterion=criterion,
        rechallenge=_rechallenge(raw["rechallenge.yaml"]),
    )


# ------------------------------------------------------------------------------ helpers


def _sources(node: Mapping[str, Any], where: str) -> tuple[str, ...]:
    if "source" not in node:
        raise KnowledgeError(f"pathway knowledge: {where} has no source")
    ids = source_ids(node["source"])
    if not ids:
        raise KnowledgeError(f"pathway knowledge: {where} has an empty source")
    require_known(ids, f"pathway knowledge: {where}")
    return ids


def _regimens(data: dict[str, Any]) -> dict[str, Regimen]:
    labels = safety_knowledge().drugs
    schedules = set(get_args(Schedule))
    out: dict[str, Regimen] = {}
    for rid, spec in data["regimens"].items():
        where = f"pathway/knowledge/regimens.yaml: {rid}"
        source = _sources(spec, rid)
        drug = spec["drug"]
        dose = float(spec["dose_mg"])
        if spec["schedule"] not in schedules:
            raise KnowledgeError(f"{where}: schedule {spec['schedule']!r} not in {schedules}")
        steps = tuple(float(x) for x in spec["dose_steps_mg"])
        if not steps or steps[0] != dose:
            raise KnowledgeError(f"{where}: dose_steps_mg must start at the dose ({dose:g})")
        label = labels.get(drug)
        if label is not None:
            below = tuple(x for x in label.dose_levels_mg if x < dose)
            if steps[1:] != below:
                raise KnowledgeError(
                    f"{where}: dose steps {list(steps)} disagree with the label levels below "
                    f"{dose:g} mg in safety/knowledge/dose_rules.yaml ({list(below)})"
                )
        out[rid] = Regimen(
            id=rid,
            drug=drug,
            dose_mg=dose,
            schedule=spec["schedule"],
            administration=str(spec["administration"]),
            dose_steps_mg=steps,
            source=source,
            verified=bool(spec.get("verified", True)),
        )
    return out


def _genotypes(data: dict[str, Any]) -> tuple[GenotypeClass, ...]:
    genes = set(get_args(Gene))
    subtypes = set(get_args(WildTypeSubtype))
    out: list[GenotypeClass] = []
    for spec in data["classes"]:
        gid = spec["id"]
        where = f"pathway/knowledge/genotypes.yaml: {gid}"
        match = spec["match"]
        if match.get("gene") not in genes:
            raise KnowledgeError(f"{where}: gene must be one of {sorted(genes)}")
        subtype = match.get("subtype")
        if subtype is not None and subtype not in subtypes:
            raise KnowledgeError(f"{where}: unknown subtype {subtype!r}")
        if spec["imatinib"] not in IMATINIB_CLASSES:
            raise KnowledgeError(f"{where}: imatinib must be one of {IMATINIB_CLASSES}")
        out.append(
            GenotypeClass(
                id=gid,
                label=str(spec["label"]),
                gene=match["gene"],
                exon=match.get("exon"),
                variant_contains=tuple(str(v).upper() for v in match.get("variant_contains", ())),
                subtype=subtype,
                imatinib=spec["imatinib"],
                source=_sources(spec, gid),
            )
        )
    if len({g.id for g in out}) != len(out):
        raise KnowledgeError("pathway/knowledge/genotypes.yaml: duplicate class id")
    return tuple(out)


def _set(
    value: Any, allowed: tuple[str, ...] | set[str] | None, key: str, where: str
) -> frozenset[str]:
    items = [value] if isinstance(value, str) else list(value)
    if allowed is not None:
        for item in items:
            if item not in allowed:
                raise KnowledgeError(f"{where}: {key} value {item!r} not in {sorted(allowed)}")
    return frozenset(items)


def _when(
    spec: dict[str, Any], genotypes: set[str], next_values: tuple[str, ...], where: str
) -> When:
    sets: dict[str, tuple[str, ...] | set[str] | None] = {
        "kind": KINDS,
        "status": STATUSES,
        "pattern": PATTERNS,
        "genotype": genotypes,
        "genotype_not": genotypes,
        "drug": None,
        "drug_not": None,
        "stop_reason": set(get_args(StopReason)),
        "next_standard": next_values,
        "exposed": None,
        "not_exposed": None,
        "dose_action": DOSE_ACTION_NAMES,
    }
    values: dict[str, Any] = {}
    for key, value in spec.items():
        if key in sets:
            values[key] = _set(value, sets[key], key, where)
        elif key in ("dose_at_most", "dose_at_least"):
            values[key] = float(value)
        elif key in ("emergency", "continuing", "tki"):
            if not isinstance(value, bool):
                raise KnowledgeError(f"{where}: {key} must be true or false")
            values[key] = value
        else:
            raise KnowledgeError(f"{where}: unknown condition {key!r}")
    return When(**values)


def _check_template(text: str, where: str) -> None:
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None and name not in TEMPLATE_FIELDS:
            raise KnowledgeError(f"{where}: unknown template field {{{name}}}")


def _option(spec: dict[str, Any], regimens: Mapping[str, Regimen], where: str) -> OptionTemplate:
    action = spec.get("action")
    if action not in (*ACTIONS, "next"):
        raise KnowledgeError(f"{where}: action {action!r} not in {ACTIONS} or 'next'")
    strength = spec.get("strength")
    if strength not in STRENGTHS:
        raise KnowledgeError(f"{where}: strength {strength!r} not in {STRENGTHS}")
    regimen = None
    if "regimen" in spec:
        regimen = regimens.get(spec["regimen"])
        if regimen is None:
            raise KnowledgeError(f"{where}: unknown regimen {spec['regimen']!r}")
    from_dose = spec.get("from") == "dose_action"
    if "from" in spec and not from_dose:
        raise KnowledgeError(f"{where}: 'from' may only be dose_action")
    evidence = tuple(spec.get("evidence", ()))
    if not evidence and not from_dose:
        raise KnowledgeError(f"{where}: an option must cite evidence")
    require_known(evidence, where)
    rationale = " ".join(str(spec["rationale"]).split())
    _check_template(rationale, where)
    profile = spec.get("profile")
    if profile not in (None, "rechallenge"):
        raise KnowledgeError(f"{where}: unknown profile {profile!r}")
    return OptionTemplate(
        action=action,
        regimen=regimen,
        drug=spec.get("drug"),
        with_drug=spec.get("with"),
        from_dose_action=from_dose,
        strength=strength,
        rationale=rationale,
        evidence=evidence,
        profile=profile,
        verified=bool(spec.get("verified", True)) and (regimen is None or regimen.verified),
    )


def _alert(spec: dict[str, Any], where: str) -> AlertTemplate:
    if spec.get("severity") not in SEVERITIES:
        raise KnowledgeError(f"{where}: severity must be one of {SEVERITIES}")
    evidence = tuple(spec.get("evidence", ()))
    if not evidence:
        raise KnowledgeError(f"{where}: an alert must cite evidence")
    require_known(evidence, where)
    message = " ".join(str(spec["message"]).split())
    _check_template(message, where)
    return AlertTemplate(str(spec["code"]), spec["severity"], message, evidence)


def _rule(
    spec: dict[str, Any],
    regimens: Mapping[str, Regimen],
    genotypes: set[str],
    next_values: tuple[str, ...],
) -> Rule:
    rid = spec.get("id", "?")
    where = f"pathway/knowledge/rules.yaml: rule {rid}"
    source = _sources(spec, f"rule {rid}")
    options = tuple(
        _option(o, regimens, f"{where}.options[{i}]") for i, o in enumerate(spec.get("options", ()))
    )
    alerts = tuple(_alert(a, f"{where}.alerts[{i}]") for i, a in enumerate(spec.get("alerts", ())))
    notes = tuple(" ".join(str(n).split()) for n in spec.get("notes", ()))
    for note in notes:
        _check_template(note, where)
    if not options and not alerts and not notes:
        raise KnowledgeError(f"{where}: a rule must give options, alerts or notes")
    return Rule(
        id=rid,
        title=str(spec["title"]),
        when=_when(spec.get("when") or {}, genotypes, next_values, f"{where}.when"),
        options=options,
        alerts=alerts,
        notes=notes,
        exclusive=bool(spec.get("exclusive", False)),
        source=source,
    )


def _rechallenge(data: dict[str, Any]) -> RechallengeProfile:
    p = data["profile"]
    items = tuple(
        TrialItem(
            id=str(item["id"]),
            text=str(item["text"]),
            criteria=tuple(item["criteria"]),
            source=_sources(item, f"rechallenge.from_trial.{item['id']}"),
        )
        for item in p["from_trial"]
    )
    return RechallengeProfile(
        trial=str(p["trial"]),
        from_trial=items,
        long_benefit_months=float(p["long_benefit"]["months"]),
        long_benefit_source=_sources(p["long_benefit"], "rechallenge.long_benefit"),
        ecog_favourable_max=int(p["ecog"]["favourable_max"]),
        ecog_trial_max=int(p["ecog"]["trial_max"]),
        ecog_source=_sources(p["ecog"], "rechallenge.ecog"),
        inducer_source=_sources(p["no_strong_inducer"], "rechallenge.no_strong_inducer"),
    )
