"""The pathway knowledge is checked at start-up and fails loudly (issue 3): a rule citing a
missing evidence id, a regimen without a source, a number without a source, and more."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from gistpath.errors import KnowledgeError
from gistpath.knowledge import load_yaml
from gistpath.pathway.knowledge import (
    FILES,
    PACKAGE,
    check_trial_criteria,
    compile_knowledge,
    knowledge_version,
    pathway_knowledge,
)


def raw() -> dict[str, Any]:
    return {name: copy.deepcopy(load_yaml(PACKAGE, name)) for name in FILES}


def rule(d: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(r for r in d["rules.yaml"]["rules"] if r["id"] == rid)


def test_packaged_knowledge_loads_and_is_versioned() -> None:
    kb = pathway_knowledge()
    assert kb.sequence == ("imatinib", "sunitinib", "regorafenib", "ripretinib")
    assert kb.regimens["regorafenib-160"].schedule == "d1-21q28"
    assert kb.regimens["sunitinib-50-4/2"].dose_steps_mg == (50, 37.5, 25)
    version = knowledge_version()
    for part in ("rules-", "regimens-", "dose-rules-", "evidence-"):
        assert part in version


BREAKAGES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "rule citing a missing evidence id",
        lambda d: rule(d, "sunitinib-failure-regorafenib")["options"][0].__setitem__(
            "evidence", ["GRID", "GRID-2"]
        ),
        "unknown evidence id 'GRID-2'",
    ),
    (
        "rule source citing a missing evidence id",
        lambda d: rule(d, "controlled-continue").__setitem__("source", ["NOPE"]),
        "cites unknown 'NOPE'",
    ),
    (
        "rule without a source",
        lambda d: rule(d, "controlled-surgery").pop("source"),
        "has no source",
    ),
    (
        "regimen without a source",
        lambda d: d["regimens.yaml"]["regimens"]["regorafenib-160"].pop("source"),
        r"regimens\.regorafenib-160\.dose_mg = 160 has no source",
    ),
    (
        "number without a source",
        lambda d: d["rules.yaml"]["settings"]["emergencies"].pop("source"),
        r"settings\.emergencies\.window_days = 30 has no source",
    ),
    (
        "option without evidence",
        lambda d: rule(d, "controlled-surgery")["options"][0].pop("evidence"),
        "must cite evidence",
    ),
    (
        "unknown regimen",
        lambda d: rule(d, "first-line-imatinib-400")["options"][0].__setitem__("regimen", "ima-4"),
        "unknown regimen 'ima-4'",
    ),
    (
        "unknown action",
        lambda d: rule(d, "first-line-imatinib-400")["options"][0].__setitem__("action", "give"),
        "action 'give'",
    ),
    (
        "unknown strength",
        lambda d: rule(d, "first-line-imatinib-400")["options"][0].__setitem__("strength", "must"),
        "strength 'must'",
    ),
    (
        "unknown condition key",
        lambda d: rule(d, "focal-progression")["when"].__setitem__("lesions", 1),
        "unknown condition 'lesions'",
    ),
    (
        "unknown genotype class in a condition",
        lambda d: rule(d, "first-line-kit-exon9")["when"].__setitem__("genotype", ["kit_exon99"]),
        "kit_exon99",
    ),
    (
        "unknown status in a condition",
        lambda d: rule(d, "focal-progression")["when"].__setitem__("status", ["growing"]),
        "growing",
    ),
    (
        "unknown template field",
        lambda d: rule(d, "controlled-continue")["options"][0].__setitem__(
            "rationale", "Continue {drug_name}"
        ),
        "unknown template field",
    ),
    (
        "dose steps disagreeing with the label levels",
        lambda d: d["regimens.yaml"]["regimens"]["sunitinib-50-4/2"].__setitem__(
            "dose_steps_mg", [50, 25]
        ),
        "disagree with the label levels",
    ),
    (
        "schedule outside the case vocabulary",
        lambda d: d["regimens.yaml"]["regimens"]["regorafenib-160"].__setitem__("schedule", "3/1"),
        "schedule '3/1'",
    ),
    (
        "duplicate rule id",
        lambda d: d["rules.yaml"]["rules"].append(copy.deepcopy(rule(d, "controlled-surgery"))),
        "twice",
    ),
    (
        "alert without evidence",
        lambda d: rule(d, "genotype-unknown")["alerts"][0].__setitem__("evidence", []),
        "alert must cite evidence",
    ),
    (
        "missing field",
        lambda d: d["rechallenge.yaml"]["profile"]["ecog"].pop("favourable_max"),
        "required field is missing",
    ),
]


@pytest.mark.parametrize(("what", "breakage", "message"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_inconsistent_knowledge_fails_loudly(
    what: str, breakage: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = raw()
    breakage(data)
    with pytest.raises(KnowledgeError, match=message):
        compile_knowledge(data)


def test_rechallenge_profile_must_read_existing_trial_criteria() -> None:
    """The profile reads RIGHT criteria by id from the trial module: a typo fails loudly."""
    data = raw()
    data["rechallenge.yaml"]["profile"]["from_trial"][0]["criteria"] = ["prior_benefitt"]
    kb = compile_knowledge(data)
    with pytest.raises(KnowledgeError, match="prior_benefitt"):
        check_trial_criteria(kb.rechallenge)
