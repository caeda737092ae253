"""Matching the pathway rules (``rules.yaml``) against a :class:`Situation`."""

from __future__ import annotations

from functools import cache

from gistpath.pathway.knowledge import PathwayKnowledge, Rule, When
from gistpath.pathway.situation import Situation


def _dose(s: Situation) -> float | None:
    return s.current_dose_mg if s.current_dose_mg is not None else s.last_dose_mg


def matches(when: When, s: Situation) -> bool:
    """True when every condition of ``when`` holds for ``s`` (docs/advice.md lists them)."""
    if when.kind is not None and s.kind not in when.kind:
        return False
    if when.status is not None and s.status not in when.status:
        return False
    if when.pattern is not None and (s.pattern or "none") not in when.pattern:
        return False
    if when.genotype is not None and s.genotype_class not in when.genotype:
        return False
    if s.genotype_class in when.genotype_not:
        return False
    if when.drug is not None and s.last_drug not in when.drug:
        return False
    if s.last_drug in when.drug_not:
        return False
    dose = _dose(s)
    if when.dose_at_most is not None and (dose is None or dose > when.dose_at_most):
        return False
    if when.dose_at_least is not None and (dose is None or dose < when.dose_at_least):
        return False
    if when.stop_reason is not None and s.stop_reason not in when.stop_reason:
        return False
    if when.next_standard is not None and s.next_standard not in when.next_standard:
        return False
    if not when.exposed <= s.exposed:
        return False
    if when.not_exposed & s.exposed:
        return False
    if when.emergency is not None and bool(s.emergencies) != when.emergency:
        return False
    if when.dose_action is not None:
        action = "none" if s.dose_action is None else s.dose_action.action
        if action not in when.dose_action:
            return False
    if when.continuing is not None and s.continuing != when.continuing:
        return False
    return not (when.tki is not None and s.tki != when.tki)


@cache
def _rules_for_kind(kb: PathwayKnowledge, kind: str) -> tuple[Rule, ...]:
    """The rules that can apply to a situation of ``kind`` (precomputed once per kind)."""
    return tuple(r for r in kb.rules if r.when.kind is None or kind in r.when.kind)


def matching_rules(s: Situation, kb: PathwayKnowledge) -> tuple[Rule, ...]:
    """The rules that apply, in file order, up to and including the first exclusive one."""
    found: list[Rule] = []
    for rule in _rules_for_kind(kb, s.kind):
        if matches(rule.when, s):
            found.append(rule)
            if rule.exclusive:
                break
    return tuple(found)
