"""CYP3A4 interactions: one test per label rule (drug x class) of ``interactions.yaml``, each
named with its source, plus agent classes, aliases and the active-medication window."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from gistpath.safety.interactions import (
    active_medications,
    case_interactions,
    interactions_for,
    strong_inducers,
)
from pathway.case_builders import case, med, tx

RULES = [
    # (drug, agent, class, action, adjusted dose, schedule, verified, source)
    ("imatinib", "rifampicin", "strong_inducer", "avoid", None, None, False, "LABEL-IMATINIB"),
    ("imatinib", "ketoconazole", "strong_inhibitor", "monitor", None, None, True, "LABEL-IMATINIB"),
    (
        "sunitinib",
        "clarithromycin",
        "strong_inhibitor",
        "reduce",
        37.5,
        None,
        True,
        "LABEL-SUNITINIB",
    ),
    ("sunitinib", "phenytoin", "strong_inducer", "increase", None, None, True, "LABEL-SUNITINIB"),
    (
        "regorafenib",
        "carbamazepine",
        "strong_inducer",
        "avoid",
        None,
        None,
        False,
        "LABEL-REGORAFENIB",
    ),
    (
        "regorafenib",
        "itraconazole",
        "strong_inhibitor",
        "avoid",
        None,
        None,
        False,
        "LABEL-REGORAFENIB",
    ),
    (
        "ripretinib",
        "voriconazole",
        "strong_inhibitor",
        "monitor",
        None,
        None,
        True,
        "LABEL-RIPRETINIB",
    ),
    (
        "ripretinib",
        "st_johns_wort",
        "strong_inducer",
        "avoid",
        None,
        None,
        True,
        "LABEL-RIPRETINIB",
    ),
    (
        "ripretinib",
        "efavirenz",
        "moderate_inducer",
        "increase",
        300,
        "bid",
        True,
        "LABEL-RIPRETINIB",
    ),
    (
        "avapritinib",
        "posaconazole",
        "strong_inhibitor",
        "avoid",
        None,
        None,
        True,
        "LABEL-AVAPRITINIB",
    ),
    (
        "avapritinib",
        "diltiazem",
        "moderate_inhibitor",
        "reduce",
        100,
        None,
        True,
        "LABEL-AVAPRITINIB",
    ),
    ("avapritinib", "rifampicin", "strong_inducer", "avoid", None, None, True, "LABEL-AVAPRITINIB"),
    (
        "avapritinib",
        "modafinil",
        "moderate_inducer",
        "avoid",
        None,
        None,
        True,
        "LABEL-AVAPRITINIB",
    ),
]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r[0]}-{r[2]}[{r[7]}]")
def test_label_interaction_rule(rule: tuple) -> None:  # type: ignore[type-arg]
    drug, agent, cls, action, dose, schedule, verified, source = rule
    (found,) = interactions_for(drug, [agent])
    assert (found.agent_class, found.action, found.dose_mg, found.schedule, found.verified) == (
        cls,
        action,
        dose,
        schedule,
        verified,
    )
    assert source in found.source


def test_every_interaction_rule_has_a_test() -> None:
    text = resources.files("gistpath.safety.knowledge").joinpath("interactions.yaml").read_text()
    data = yaml.safe_load(text)
    pairs = {(drug, cls) for drug, by in data["actions"].items() for cls in by}
    assert pairs == {(r[0], r[2]) for r in RULES}


def test_sunitinib_strong_inducer_message_gives_the_ceiling() -> None:
    """LABEL-SUNITINIB: raise in 12.5 mg steps to a maximum of 87.5 mg (GIST)."""
    (found,) = interactions_for("sunitinib", ["rifampicin"])
    assert found.max_dose_mg == 87.5 and "12.5 mg steps" in found.message


def test_moderate_inhibitor_has_no_imatinib_rule() -> None:
    """No label action for imatinib with a moderate inhibitor: nothing to report."""
    assert interactions_for("imatinib", ["fluconazole"]) == ()


def test_class_disagreements_are_unverified() -> None:
    """CYP3A-LISTS: phenobarbital, dexamethasone, erythromycin are classed differently by source."""
    (pheno,) = interactions_for("sunitinib", ["phenobarbital"])
    assert pheno.verified is False
    (rif,) = interactions_for("sunitinib", ["rifampicin"])
    assert rif.verified is True


def test_aliases_resolve_to_the_inn() -> None:
    c = case(
        as_of="2020-06-01",
        treatments=[tx("imatinib", 400, "2020-01-06")],
        medications=[med("rifampin", "2020-05-01"), med("hypericum", "2020-05-01")],
    )
    assert active_medications(c) == ("rifampicin", "st_johns_wort")
    assert strong_inducers(c) == ("rifampicin", "st_johns_wort")


def test_only_medicines_active_on_the_day_count() -> None:
    c = case(
        as_of="2020-06-01",
        treatments=[tx("sunitinib", 50, "2020-01-06")],
        medications=[
            med("clarithromycin", "2020-02-01", "2020-02-14"),  # finished
            med("ketoconazole", "2020-07-01"),  # not started yet
            med("carbamazepine", None, None),  # undated: active
            med("paracetamol", "2020-05-01"),  # no CYP3A4 class
        ],
    )
    found = case_interactions(c, ["sunitinib"])
    assert [(i.agent, i.action) for i in found] == [("carbamazepine", "increase")]
