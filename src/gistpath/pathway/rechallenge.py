"""The imatinib rechallenge candidate profile (clinical-knowledge.md §5; ``rechallenge.yaml``).

A heuristic from the seeds, not a validated rule: it grades the rechallenge option (all required
items met: the rule's strength stands; any unmet: "consider" with the reasons), it never hides it.
Organ function is read from the RIGHT eligibility check of the trial module, not re-implemented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from gistpath.case.model import Case
from gistpath.case.timeline import Line, months_between
from gistpath.imaging.assess import CaseAssessment
from gistpath.pathway.knowledge import RechallengeProfile, TrialItem
from gistpath.pathway.situation import Situation
from gistpath.safety.interactions import strong_inducers


class CriterionOutcome(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def detail(self) -> str: ...


class Eligibility(Protocol):
    @property
    def criteria(self) -> tuple[CriterionOutcome, ...]: ...


@dataclass(frozen=True, slots=True)
class ProfileItem:
    id: str
    text: str
    status: str  # met | unmet | unknown
    detail: str
    required: bool
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "status": self.status,
            "detail": self.detail,
            "required": self.required,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class ProfileResult:
    items: tuple[ProfileItem, ...]

    @property
    def fits(self) -> bool | None:
        """True if every required item is met, False if one is unmet, else None."""
        required = [i for i in self.items if i.required]
        if any(i.status == "unmet" for i in required):
            return False
        return None if any(i.status == "unknown" for i in required) else True

    @property
    def unmet(self) -> list[str]:
        return [f"{i.text} ({i.detail})" for i in self.items if i.required and i.status == "unmet"]

    @property
    def unknown(self) -> list[str]:
        return [
            f"{i.text} ({i.detail})" for i in self.items if i.required and i.status == "unknown"
        ]

    @property
    def evidence(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(sid for i in self.items for sid in i.evidence))

    def to_dict(self) -> dict[str, Any]:
        return {"fits": self.fits, "items": [i.to_dict() for i in self.items]}


def _first_imatinib(lines: tuple[Line, ...]) -> Line | None:
    return next((line for line in lines if line.drug == "imatinib"), None)


def first_imatinib_months(
    case: Case, lines: tuple[Line, ...], assessment: CaseAssessment
) -> float | None:
    """Months from the start of the first imatinib line to its first progression (or its end,
    or ``as_of`` while it runs); None without an imatinib line."""
    first = _first_imatinib(lines)
    if first is None:
        return None
    response = next((r for r in assessment.lines if r.line == first.number), None)
    stop = response.first_progression if response is not None else None
    return months_between(first.start, stop or first.end or case.as_of)


def rechallenge_profile(
    case: Case,
    lines: tuple[Line, ...],
    assessment: CaseAssessment,
    situation: Situation,
    profile: RechallengeProfile,
    trial: Eligibility | None,
) -> ProfileResult:
    """Each item of the candidate profile: met, unmet or unknown, with the facts."""
    items = [_from_trial(item, profile.trial, trial) for item in profile.from_trial]
    months = first_imatinib_months(case, lines, assessment)
    long = months is not None and months > profile.long_benefit_months
    items.append(
        ProfileItem(
            "long_benefit",
            f"First-line imatinib for more than {profile.long_benefit_months:g} months "
            "(favours rechallenge)",
            "met" if long else ("unknown" if months is None else "unmet"),
            "no imatinib line" if months is None else f"{months:.1f} months",
            False,
            profile.long_benefit_source,
        )
    )
    ecog = situation.ecog
    if ecog is None:
        ecog_status, ecog_detail = "unknown", "no ECOG recorded"
    elif ecog <= profile.ecog_favourable_max:
        ecog_status, ecog_detail = "met", f"ECOG {ecog}"
    else:
        within = ecog <= profile.ecog_trial_max
        ecog_status = "unmet"
        ecog_detail = f"ECOG {ecog}" + (
            f" (RIGHT allowed up to {profile.ecog_trial_max})" if within else ""
        )
    items.append(
        ProfileItem(
            "ecog",
            f"ECOG 0-{profile.ecog_favourable_max}",
            ecog_status,
            ecog_detail,
            True,
            profile.ecog_source,
        )
    )
    inducers = strong_inducers(case)
    items.append(
        ProfileItem(
            "no_strong_inducer",
            "No strong CYP3A4 inducer",
            "unmet" if inducers else "met",
            ", ".join(inducers) if inducers else "none active",
            True,
            profile.inducer_source,
        )
    )
    return ProfileResult(tuple(items))


def _from_trial(item: TrialItem, trial_id: str, trial: Eligibility | None) -> ProfileItem:
    if trial is None:
        return ProfileItem(
            item.id,
            item.text,
            "unknown",
            f"{trial_id} eligibility not available",
            True,
            item.source,
        )
    wanted = [c for c in trial.criteria if c.id in item.criteria]
    unmet = [c.detail for c in wanted if c.status == "unmet"]
    unknown = [c.detail for c in wanted if c.status == "unknown"]
    if unmet:
        status, detail = "unmet", "; ".join(unmet)
    elif unknown or len(wanted) < len(item.criteria):
        status, detail = "unknown", "; ".join(unknown) or "not checked"
    else:
        status, detail = "met", "; ".join(c.detail for c in wanted)
    return ProfileItem(item.id, item.text, status, detail, True, item.source)
