"""CYP3A4 interactions between a GIST kinase inhibitor and concomitant medicines.

Data in ``knowledge/interactions.yaml``: each agent's CYP3A4 class, and per TKI and class the
label's action (avoid, monitor, reduce to a dose, increase to a dose). A medicine is active on a
day when it started on or before that day (or has no start) and has not ended before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from gistpath.case.model import Case
from gistpath.safety.knowledge import safety_knowledge


@dataclass(frozen=True, slots=True)
class Interaction:
    """One TKI / co-medication pair with the label's action."""

    drug: str
    agent: str
    agent_class: str  # strong_inducer | moderate_inducer | strong_inhibitor | moderate_inhibitor
    action: str  # avoid | monitor | reduce | increase
    message: str
    dose_mg: float | None  # the label's adjusted daily dose if the agent cannot be avoided
    schedule: str | None
    max_dose_mg: float | None
    source: tuple[str, ...]
    verified: bool

    @property
    def kind(self) -> str:
        return "inducer" if self.agent_class.endswith("inducer") else "inhibitor"

    def to_dict(self) -> dict[str, Any]:
        return {
            "drug": self.drug,
            "agent": self.agent,
            "agent_class": self.agent_class,
            "action": self.action,
            "message": self.message,
            "adjusted_dose_mg": self.dose_mg,
            "adjusted_schedule": self.schedule,
            "max_dose_mg": self.max_dose_mg,
            "evidence": list(self.source),
            "verified": self.verified,
        }


def canonical_agent(name: str) -> str:
    """The INN used in the knowledge for ``name`` (aliases such as ``rifampin`` resolved)."""
    return safety_knowledge().aliases.get(name, name)


def active_medications(case: Case, day: date | None = None) -> tuple[str, ...]:
    """Concomitant medicines (canonical names) active on ``day`` (default ``as_of``)."""
    when = day or case.as_of
    found: list[str] = []
    for med in case.medications:
        if med.start is not None and med.start > when:
            continue
        if med.end is not None and med.end < when:
            continue
        name = canonical_agent(med.name)
        if name not in found:
            found.append(name)
    return tuple(found)


def interactions_for(drug: str, agents: Iterable[str]) -> tuple[Interaction, ...]:
    """The label actions for ``drug`` given co-medications ``agents`` (canonical names)."""
    kb = safety_knowledge()
    out: list[Interaction] = []
    for name in agents:
        agent = kb.agents.get(canonical_agent(name))
        if agent is None:
            continue
        rule = kb.interaction_rules.get((drug, agent.cls))
        if rule is None:
            continue
        sources = tuple(dict.fromkeys((*rule.source, *agent.source)))
        out.append(
            Interaction(
                drug=drug,
                agent=agent.name,
                agent_class=agent.cls,
                action=rule.action,
                message=rule.message,
                dose_mg=rule.dose_mg,
                schedule=rule.schedule,
                max_dose_mg=rule.max_dose_mg,
                source=sources,
                verified=rule.verified and agent.verified,
            )
        )
    return tuple(out)


def case_interactions(
    case: Case, drugs: Iterable[str], day: date | None = None
) -> tuple[Interaction, ...]:
    """Interactions of each of ``drugs`` with the case's medicines active on ``day``."""
    agents = active_medications(case, day)
    if not agents:
        return ()
    out: list[Interaction] = []
    for drug in dict.fromkeys(drugs):
        out.extend(interactions_for(drug, agents))
    return tuple(out)


def strong_inducers(case: Case, day: date | None = None) -> tuple[str, ...]:
    """Active medicines the knowledge classes as strong CYP3A4 inducers."""
    kb = safety_knowledge()
    return tuple(
        name
        for name in active_medications(case, day)
        if (agent := kb.agents.get(name)) is not None and agent.cls == "strong_inducer"
    )
