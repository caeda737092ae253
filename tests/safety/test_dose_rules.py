"""Label dose modifications: one test per rule of ``safety/knowledge/dose_rules.yaml``, each
named by the rule id and its source (the drug label), plus recurrence and window behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import pytest
import yaml

from gistpath.case.timeline import treatment_lines
from gistpath.safety.dose_rules import (
    DoseAction,
    evaluate_dose_rules,
    governing_action,
    next_lower_dose,
)
from pathway.case_builders import ae, case, lab, normal_labs, tx

START = "2020-01-06"
AS_OF = "2020-06-01"


def fired(
    drug: str,
    dose: float,
    *,
    labs: list[dict[str, Any]] | None = None,
    aes: list[dict[str, Any]] | None = None,
    rows: list[dict[str, Any]] | None = None,
    jurisdiction: str = "EU",
) -> dict[str, DoseAction]:
    c = case(
        as_of=AS_OF,
        treatments=rows or [tx(drug, dose, START)],
        labs=[*normal_labs("2020-01-02"), *(labs or [])],
        adverse_events=aes or [],
    )
    line = treatment_lines(c)[-1]
    return {a.rule: a for a in evaluate_dose_rules(c, line, jurisdiction=jurisdiction)}


@dataclass(frozen=True)
class Row:
    rule: str
    source: str
    drug: str
    dose: float
    action: str
    new_dose: float | None
    verified: bool
    labs: list[dict[str, Any]] = field(default_factory=list)
    aes: list[dict[str, Any]] = field(default_factory=list)
    jurisdiction: str = "EU"


D = "2020-05-20"

ROWS = [
    # ---- imatinib (Gleevec/Glivec label)
    Row(
        "imatinib-hepatotoxicity",
        "LABEL-IMATINIB",
        "imatinib",
        400,
        "hold_then_reduce",
        300,
        True,
        labs=[lab(D, "alt", 220, "U/L", uln=40)],
    ),  # 5.5 x ULN > 5
    Row(
        "imatinib-cytopenia-400",
        "LABEL-IMATINIB",
        "imatinib",
        400,
        "hold",
        400,
        True,
        labs=[lab(D, "neutrophils", 0.9, "10^9/L", uln=7.5, lln=1.8)],
    ),
    Row(
        "imatinib-cytopenia-800",
        "LABEL-IMATINIB",
        "imatinib",
        800,
        "hold_then_reduce",
        600,
        False,
        labs=[lab(D, "platelets", 45, "10^9/L", uln=400, lln=150)],
    ),
    Row(
        "imatinib-severe-nonhematologic",
        "LABEL-IMATINIB",
        "imatinib",
        400,
        "hold_then_same_or_reduce",
        400,
        True,
        aes=[ae("fluid retention", 3, D, "imatinib")],
    ),
    # ---- sunitinib (Sutent label; Table 1 actions from memory: unverified)
    Row(
        "sunitinib-hepatotoxicity-g3",
        "LABEL-SUNITINIB",
        "sunitinib",
        50,
        "hold_then_reduce",
        37.5,
        False,
        labs=[lab(D, "ast", 240, "U/L", uln=40)],
    ),
    Row(
        "sunitinib-hepatotoxicity-g4",
        "LABEL-SUNITINIB",
        "sunitinib",
        50,
        "discontinue",
        None,
        False,
        labs=[lab(D, "alt", 900, "U/L", uln=40)],
    ),
    Row(
        "sunitinib-hypertension-g3",
        "LABEL-SUNITINIB",
        "sunitinib",
        37.5,
        "hold_then_reduce",
        25,
        False,
        aes=[ae("hypertension", 3, D, "sunitinib")],
    ),
    Row(
        "sunitinib-hypertension-g4",
        "LABEL-SUNITINIB",
        "sunitinib",
        50,
        "discontinue",
        None,
        False,
        aes=[ae("hypertension", 4, D, "sunitinib")],
    ),
    Row(
        "sunitinib-hemorrhage-g3",
        "LABEL-SUNITINIB",
        "sunitinib",
        50,
        "hold_then_reduce",
        37.5,
        False,
        aes=[ae("gastrointestinal hemorrhage", 3, D)],
    ),
    Row(
        "sunitinib-tma",
        "LABEL-SUNITINIB",
        "sunitinib",
        50,
        "discontinue",
        None,
        False,
        aes=[ae("thrombotic microangiopathy", 1, D, "sunitinib")],
    ),
    Row(
        "sunitinib-heart-failure",
        "LABEL-SUNITINIB",
        "sunitinib",
        50,
        "discontinue",
        None,
        False,
        aes=[ae("heart failure", 3, D, "sunitinib")],
    ),
    # ---- regorafenib (Stivarga label, verified)
    Row(
        "regorafenib-hfsr-g2",
        "LABEL-REGORAFENIB",
        "regorafenib",
        160,
        "reduce",
        120,
        True,
        aes=[ae("Palmar-plantar erythrodysesthesia syndrome", 2, D, "regorafenib")],
    ),
    Row(
        "regorafenib-hfsr-g3",
        "LABEL-REGORAFENIB",
        "regorafenib",
        120,
        "hold_then_reduce",
        80,
        True,
        aes=[ae("hand-foot skin reaction", 3, D, "regorafenib")],
    ),
    Row(
        "regorafenib-hypertension-g2",
        "LABEL-REGORAFENIB",
        "regorafenib",
        160,
        "hold",
        160,
        True,
        aes=[ae("hypertension", 2, D, "regorafenib")],
    ),
    Row(
        "regorafenib-liver-hy",
        "LABEL-REGORAFENIB",
        "regorafenib",
        160,
        "discontinue",
        None,
        True,
        labs=[lab(D, "alt", 130, "U/L", uln=40), lab(D, "bilirubin", 2.6, "mg/dL", uln=1.2)],
    ),
    Row(
        "regorafenib-liver-20x",
        "LABEL-REGORAFENIB",
        "regorafenib",
        160,
        "discontinue",
        None,
        True,
        labs=[lab(D, "ast", 840, "U/L", uln=40)],
    ),
    Row(
        "regorafenib-liver-g3",
        "LABEL-REGORAFENIB",
        "regorafenib",
        160,
        "hold_then_reduce",
        120,
        True,
        labs=[lab(D, "alt", 260, "U/L", uln=40)],
    ),
    Row(
        "regorafenib-infection",
        "LABEL-REGORAFENIB",
        "regorafenib",
        160,
        "hold",
        160,
        True,
        aes=[ae("lung infection", 2, D)],
    ),
    Row(
        "regorafenib-other-g3",
        "LABEL-REGORAFENIB",
        "regorafenib",
        160,
        "hold_then_reduce",
        120,
        True,
        aes=[ae("diarrhea", 3, D, "regorafenib")],
    ),
    Row(
        "regorafenib-other-g4",
        "LABEL-REGORAFENIB",
        "regorafenib",
        160,
        "discontinue",
        None,
        True,
        aes=[ae("colonic perforation", 4, D, "regorafenib")],
    ),
    # ---- ripretinib (Qinlock label; some rows truncated: unverified)
    Row(
        "ripretinib-ppes-g2",
        "LABEL-RIPRETINIB",
        "ripretinib",
        150,
        "hold_then_same_or_reduce",
        150,
        True,
        aes=[ae("palmar-plantar erythrodysaesthesia", 2, D, "ripretinib")],
    ),
    Row(
        "ripretinib-ppes-g3",
        "LABEL-RIPRETINIB",
        "ripretinib",
        150,
        "hold_then_reduce",
        100,
        True,
        aes=[ae("PPES", 3, D, "ripretinib")],
    ),
    Row(
        "ripretinib-hypertension-g3",
        "LABEL-RIPRETINIB",
        "ripretinib",
        150,
        "hold_then_same_or_reduce",
        150,
        True,
        aes=[ae("hypertension", 3, D, "ripretinib")],
    ),
    Row(
        "ripretinib-hypertension-g4",
        "LABEL-RIPRETINIB",
        "ripretinib",
        150,
        "discontinue",
        None,
        False,
        aes=[ae("hypertension", 4, D, "ripretinib")],
    ),
    Row(
        "ripretinib-cardiac-g3",
        "LABEL-RIPRETINIB",
        "ripretinib",
        150,
        "discontinue",
        None,
        False,
        aes=[ae("left ventricular systolic dysfunction", 3, D, "ripretinib")],
    ),
    Row(
        "ripretinib-arthralgia-myalgia",
        "LABEL-RIPRETINIB",
        "ripretinib",
        150,
        "hold_then_same_or_reduce",
        150,
        False,
        aes=[ae("arthralgia", 2, D, "ripretinib")],
    ),
    Row(
        "ripretinib-other-g3",
        "LABEL-RIPRETINIB",
        "ripretinib",
        150,
        "hold_then_same_or_reduce",
        150,
        False,
        aes=[ae("fatigue", 3, D, "ripretinib")],
    ),
    # ---- avapritinib (US label; EU SmPC for intracranial haemorrhage)
    Row(
        "avapritinib-ich-eu",
        "LABEL-AVAPRITINIB-EU",
        "avapritinib",
        300,
        "discontinue",
        None,
        True,
        aes=[ae("intracranial hemorrhage", 1, D, "avapritinib")],
    ),
    Row(
        "avapritinib-ich-us-g12",
        "LABEL-AVAPRITINIB",
        "avapritinib",
        300,
        "hold_then_reduce",
        200,
        True,
        aes=[ae("intracranial hemorrhage", 2, D, "avapritinib")],
        jurisdiction="US",
    ),
    Row(
        "avapritinib-ich-us-g34",
        "LABEL-AVAPRITINIB",
        "avapritinib",
        300,
        "discontinue",
        None,
        False,
        aes=[ae("intracranial haemorrhage", 3, D, "avapritinib")],
        jurisdiction="US",
    ),
    Row(
        "avapritinib-cognitive-g1",
        "LABEL-AVAPRITINIB",
        "avapritinib",
        300,
        "continue_or_hold",
        300,
        True,
        aes=[ae("memory impairment", 1, D, "avapritinib")],
    ),
    Row(
        "avapritinib-cognitive-g23",
        "LABEL-AVAPRITINIB",
        "avapritinib",
        200,
        "hold_then_same_or_reduce",
        200,
        True,
        aes=[ae("cognitive disturbance", 2, D, "avapritinib")],
    ),
    Row(
        "avapritinib-cognitive-g4",
        "LABEL-AVAPRITINIB",
        "avapritinib",
        300,
        "discontinue",
        None,
        True,
        aes=[ae("encephalopathy", 4, D, "avapritinib")],
    ),
    Row(
        "avapritinib-other-g3",
        "LABEL-AVAPRITINIB",
        "avapritinib",
        300,
        "hold_then_same_or_reduce",
        300,
        True,
        aes=[ae("periorbital edema", 3, D, "avapritinib")],
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.rule}[{r.source}]")
def test_dose_rule(row: Row) -> None:
    found = fired(row.drug, row.dose, labs=row.labs, aes=row.aes, jurisdiction=row.jurisdiction)
    assert row.rule in found, f"{row.rule} did not fire; fired: {sorted(found)}"
    action = found[row.rule]
    assert (action.action, action.new_dose_mg, action.verified) == (
        row.action,
        row.new_dose,
        row.verified,
    )
    assert row.source in action.source
    assert action.triggers  # says what fired it


def test_every_dose_rule_has_a_test() -> None:
    text = resources.files("gistpath.safety.knowledge").joinpath("dose_rules.yaml").read_text()
    data = yaml.safe_load(text)
    assert sorted(r["id"] for r in data["rules"]) == sorted(r.rule for r in ROWS)


def test_nothing_fires_on_normal_labs() -> None:
    for drug, dose in [
        ("imatinib", 400),
        ("sunitinib", 50),
        ("regorafenib", 160),
        ("ripretinib", 150),
        ("avapritinib", 300),
    ]:
        assert fired(drug, dose) == {}


# ---- recurrence, windows and levels -----------------------------------------------------------


def test_imatinib_cytopenia_recurrence_resumes_at_300_unverified() -> None:
    """LABEL-IMATINIB: on recurrence stop again, then resume at 300 mg (step 3 text truncated)."""
    labs = [
        lab("2020-02-10", "neutrophils", 0.8, "10^9/L", lln=1.8),
        lab("2020-03-09", "neutrophils", 2.0, "10^9/L", lln=1.8),
        lab("2020-05-18", "neutrophils", 0.9, "10^9/L", lln=1.8),
    ]
    a = fired("imatinib", 400, labs=labs)["imatinib-cytopenia-400"]
    assert (a.recurrence, a.action, a.new_dose_mg, a.verified) == (
        True,
        "hold_then_reduce",
        300,
        False,
    )


def test_imatinib_cytopenia_800_recurrence_resumes_two_levels_lower() -> None:
    """LABEL-IMATINIB DFSP row applied to GIST 800 mg: first 600 mg, on recurrence 400 mg."""
    labs = [
        lab("2020-02-10", "platelets", 40, "10^9/L", lln=150),
        lab("2020-03-09", "platelets", 180, "10^9/L", lln=150),
        lab("2020-05-18", "platelets", 44, "10^9/L", lln=150),
    ]
    a = fired("imatinib", 800, labs=labs)["imatinib-cytopenia-800"]
    assert (a.recurrence, a.new_dose_mg) == (True, 400)


def test_imatinib_600_uses_the_row_above_400() -> None:
    """600 mg is above the label's GIST 400 mg row: the extrapolated row resumes at 400 mg."""
    found = fired("imatinib", 600, labs=[lab(D, "neutrophils", 0.7, "10^9/L", lln=1.8)])
    assert "imatinib-cytopenia-400" not in found
    assert found["imatinib-cytopenia-800"].new_dose_mg == 400


def test_regorafenib_hfsr_g2_recurring_at_120_interrupts_and_goes_to_80() -> None:
    """LABEL-REGORAFENIB: G2 HFSR recurring at 120 mg -> interrupt, then 80 mg."""
    rows = [
        tx("regorafenib", 160, START, "2020-03-02", "toxicity"),
        tx("regorafenib", 120, "2020-03-02"),
    ]
    aes = [
        ae("hand-foot skin reaction", 2, "2020-02-17", "regorafenib"),
        ae("hand-foot skin reaction", 2, "2020-05-11", "regorafenib"),
    ]
    a = fired("regorafenib", 120, rows=rows, aes=aes)["regorafenib-hfsr-g2"]
    assert (a.recurrence, a.action, a.new_dose_mg) == (True, "hold_then_reduce", 80)


def test_regorafenib_reduction_below_80_means_discontinue() -> None:
    """LABEL-REGORAFENIB: lowest dose 80 mg; a reduction below it is a discontinuation."""
    a = fired("regorafenib", 80, aes=[ae("diarrhea", 3, D, "regorafenib")])["regorafenib-other-g3"]
    assert (a.action, a.new_dose_mg) == ("discontinue", None)


def test_regorafenib_liver_g3_recurring_at_120_discontinues() -> None:
    """LABEL-REGORAFENIB: AST/ALT > 5 x ULN recurring despite 120 mg -> discontinue."""
    rows = [
        tx("regorafenib", 160, START, "2020-03-02", "toxicity"),
        tx("regorafenib", 120, "2020-03-16"),
    ]
    labs = [
        lab("2020-02-24", "alt", 240, "U/L", uln=40),
        lab("2020-03-09", "alt", 60, "U/L", uln=40),
        lab("2020-05-18", "alt", 250, "U/L", uln=40),
    ]
    a = fired("regorafenib", 120, rows=rows, labs=labs)["regorafenib-liver-g3"]
    assert (a.recurrence, a.action) == (True, "discontinue")


def test_ripretinib_ppes_g2_recurrence_reduces_to_100() -> None:
    """LABEL-RIPRETINIB: recurrent G2 PPES -> withhold, then the reduced dose (100 mg)."""
    aes = [ae("PPES", 2, "2020-02-10", "ripretinib"), ae("PPES", 2, "2020-05-04", "ripretinib")]
    a = fired("ripretinib", 150, aes=aes)["ripretinib-ppes-g2"]
    assert (a.recurrence, a.action, a.new_dose_mg) == (True, "hold_then_reduce", 100)


def test_avapritinib_ich_g1_us_recurrence_discontinues() -> None:
    """LABEL-AVAPRITINIB (US): recurrent G1/G2 intracranial haemorrhage -> discontinue."""
    aes = [
        ae("intracranial hemorrhage", 1, "2020-02-10", "avapritinib"),
        ae("intracranial hemorrhage", 1, "2020-05-04", "avapritinib"),
    ]
    a = fired("avapritinib", 300, aes=aes, jurisdiction="US")["avapritinib-ich-us-g12"]
    assert (a.recurrence, a.action) == (True, "discontinue")


def test_jurisdiction_selects_the_avapritinib_ich_row() -> None:
    """EU SmPC: any grade -> discontinue; US label: G1/2 -> withhold, resume reduced."""
    aes = [ae("intracranial hemorrhage", 1, D, "avapritinib")]
    assert set(fired("avapritinib", 300, aes=aes)) == {"avapritinib-ich-eu"}
    assert set(fired("avapritinib", 300, aes=aes, jurisdiction="US")) == {"avapritinib-ich-us-g12"}


def test_events_before_the_current_dose_are_not_acted_on_again() -> None:
    """A G3 HFSR at 160 mg that led to the 120 mg row does not fire again at 120 mg."""
    rows = [
        tx("regorafenib", 160, START, "2020-03-02", "toxicity"),
        tx("regorafenib", 120, "2020-03-16"),
    ]
    assert (
        fired(
            "regorafenib",
            120,
            rows=rows,
            aes=[ae("hand-foot skin reaction", 3, "2020-02-24", "regorafenib")],
        )
        == {}
    )


def test_events_attributed_to_another_drug_do_not_count() -> None:
    rows = [
        tx("imatinib", 400, "2019-01-07", "2019-12-30", "progression"),
        tx("sunitinib", 50, START),
    ]
    assert fired("sunitinib", 50, rows=rows, aes=[ae("hypertension", 4, D, "imatinib")]) == {}
    assert "sunitinib-hypertension-g4" in fired(
        "sunitinib", 50, rows=rows, aes=[ae("hypertension", 4, D, "sunitinib")]
    )


def test_labs_before_the_current_dose_do_not_count() -> None:
    rows = [tx("imatinib", 400, START, "2020-03-02", "toxicity"), tx("imatinib", 300, "2020-03-16")]
    assert (
        fired("imatinib", 300, rows=rows, labs=[lab("2020-02-24", "alt", 300, "U/L", uln=40)]) == {}
    )


def test_governing_action_prefers_discontinue() -> None:
    found = fired("regorafenib", 160, labs=[lab(D, "alt", 900, "U/L", uln=40)])
    assert {"regorafenib-liver-20x", "regorafenib-liver-g3"} <= set(found)
    assert governing_action(found.values()).rule == "regorafenib-liver-20x"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("drug", "dose", "levels", "expected"),
    [
        ("imatinib", 800, 1, 600),
        ("imatinib", 400, 1, 300),
        ("imatinib", 300, 1, None),
        ("sunitinib", 50, 2, 25),
        ("sunitinib", 37.5, 1, 25),
        ("ripretinib", 150, 1, 100),
        ("avapritinib", 250, 1, 200),
        ("regorafenib", 160, 0, 160),
    ],
)
def test_next_lower_dose_follows_the_label_levels(
    drug: str, dose: float, levels: int, expected: float | None
) -> None:
    """Dose levels from the labels: imatinib 800/600/400/300, sunitinib 50/37.5/25, ..."""
    assert next_lower_dose(drug, dose, levels) == expected
