"""The case model accepts the contract example and rejects each kind of mistake clearly."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from gistpath.case.load import parse_case
from gistpath.errors import CaseError


def test_contract_example_parses(contract_case: dict[str, Any]) -> None:
    case = parse_case(contract_case)
    assert case.id == "demo-017"
    assert case.treatments[1].schedule == "4/2"
    assert case.imaging[1].lesions[0].intratumoral_nodule == "new"
    assert case.as_of == date(2013, 2, 1)


def test_round_trip_through_json(contract_case: dict[str, Any]) -> None:
    case = parse_case(contract_case)
    again = parse_case(json.dumps(case.to_dict()))
    assert again == case


def test_error_names_case_field_and_source(contract_case: dict[str, Any]) -> None:
    contract_case["imaging"][1]["lesions"][0]["diameter_mm"] = -3
    with pytest.raises(CaseError) as caught:
        parse_case(json.dumps(contract_case), "cases/demo.json")
    error = caught.value
    assert error.case_id == "demo-017"
    assert error.field == "imaging[1].lesions[0].diameter_mm"
    assert str(error) == (
        "cases/demo.json: case 'demo-017': imaging[1].lesions[0].diameter_mm: must be >= 0 (got -3)"
    )
