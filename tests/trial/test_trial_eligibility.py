"""RIGHT eligibility criterion by criterion: met, unmet and unknown, at the sourced thresholds."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from gistpath.case.load import parse_case
from gistpath.case.model import Case
from gistpath.imaging.assess import assess_case
from gistpath.store.loadtest import eligible_case
from gistpath.trial.design import load_design
from gistpath.trial.eligibility import EligibilityResult, check_eligibility

DESIGN = load_design("RIGHT")
BASE = eligible_case("e-1").to_dict()


def variant(change: Callable[[dict[str, Any]], None]) -> Case:
    data = copy.deepcopy(BASE)
    change(data)
    return parse_case(data)


def status(result: EligibilityResult, criterion: str) -> str:
    return next(c.status for c in result.criteria if c.id == criterion)


def lab(
    test: str, value: float, unit: str, uln: float | None = None
) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["labs"] = [row for row in data["labs"] if row["test"] != test]
        row: dict[str, Any] = {"date": "2011-05-20", "test": test, "value": value, "unit": unit}
        if uln is not None:
            row["uln"] = uln
        data["labs"].append(row)

    return change


def test_a_case_meeting_every_criterion_is_eligible() -> None:
    result = check_eligibility(eligible_case("ok"), DESIGN)
    assert result.eligible is True
    assert len(result.met) == 9
    assert result.unmet == result.unknown == []
    assert result.to_dict() == {"id": "RIGHT", "eligible": True, "unmet": [], "unknown": []}
    assert "first-line imatinib for 36.9 months until progression" in result.met[1]


@pytest.mark.parametrize(
    ("change", "criterion", "expected"),
    [
        (lab("platelets", 75, "10^9/L"), "platelets", "met"),
        (lab("platelets", 74.9, "10^9/L"), "platelets", "unmet"),
        (lab("platelets", 75000, "/mm3"), "platelets", "met"),
        (lab("platelets", 74000, "/mm3"), "platelets", "unmet"),
        (lab("neutrophils", 1.5, "10^9/L"), "neutrophils", "met"),
        (lab("neutrophils", 1400, "/mm3"), "neutrophils", "unmet"),
        (lab("creatinine", 1.79, "mg/dL", uln=1.2), "creatinine", "met"),
        (lab("creatinine", 1.8, "mg/dL", uln=1.2), "creatinine", "unmet"),  # = 1.5 x ULN
        (lab("creatinine", 160, "umol/L", uln=100), "creatinine", "unmet"),
        (lab("creatinine", 1.0, "mg/dL"), "creatinine", "unknown"),  # no ULN
        (lab("bilirubin", 1.7, "mg/dL", uln=1.2), "bilirubin", "met"),
        (lab("alt", 99, "U/L", uln=40), "transaminases", "met"),
        (lab("alt", 100, "U/L", uln=40), "transaminases", "met"),  # liver metastases: < 5 x ULN
        (lab("alt", 200, "U/L", uln=40), "transaminases", "unmet"),
        (lab("ast", 30, "U/L"), "transaminases", "unknown"),
    ],
)
def test_lab_thresholds(
    change: Callable[[dict[str, Any]], None], criterion: str, expected: str
) -> None:
    assert status(check_eligibility(variant(change), DESIGN), criterion) == expected


def test_transaminase_limit_without_liver_metastases_is_2_5_uln() -> None:
    def no_liver(data: dict[str, Any]) -> None:
        data["tumour"]["metastatic_sites"] = ["peritoneum"]
        lab("alt", 100, "U/L", uln=40)(data)

    result = check_eligibility(variant(no_liver), DESIGN)
    assert status(result, "transaminases") == "unmet"
    assert result.unmet == [
        "ALT and AST below 2.5 x ULN (below 5 x ULN with liver metastases) "
        "(alt 2.50 x ULN on 2011-05-20; limit 2.5 x ULN)"
    ]


def test_one_missing_lab_makes_eligibility_unknown_not_false() -> None:
    def drop(data: dict[str, Any]) -> None:
        data["labs"] = [row for row in data["labs"] if row["test"] != "platelets"]

    result = check_eligibility(variant(drop), DESIGN)
    assert result.eligible is None
    assert result.unknown == [
        "Platelets at least 75 x10^9/L (no platelets result on or before 2011-06-01)"
    ]


def test_data_after_as_of_is_not_seen() -> None:
    def after(data: dict[str, Any]) -> None:
        data["labs"].append(
            {"date": "2011-07-01", "test": "platelets", "value": 20.0, "unit": "10^9/L"}
        )
        data["follow_up"] = {"last_contact": "2011-07-01", "vital_status": "alive"}

    case = variant(after)
    assert status(check_eligibility(case, DESIGN), "platelets") == "met"
    later = case.model_copy(update={"as_of": date(2011, 7, 2)})
    assert status(check_eligibility(later, DESIGN), "platelets") == "unmet"


@pytest.mark.parametrize(
    ("change", "criterion", "expected"),
    [
        (lambda d: d["patient"].update(birth_date="1993-07-01"), "age", "unmet"),  # 17
        (lambda d: d["patient"].update(birth_date="1993-06-01"), "age", "met"),  # 18 today
        (lambda d: d["patient"].pop("birth_date"), "age", "unknown"),
        (lambda d: d["performance_status"][0].update(ecog=3), "ecog", "met"),
        (lambda d: d["performance_status"][0].update(ecog=4), "ecog", "unmet"),
        (lambda d: d.pop("performance_status"), "ecog", "unknown"),
    ],
)
def test_age_and_ecog(
    change: Callable[[dict[str, Any]], Any], criterion: str, expected: str
) -> None:
    assert status(check_eligibility(variant(change), DESIGN), criterion) == expected


def _first_line(end: str, stop: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["treatments"][0].update(end=end, stop_reason=stop)

    return change


def _second_line(end: str | None, stop: str | None) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["treatments"][1].update(end=end, stop_reason=stop)

    return change


@pytest.mark.parametrize(
    ("change", "benefit", "sequence"),
    [
        (_first_line("2006-07-20", "progression"), "unknown", "met"),  # 5.6 months
        (_first_line("2006-08-05", "progression"), "met", "met"),  # 6.1 months
        (_first_line("2008-01-01", "toxicity"), "unknown", "unmet"),
        (_second_line("2011-05-01", "toxicity"), "met", "met"),  # intolerance to sunitinib
        (_second_line("2011-05-01", "other"), "met", "unknown"),
        (_second_line("2011-05-01", "patient_choice"), "met", "unmet"),
        (_second_line(None, None), "met", "unmet"),  # sunitinib ongoing
    ],
)
def test_prior_benefit_and_progression_without_imaging(
    change: Callable[[dict[str, Any]], None], benefit: str, sequence: str
) -> None:
    result = check_eligibility(variant(change), DESIGN)
    assert (status(result, "prior_benefit"), status(result, "progression_sequence")) == (
        benefit,
        sequence,
    )


def test_first_line_other_than_imatinib_is_unmet() -> None:
    def sunitinib_first(data: dict[str, Any]) -> None:
        data["treatments"] = data["treatments"][1:]

    result = check_eligibility(variant(sunitinib_first), DESIGN)
    assert status(result, "prior_benefit") == "unmet"
    assert result.unmet[0].endswith("(first line was sunitinib, not imatinib)")
    assert status(result, "progression_sequence") == "unmet"


@dataclass(frozen=True)
class Line:
    line: int
    drug: str
    start: date
    best_recist: str | None


@dataclass(frozen=True)
class Assessment:
    lines: tuple[Line, ...]


@pytest.mark.parametrize(
    ("best", "end", "expected"),
    [
        ("PR", "2006-05-01", "met"),  # a response counts even if progression came early
        ("SD", "2006-05-01", "unmet"),  # stable disease under 6 months
        ("SD", "2007-01-01", "met"),
        ("PD", "2009-03-01", "unmet"),
        ("NE", "2009-03-01", "met"),  # not evaluable: falls back on the line's length
    ],
)
def test_prior_benefit_uses_the_response_assessment(best: str, end: str, expected: str) -> None:
    case = variant(_first_line(end, "progression"))
    assessment = Assessment((Line(1, "imatinib", date(2006, 2, 1), best),))
    assert status(check_eligibility(case, DESIGN, assessment), "prior_benefit") == expected


def test_the_imaging_assessment_fits_the_protocol(contract_case: dict[str, Any]) -> None:
    case = parse_case(contract_case)
    result = check_eligibility(case, DESIGN, assess_case(case))
    assert status(result, "prior_benefit") == "met"
    assert result.eligible is None  # the contract example has no platelets, ANC, ...
