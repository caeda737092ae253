"""Pydantic models of the case file (contracts/case-format.md).

Field names are the contract. Models are frozen and reject unknown fields. Each field carries
its own type and range; rules that relate several fields (an end before a start, a lesion that
changes organ) live in :mod:`gistpath.case.checks` so that their errors can name the exact field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from gistpath.knowledge import load_yaml, require_sources

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    """Accept a `date` or a `YYYY-MM-DD` string; nothing else (no timestamps, no 12/03/2010)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a real calendar date") from None
    raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
#: Plausibility bounds (``plausibility.yaml``): beyond them a value is a slip, not a finding.
_PLAUSIBILITY: dict[str, Any] = load_yaml("gistpath.case", "plausibility.yaml")
require_sources(_PLAUSIBILITY, "case/plausibility.yaml")
LIMITS: dict[str, dict[str, Any]] = _PLAUSIBILITY["limits"]

Millimetres = Annotated[
    float, Field(strict=True, ge=0, le=LIMITS["diameter_mm"]["max"], allow_inf_nan=False)
]

Sex = Literal["female", "male", "other", "unknown"]
Gene = Literal["KIT", "PDGFRA", "none", "unknown"]
WildTypeSubtype = Literal["SDH-deficient", "NF1", "BRAF", "NTRK", "other"]
Schedule = Literal["daily", "bid", "4/2", "d1-21q28"]
StopReason = Literal["progression", "toxicity", "patient_choice", "death", "completed", "other"]
Reader = Literal["site", "central"]
Modality = Literal["CT", "MRI", "PET-CT", "PET", "US", "XR"]
LesionRole = Literal["target", "non-target", "new"]
NonTargetStatus = Literal["present", "absent", "unequivocal_progression"]
NoduleStatus = Literal["none", "new", "enlarging"]
Organ = Literal[
    "liver",
    "peritoneum",
    "omentum",
    "mesentery",
    "lymph_node",
    "lung",
    "pleura",
    "bone",
    "soft_tissue",
    "abdominal_wall",
    "retroperitoneum",
    "pelvis",
    "stomach",
    "esophagus",
    "duodenum",
    "small_bowel",
    "colon",
    "rectum",
    "pancreas",
    "spleen",
    "adrenal",
    "kidney",
    "ovary",
    "brain",
    "skin",
    "other",
]
PrimarySite = Literal[
    "stomach",
    "esophagus",
    "duodenum",
    "small_bowel",
    "colon",
    "rectum",
    "mesentery",
    "omentum",
    "retroperitoneum",
    "other",
    "unknown",
]
LabTest = Literal[
    "hemoglobin",
    "neutrophils",
    "platelets",
    "wbc",
    "bilirubin",
    "alt",
    "ast",
    "creatinine",
    "albumin",
]
LabUnit = Literal["g/dL", "g/L", "mmol/L", "10^9/L", "/mm3", "mg/dL", "umol/L", "U/L"]
EventType = Literal[
    "hemorrhage", "perforation", "obstruction", "abscess", "surgery", "local_therapy", "death"
]
VitalStatus = Literal["alive", "dead", "unknown"]

#: Units each lab test may be reported in (the conversions live in the safety knowledge).
LAB_UNITS: dict[str, tuple[str, ...]] = {
    "hemoglobin": ("g/dL", "g/L", "mmol/L"),
    "neutrophils": ("10^9/L", "/mm3"),
    "platelets": ("10^9/L", "/mm3"),
    "wbc": ("10^9/L", "/mm3"),
    "bilirubin": ("mg/dL", "umol/L"),
    "alt": ("U/L",),
    "ast": ("U/L",),
    "creatinine": ("mg/dL", "umol/L"),
    "albumin": ("g/dL", "g/L"),
}

#: A drug or medicine name: a lowercase INN (``imatinib``) or a short key (``st_johns_wort``).
DRUG_PATTERN = r"^[a-z][a-z0-9_-]*$"


class Frozen(BaseModel):
    """Base: immutable and strict about unknown fields; numbers are strict per field."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Patient(Frozen):
    sex: Sex
    birth_date: IsoDate | None = None


class Genotype(Frozen):
    gene: Gene
    exon: (
        Annotated[int, Field(strict=True, ge=LIMITS["exon"]["min"], le=LIMITS["exon"]["max"])]
        | None
    ) = None
    variant: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    subtype: WildTypeSubtype | None = None


class Tumour(Frozen):
    diagnosis_date: IsoDate | None = None
    primary_site: PrimarySite = "unknown"
    genotype: Genotype = Genotype(gene="unknown")
    metastatic_sites: tuple[Organ, ...] = ()


class PerformanceStatus(Frozen):
    date: IsoDate
    ecog: Annotated[int, Field(strict=True, ge=0, le=5)]


class Treatment(Frozen):
    drug: Annotated[str, Field(pattern=DRUG_PATTERN, max_length=60)]
    dose_mg: Annotated[
        float, Field(strict=True, gt=0, le=LIMITS["dose_mg"]["max"], allow_inf_nan=False)
    ]
    schedule: Schedule = "daily"
    start: IsoDate
    end: IsoDate | None = None
    stop_reason: StopReason | None = None


class Lesion(Frozen):
    id: Annotated[str, Field(min_length=1, max_length=40)]
    organ: Organ
    role: LesionRole
    diameter_mm: Millimetres | None = None
    density_hu: (
        Annotated[
            float,
            Field(
                strict=True,
                ge=LIMITS["density_hu"]["min"],
                le=LIMITS["density_hu"]["max"],
                allow_inf_nan=False,
            ),
        ]
        | None
    ) = None
    status: NonTargetStatus | None = None
    intratumoral_nodule: NoduleStatus | None = None


class Imaging(Frozen):
    date: IsoDate
    modality: Modality = "CT"
    reader: Reader = "site"
    lesions: tuple[Lesion, ...]


class Lab(Frozen):
    date: IsoDate
    test: LabTest
    value: Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
    unit: LabUnit
    uln: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)] | None = None
    lln: Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)] | None = None


class AdverseEvent(Frozen):
    term: Annotated[str, Field(min_length=1, max_length=120)]
    grade: Annotated[int, Field(strict=True, ge=1, le=5)]
    date: IsoDate
    drug: Annotated[str, Field(pattern=DRUG_PATTERN, max_length=60)] | None = None


class Medication(Frozen):
    name: Annotated[str, Field(pattern=DRUG_PATTERN, max_length=60)]
    start: IsoDate | None = None
    end: IsoDate | None = None


class Event(Frozen):
    type: EventType
    date: IsoDate
    detail: Annotated[str, Field(max_length=500)] | None = None


class FollowUp(Frozen):
    last_contact: IsoDate
    vital_status: VitalStatus = "unknown"
    death_date: IsoDate | None = None


class Case(Frozen):
    """One patient's course of advanced GIST (contracts/case-format.md)."""

    id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S+$")]
    as_of: IsoDate
    patient: Patient
    tumour: Tumour = Tumour()
    performance_status: tuple[PerformanceStatus, ...] = ()
    treatments: tuple[Treatment, ...] = ()
    imaging: tuple[Imaging, ...] = ()
    labs: tuple[Lab, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    medications: tuple[Medication, ...] = ()
    events: tuple[Event, ...] = ()
    follow_up: FollowUp | None = None

    def to_dict(self) -> dict[str, Any]:
        """The case as JSON-ready data in the contract's shape."""
        return self.model_dump(mode="json", exclude_none=False)
