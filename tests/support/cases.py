"""A small builder for whole cases, for tests that need lines, scans and follow-up."""

from __future__ import annotations

from typing import Any

from gistpath.case.load import parse_case
from gistpath.case.model import Case


def lesion(lesion_id: str, mm: float, organ: str = "liver", **extra: Any) -> dict[str, Any]:
    return {"id": lesion_id, "organ": organ, "role": "target", "diameter_mm": mm, **extra}


def ct(date: str, *lesions: dict[str, Any], reader: str = "site") -> dict[str, Any]:
    return {"date": date, "modality": "CT", "reader": reader, "lesions": list(lesions)}


def rx(
    drug: str,
    dose: float,
    start: str,
    end: str | None = None,
    stop: str | None = None,
    schedule: str = "daily",
) -> dict[str, Any]:
    return {
        "drug": drug,
        "dose_mg": dose,
        "schedule": schedule,
        "start": start,
        "end": end,
        "stop_reason": stop,
    }


def make_case(
    *,
    as_of: str,
    treatments: list[dict[str, Any]],
    imaging: list[dict[str, Any]],
    case_id: str = "t-1",
    **fields: Any,
) -> Case:
    data: dict[str, Any] = {
        "id": case_id,
        "as_of": as_of,
        "patient": {"sex": "female", "birth_date": "1960-05-01"},
        "tumour": {
            "diagnosis_date": "2009-12-01",
            "primary_site": "stomach",
            "genotype": {"gene": "KIT", "exon": 11},
            "metastatic_sites": ["liver"],
        },
        "treatments": treatments,
        "imaging": imaging,
        **fields,
    }
    return parse_case(data)
