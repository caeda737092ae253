"""The safety knowledge (``safety/knowledge/*.yaml``), loaded once and checked loudly.

Every number must sit under an item with a ``source`` that resolves in the evidence registry;
structural mistakes (an unknown drug, action, lab test or term group) raise
:class:`~gistpath.errors.KnowledgeError` at load time rather than silently changing advice.
The YAML is compiled into small frozen objects so that evaluation does no dictionary digging.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from gistpath.case.model import LAB_UNITS
from gistpath.errors import KnowledgeError
from gistpath.knowledge import load_yaml
from gistpath.knowledge.evidence import evidence_registry, require_sourced_numbers, source_ids

PACKAGE = "gistpath.safety.knowledge"
FILES = ("ctcae.yaml", "interactions.yaml", "dose_rules.yaml", "monitoring.yaml")
SEXES = ("female", "male", "other", "unknown")
SEVERITIES = ("info", "warning", "critical")
INTERACTION_CLASSES = (
    "strong_inducer",
    "moderate_inducer",
    "strong_inhibitor",
    "moderate_inhibitor",
)
INTERACTION_ACTIONS = ("avoid", "monitor", "reduce", "increase")
DOSE_ACTIONS = (
    "hold",
    "hold_then_reduce",
    "reduce",
    "discontinue",
    "hold_then_same_or_reduce",
    "continue_or_hold",
)
JURISDICTIONS = ("US", "EU")

Cuts = tuple[tuple[int, float], ...]  # (grade, cut-off), highest grade first


# ------------------------------------------------------------------------------ CTCAE


@dataclass(frozen=True, slots=True)
class CtcaeTerm:
    key: str
    label: str
    test: str
    direction: str  # "decrease" | "increase"
    max_lab_grade: int
    below: Mapping[str, Cuts]  # unit -> cut-offs (decreases)
    uln: Cuts  # multiples of ULN (increases, normal or unknown baseline)
    abnormal_baseline: Cuts  # multiples of an abnormal baseline
    baseline: Cuts  # multiples of any baseline, max with the ULN grade
    source: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReferenceLimit:
    kind: str  # "lln" | "uln"
    by_sex: Mapping[str, float]  # canonical unit


# ------------------------------------------------------------------------------ interactions


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    cls: str
    source: tuple[str, ...]
    verified: bool


@dataclass(frozen=True, slots=True)
class InteractionRule:
    drug: str
    cls: str
    action: str
    message: str
    dose_mg: float | None
    schedule: str | None
    increase_pct: float | None
    step_mg: float | None
    max_dose_mg: float | None
    source: tuple[str, ...]
    verified: bool


# ------------------------------------------------------------------------------ dose rules


@dataclass(frozen=True, slots=True)
class DrugLabel:
    drug: str
    label: str
    tki: bool
    dose_levels_mg: tuple[float, ...]
    source: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Atom:
    """One trigger condition; see the header of ``dose_rules.yaml``."""

    kind: str  # "lab_uln" | "lab_below" | "lab_grade" | "ae"
    tests: tuple[str, ...] = ()
    value: float = 0.0
    min_grade: int = 0
    max_grade: int = 5
    group: str | None = None  # term group, None = any term
    except_groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    """``any`` or ``all`` of atoms and nested conditions."""

    mode: str  # "any" | "all"
    parts: tuple[Atom | Condition, ...]


@dataclass(frozen=True, slots=True)
class Step:
    action: str
    resume: str | None
    reduce_levels: int
    resume_at_most_mg: float | None
    verified: bool


@dataclass(frozen=True, slots=True)
class DoseRule:
    id: str
    drug: str
    title: str
    when: Condition
    first: Step
    recurrence: Step | None
    jurisdiction: str | None
    dose_at_most_mg: float | None
    dose_above_mg: float | None
    source: tuple[str, ...]


# ------------------------------------------------------------------------------ monitoring


@dataclass(frozen=True, slots=True)
class HemorrhageMonitoring:
    drugs: tuple[str, ...]
    window_days: int
    hb_interval_days: int
    bulky_largest_mm: float
    bulky_sum_mm: float
    hb_fall_g_dl: float
    severity: Mapping[str, str]  # reminder | overdue | fall
    source: tuple[str, ...]
    bulky_source: tuple[str, ...]
    fall_source: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SafetyKnowledge:
    version: str
    terms: Mapping[str, CtcaeTerm]  # by lab test
    reference_limits: Mapping[str, ReferenceLimit]  # by lab test
    reference_source: tuple[str, ...]
    lab_alert_severity: Mapping[int, str]
    lab_alert_max_age_days: int
    lab_alert_source: tuple[str, ...]
    agents: Mapping[str, Agent]
    aliases: Mapping[str, str]
    interaction_rules: Mapping[tuple[str, str], InteractionRule]
    interaction_alerts: Mapping[str, tuple[str, str]]  # class -> (code, severity)
    drugs: Mapping[str, DrugLabel]
    term_groups: Mapping[str, tuple[str, ...]]
    rules: tuple[DoseRule, ...]
    rules_by_drug: Mapping[str, tuple[DoseRule, ...]]
    dose_alert_severity: Mapping[str, str]
    dose_alert_source: tuple[str, ...]
    hemorrhage: HemorrhageMonitoring
    interruption_stop_reasons: tuple[str, ...]
    interruption_severity: str
    interruption_source: tuple[str, ...]

    @property
    def tkis(self) -> frozenset[str]:
        return frozenset(d for d, label in self.drugs.items() if label.tki)


@cache
def safety_knowledge() -> SafetyKnowledge:
    """The compiled safety knowledge; raises :class:`KnowledgeError` on any inconsistency."""
    return compile_knowledge({name: load_yaml(PACKAGE, name) for name in FILES})


def safety_version() -> str:
    return safety_knowledge().version


def compile_knowledge(raw: Mapping[str, Any]) -> SafetyKnowledge:
    """Build :class:`SafetyKnowledge` from the four parsed files (exposed for tests)."""
    try:
        return _compile(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise KnowledgeError(
            f"safety knowledge: a required field is missing or malformed ({exc!r})"
        ) from exc


def _compile(raw: Mapping[str, Any]) -> SafetyKnowledge:
    for name in FILES:
        if name not in raw or not isinstance(raw[name], dict):
            raise KnowledgeError(f"safety/knowledge/{name} is missing or not a mapping")
        require_sourced_numbers(raw[name], f"safety/knowledge/{name}")
    ctcae, inter, dose, mon = (raw[name] for name in FILES)
    terms, limits, ref_source = _ctcae(ctcae)
    lab_sev = ctcae["alert_severity"]
    drugs = _drugs(dose)
    groups = {k: tuple(_norm(t) for t in v) for k, v in dose["term_groups"].items()}
    rules = tuple(_rule(r, drugs, groups) for r in dose["rules"])
    _unique([r.id for r in rules], "safety/knowledge/dose_rules.yaml: rule id")
    agents, aliases, irules, ialerts = _interactions(inter, drugs)
    version = "+".join(str(raw[name]["version"]) for name in FILES)
    return SafetyKnowledge(
        version=version,
        terms=terms,
        reference_limits=limits,
        reference_source=ref_source,
        lab_alert_severity={int(g): _severity(s, "ctcae") for g, s in lab_sev["by_grade"].items()},
        lab_alert_max_age_days=int(lab_sev["max_age_days"]),
        lab_alert_source=source_ids(lab_sev["source"]),
        agents=agents,
        aliases=aliases,
        interaction_rules=irules,
        interaction_alerts=ialerts,
        drugs=drugs,
        term_groups=groups,
        rules=rules,
        rules_by_drug={d: tuple(r for r in rules if r.drug == d) for d in drugs},
        dose_alert_severity=_dose_severity(dose["alert_severity"]),
        dose_alert_source=source_ids(dose["alert_severity"]["source"]),
        hemorrhage=_hemorrhage(mon["hemorrhage_monitoring"], drugs),
        interruption_stop_reasons=tuple(mon["interruption"]["stop_reasons"]),
        interruption_severity=_severity(mon["interruption"]["severity"], "monitoring.yaml"),
        interruption_source=source_ids(mon["interruption"]["source"]),
    )


# ------------------------------------------------------------------------------ helpers


def _norm(term: str) -> str:
    """Lower-case words separated by single spaces (``Hand-foot skin reaction`` -> ``hand foot
    skin reaction``)."""
    out = "".join(ch if ch.isalnum() else " " for ch in term.lower())
    return " ".join(out.split())


def normalise_term(term: str) -> str:
    return _norm(term)


def _unique(items: list[str], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise KnowledgeError(f"{what} {item!r} appears twice")
        seen.add(item)


def _severity(value: Any, where: str) -> str:
    if value not in SEVERITIES:
        raise KnowledgeError(f"safety/knowledge/{where}: severity {value!r} not in {SEVERITIES}")
    return str(value)


def _cuts(mapping: Any, where: str) -> Cuts:
    if mapping is None:
        return ()
    if not isinstance(mapping, dict):
        raise KnowledgeError(f"{where} must map grades to cut-offs")
    out: list[tuple[int, float]] = []
    for grade, cut in mapping.items():
        if not isinstance(grade, int) or not 1 <= grade <= 5:
            raise KnowledgeError(f"{where}: grade {grade!r} must be 1-5")
        if not isinstance(cut, int | float) or isinstance(cut, bool) or cut <= 0:
            raise KnowledgeError(f"{where}: cut-off {cut!r} must be a positive number")
        out.append((grade, float(cut)))
    out.sort(reverse=True)
    return tuple(out)


def _ctcae(
    data: dict[str, Any],
) -> tuple[dict[str, CtcaeTerm], dict[str, ReferenceLimit], tuple[str, ...]]:
    terms: dict[str, CtcaeTerm] = {}
    for key, t in data["terms"].items():
        where = f"safety/knowledge/ctcae.yaml: terms.{key}"
        test = t["test"]
        if test not in LAB_UNITS:
            raise KnowledgeError(f"{where}: unknown lab test {test!r}")
        if test in terms:
            raise KnowledgeError(f"{where}: a second term for {test!r}")
        direction = t["direction"]
        below = {u: _cuts(c, f"{where}.below.{u}") for u, c in (t.get("below") or {}).items()}
        for unit in below:
            if unit not in LAB_UNITS[test]:
                raise KnowledgeError(f"{where}: unit {unit!r} is not a unit of {test}")
        if direction == "decrease":
            if not below:
                raise KnowledgeError(f"{where}: a decrease needs 'below' cut-offs")
            # descending cut-offs with grade: a higher grade must have a lower cut-off
            for unit, cuts in below.items():
                values = [c for _, c in cuts]
                if values != sorted(values):
                    raise KnowledgeError(f"{where}.below.{unit}: higher grades need lower cut-offs")
        elif direction == "increase":
            if "uln" not in t:
                raise KnowledgeError(f"{where}: an increase needs 'uln' multiples")
        else:
            raise KnowledgeError(f"{where}: direction must be increase or decrease")
        terms[test] = CtcaeTerm(
            key=key,
            label=str(t["label"]),
            test=test,
            direction=direction,
            max_lab_grade=int(t["max_lab_grade"]),
            below=below,
            uln=_cuts(t.get("uln"), f"{where}.uln"),
            abnormal_baseline=_cuts(t.get("abnormal_baseline"), f"{where}.abnormal_baseline"),
            baseline=_cuts(t.get("baseline"), f"{where}.baseline"),
            source=source_ids(t["source"]),
        )
    limits: dict[str, ReferenceLimit] = {}
    ref = data["reference_limits"]
    for test, spec in ref.items():
        if test == "source":
            continue
        if test not in terms:
            raise KnowledgeError(f"safety/knowledge/ctcae.yaml: reference limit for {test!r}")
        ((kind, by_sex),) = spec.items()
        if kind not in ("lln", "uln") or set(by_sex) != set(SEXES):
            raise KnowledgeError(f"safety/knowledge/ctcae.yaml: reference_limits.{test}")
        want = "lln" if terms[test].direction == "decrease" else "uln"
        if kind != want:
            raise KnowledgeError(f"safety/knowledge/ctcae.yaml: {test} needs a default {want}")
        limits[test] = ReferenceLimit(kind, {s: float(v) for s, v in by_sex.items()})
    missing = set(terms) - set(limits)
    if missing:
        raise KnowledgeError(f"safety/knowledge/ctcae.yaml: no default limit for {sorted(missing)}")
    return terms, limits, source_ids(ref["source"])


def _drugs(data: dict[str, Any]) -> dict[str, DrugLabel]:
    out: dict[str, DrugLabel] = {}
    for drug, spec in data["drugs"].items():
        levels = tuple(float(x) for x in spec["dose_levels_mg"])
        if list(levels) != sorted(levels, reverse=True) or len(set(levels)) != len(levels):
            raise KnowledgeError(f"dose_rules.yaml: {drug} dose levels must be strictly falling")
        if spec["label"] not in evidence_registry():
            raise KnowledgeError(f"dose_rules.yaml: {drug} label {spec['label']!r} is unknown")
        out[drug] = DrugLabel(
            drug, spec["label"], bool(spec["tki"]), levels, source_ids(spec["source"])
        )
    return out


def _atom(spec: dict[str, Any], groups: Mapping[str, tuple[str, ...]], where: str) -> Atom:
    if "lab" in spec:
        test = spec["lab"]
        if test not in LAB_UNITS:
            raise KnowledgeError(f"{where}: unknown lab test {test!r}")
        if "above_uln" in spec:
            return Atom("lab_uln", (test,), float(spec["above_uln"]))
        if "below" in spec:
            return Atom("lab_below", (test,), float(spec["below"]))
        raise KnowledgeError(f"{where}: a lab condition needs above_uln or below")
    if "lab_grade" in spec:
        tests = tuple(spec["lab_grade"])
        for test in tests:
            if test not in LAB_UNITS:
                raise KnowledgeError(f"{where}: unknown lab test {test!r}")
        return Atom("lab_grade", tests, 0.0, int(spec["min"]), int(spec["max"]))
    if "ae" in spec:
        group = None if spec["ae"] == "any" else str(spec["ae"])
        excepted = tuple(spec.get("except", ()))
        for g in (group, *excepted):
            if g is not None and g not in groups:
                raise KnowledgeError(f"{where}: unknown term group {g!r}")
        return Atom("ae", (), 0.0, int(spec["min"]), int(spec["max"]), group, excepted)
    raise KnowledgeError(f"{where}: unknown condition {spec!r}")


def _condition(spec: Any, groups: Mapping[str, tuple[str, ...]], where: str) -> Condition:
    if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in ("any", "all"):
        raise KnowledgeError(f"{where}: 'when' must be a single any: or all: list")
    ((mode, items),) = spec.items()
    parts: list[Atom | Condition] = []
    for i, item in enumerate(items):
        if isinstance(item, dict) and len(item) == 1 and next(iter(item)) in ("any", "all"):
            parts.append(_condition(item, groups, f"{where}[{i}]"))
        else:
            parts.append(_atom(item, groups, f"{where}[{i}]"))
    if not parts:
        raise KnowledgeError(f"{where}: an empty condition")
    return Condition(mode, tuple(parts))


def _step(spec: dict[str, Any], where: str) -> Step:
    action = spec["action"]
    if action not in DOSE_ACTIONS:
        raise KnowledgeError(f"{where}: action {action!r} not in {DOSE_ACTIONS}")
    if "verified" not in spec or not isinstance(spec["verified"], bool):
        raise KnowledgeError(f"{where}: every dose rule says verified: true or false")
    default_levels = 1 if action in ("hold_then_reduce", "reduce") else 0
    at_most = spec.get("resume_at_most_mg")
    return Step(
        action=action,
        resume=spec.get("resume"),
        reduce_levels=int(spec.get("reduce_levels", default_levels)),
        resume_at_most_mg=None if at_most is None else float(at_most),
        verified=spec["verified"],
    )


def _rule(
    spec: dict[str, Any], drugs: Mapping[str, DrugLabel], groups: Mapping[str, tuple[str, ...]]
) -> DoseRule:
    rid = spec.get("id", "?")
    where = f"safety/knowledge/dose_rules.yaml: rule {rid}"
    if spec.get("drug") not in drugs:
        raise KnowledgeError(f"{where}: unknown drug {spec.get('drug')!r}")
    if "source" not in spec:
        raise KnowledgeError(f"{where} has no source")
    jurisdiction = spec.get("jurisdiction")
    if jurisdiction is not None and jurisdiction not in JURISDICTIONS:
        raise KnowledgeError(f"{where}: jurisdiction must be one of {JURISDICTIONS}")
    recurrence = spec.get("recurrence")
    at_most, above = spec.get("dose_at_most_mg"), spec.get("dose_above_mg")
    return DoseRule(
        id=rid,
        drug=spec["drug"],
        title=str(spec["title"]),
        when=_condition(spec["when"], groups, f"{where}.when"),
        first=_step(spec, where),
        recurrence=None if recurrence is None else _step(recurrence, f"{where}.recurrence"),
        jurisdiction=jurisdiction,
        dose_at_most_mg=None if at_most is None else float(at_most),
        dose_above_mg=None if above is None else float(above),
        source=source_ids(spec["source"]),
    )


def _dose_severity(spec: dict[str, Any]) -> dict[str, str]:
    out = {k: _severity(v, "dose_rules.yaml") for k, v in spec.items() if k != "source"}
    missing = set(DOSE_ACTIONS) - set(out)
    if missing:
        raise KnowledgeError(f"dose_rules.yaml: alert_severity misses {sorted(missing)}")
    return out


def _interactions(
    data: dict[str, Any], drugs: Mapping[str, DrugLabel]
) -> tuple[
    dict[str, Agent],
    dict[str, str],
    dict[tuple[str, str], InteractionRule],
    dict[str, tuple[str, str]],
]:
    where = "safety/knowledge/interactions.yaml"
    agents: dict[str, Agent] = {}
    for name, spec in data["agents"].items():
        if spec["class"] not in INTERACTION_CLASSES:
            raise KnowledgeError(f"{where}: {name} has unknown class {spec['class']!r}")
        agents[name] = Agent(
            name, spec["class"], source_ids(spec["source"]), bool(spec.get("verified", True))
        )
    aliases = dict(data.get("aliases") or {})
    for alias, target in aliases.items():
        if target not in agents:
            raise KnowledgeError(f"{where}: alias {alias!r} points to unknown {target!r}")
    rules: dict[tuple[str, str], InteractionRule] = {}
    for drug, by_class in data["actions"].items():
        if drug not in drugs:
            raise KnowledgeError(f"{where}: actions for unknown drug {drug!r}")
        for cls, spec in by_class.items():
            if cls not in INTERACTION_CLASSES:
                raise KnowledgeError(f"{where}: {drug} has unknown class {cls!r}")
            if spec["action"] not in INTERACTION_ACTIONS:
                raise KnowledgeError(f"{where}: {drug}/{cls} action {spec['action']!r}")
            if "source" not in spec:
                raise KnowledgeError(f"{where}: {drug}/{cls} has no source")

            def num(key: str, spec: dict[str, Any] = spec) -> float | None:
                value = spec.get(key)
                return None if value is None else float(value)

            rules[(drug, cls)] = InteractionRule(
                drug=drug,
                cls=cls,
                action=spec["action"],
                message=" ".join(str(spec["message"]).split()),
                dose_mg=num("dose_mg"),
                schedule=spec.get("schedule"),
                increase_pct=num("increase_pct"),
                step_mg=num("step_mg"),
                max_dose_mg=num("max_dose_mg"),
                source=source_ids(spec["source"]),
                verified=bool(spec.get("verified", True)),
            )
    alerts: dict[str, tuple[str, str]] = {}
    for cls in INTERACTION_CLASSES:
        spec = data["alerts"].get(cls)
        if spec is None:
            raise KnowledgeError(f"{where}: no alert for {cls}")
        alerts[cls] = (str(spec["code"]), _severity(spec["severity"], "interactions.yaml"))
    return agents, aliases, rules, alerts


def _hemorrhage(spec: dict[str, Any], drugs: Mapping[str, DrugLabel]) -> HemorrhageMonitoring:
    for drug in spec["drugs"]:
        if drug not in drugs:
            raise KnowledgeError(f"monitoring.yaml: hemorrhage monitoring for unknown {drug!r}")
    return HemorrhageMonitoring(
        drugs=tuple(spec["drugs"]),
        window_days=int(spec["window_weeks"]) * 7,
        hb_interval_days=int(spec["hb_interval_days"]),
        bulky_largest_mm=float(spec["bulky"]["largest_lesion_mm"]),
        bulky_sum_mm=float(spec["bulky"]["target_sum_mm"]),
        hb_fall_g_dl=float(spec["hb_fall"]["g_dl"]),
        severity={
            k: _severity(spec["severity"][k], "monitoring.yaml")
            for k in ("reminder", "overdue", "fall")
        },
        source=source_ids(spec["source"]),
        bulky_source=source_ids(spec["bulky"]["source"]),
        fall_source=source_ids(spec["hb_fall"]["source"]),
    )
