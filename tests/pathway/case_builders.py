"""Small builders for advanced-GIST cases used by the pathway and safety tests.

Everything goes through :func:`gistpath.case.load.parse_case`, so a builder can never make a
case that the contract would reject. Dates are ISO strings; the helpers that make scan series
return realistic RECIST courses (controlled, generalised or focal progression, Choi-only).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from gistpath.case.load import parse_case
from gistpath.case.model import Case


def d(day: str, plus: int = 0) -> str:
    """``day`` shifted by ``plus`` days, as ISO text."""
    return (date.fromisoformat(day) + timedelta(days=plus)).isoformat()


def tx(
    drug: str,
    dose: float,
    start: str,
    end: str | None = None,
    stop: str | None = None,
    schedule: str | None = None,
) -> dict[str, Any]:
    default = {"sunitinib": "4/2", "regorafenib": "d1-21q28"}.get(drug, "daily")
    if (drug == "imatinib" and dose >= 800) or (drug == "ripretinib" and dose >= 300):
        default = "bid"
    return {
        "drug": drug,
        "dose_mg": dose,
        "schedule": schedule or default,
        "start": start,
        "end": end,
        "stop_reason": stop,
    }


def tgt(
    lid: str, mm: float, organ: str = "liver", hu: float | None = None, **kw: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": lid, "organ": organ, "role": "target", "diameter_mm": mm}
    if hu is not None:
        out["density_hu"] = hu
    out.update(kw)
    return out


def new(lid: str, mm: float, organ: str = "liver") -> dict[str, Any]:
    return {"id": lid, "organ": organ, "role": "new", "diameter_mm": mm}


def scan(day: str, *lesions: dict[str, Any], reader: str = "site") -> dict[str, Any]:
    return {"date": day, "modality": "CT", "reader": reader, "lesions": list(lesions)}


def lab(
    day: str,
    test: str,
    value: float,
    unit: str,
    uln: float | None = None,
    lln: float | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"date": day, "test": test, "value": value, "unit": unit}
    if uln is not None:
        out["uln"] = uln
    if lln is not None:
        out["lln"] = lln
    return out


def ae(term: str, grade: int, day: str, drug: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"term": term, "grade": grade, "date": day}
    if drug is not None:
        out["drug"] = drug
    return out


def med(name: str, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    return {"name": name, "start": start, "end": end}


def event(kind: str, day: str, detail: str | None = None) -> dict[str, Any]:
    return {"type": kind, "date": day, "detail": detail}


GENOTYPES: dict[str, dict[str, Any]] = {
    "kit11": {"gene": "KIT", "exon": 11, "variant": "p.W557_K558del"},
    "kit9": {"gene": "KIT", "exon": 9, "variant": "p.A502_Y503dup"},
    "kit13": {"gene": "KIT", "exon": 13, "variant": "p.K642E"},
    "d842v": {"gene": "PDGFRA", "exon": 18, "variant": "D842V"},
    "d842v-hgvs": {"gene": "PDGFRA", "variant": "p.Asp842Val"},
    "pdgfra18": {"gene": "PDGFRA", "exon": 18, "variant": "p.D842_H845del"},
    "pdgfra12": {"gene": "PDGFRA", "exon": 12, "variant": "p.V561D"},
    "sdh": {"gene": "none", "subtype": "SDH-deficient"},
    "nf1": {"gene": "none", "subtype": "NF1"},
    "braf": {"gene": "none", "subtype": "BRAF"},
    "ntrk": {"gene": "none", "subtype": "NTRK"},
    "wt": {"gene": "none"},
    "unknown": {"gene": "unknown"},
}


def case(
    *,
    as_of: str,
    genotype: str = "kit11",
    sex: str = "female",
    treatments: list[dict[str, Any]] | None = None,
    imaging: list[dict[str, Any]] | None = None,
    labs: list[dict[str, Any]] | None = None,
    adverse_events: list[dict[str, Any]] | None = None,
    medications: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    ecog: int | None = 1,
    ecog_date: str | None = None,
    metastatic_sites: tuple[str, ...] = ("liver",),
    follow_up: dict[str, Any] | None = None,
    cid: str = "test-case",
) -> Case:
    data: dict[str, Any] = {
        "id": cid,
        "as_of": as_of,
        "patient": {"sex": sex, "birth_date": "1958-03-14"},
        "tumour": {
            "diagnosis_date": "2005-01-10",
            "primary_site": "stomach",
            "genotype": GENOTYPES[genotype],
            "metastatic_sites": list(metastatic_sites),
        },
        "performance_status": (
            [] if ecog is None else [{"date": ecog_date or d(as_of, -7), "ecog": ecog}]
        ),
        "treatments": treatments or [],
        "imaging": imaging or [],
        "labs": labs or [],
        "adverse_events": adverse_events or [],
        "medications": medications or [],
        "events": events or [],
    }
    if follow_up is not None:
        data["follow_up"] = follow_up
    return parse_case(data)


# --- scan courses ------------------------------------------------------------------------------


def baseline(day: str, l1: float = 50, l2: float = 40, l3: float = 30) -> dict[str, Any]:
    """Three liver/peritoneal targets (sum 120 mm by default)."""
    return scan(day, tgt("L1", l1, hu=60), tgt("L2", l2, hu=58), tgt("P1", l3, "peritoneum", hu=55))


def responding(day: str) -> dict[str, Any]:
    """About -30%: sum 84 mm (PR by RECIST 1.1; size -30% and density down: Choi PR)."""
    return scan(day, tgt("L1", 35, hu=35), tgt("L2", 28, hu=34), tgt("P1", 21, "peritoneum", hu=33))


def stable(day: str) -> dict[str, Any]:
    """About -8%: sum 110 mm, density unchanged (SD by RECIST and Choi)."""
    return scan(day, tgt("L1", 46, hu=60), tgt("L2", 37, hu=58), tgt("P1", 27, "peritoneum", hu=55))


def generalised_pd(day: str) -> dict[str, Any]:
    """After :func:`responding`: every target grows >= 20% and >= 5 mm over its nadir."""
    return scan(day, tgt("L1", 50, hu=60), tgt("L2", 40, hu=58), tgt("P1", 30, "peritoneum", hu=55))


def focal_pd(day: str) -> dict[str, Any]:
    """After :func:`responding`: only L1 grows (35 -> 62 mm); sum 111 vs nadir 84 (+32%)."""
    return scan(day, tgt("L1", 62, hu=60), tgt("L2", 28, hu=34), tgt("P1", 21, "peritoneum", hu=33))


def choi_only_pd(day: str) -> dict[str, Any]:
    """After :func:`responding`: sizes unchanged but a new intratumoral nodule in L1."""
    return scan(
        day,
        tgt("L1", 35, hu=40, intratumoral_nodule="new"),
        tgt("L2", 28, hu=34),
        tgt("P1", 21, "peritoneum", hu=33),
    )


def course(start: str, kind: str) -> list[dict[str, Any]]:
    """Baseline a week before ``start`` and follow-ups at 3 and 9 months of a line.

    ``kind``: ``controlled`` (PR then PR), ``stable`` (SD), ``generalized`` (PR then PD in every
    target), ``focal`` (PR then PD in L1 only), ``choi`` (PR then Choi-only PD), ``baseline``
    (no follow-up yet).
    """
    first = d(start, 91)
    second = d(start, 273)
    scans = [baseline(d(start, -7))]
    if kind == "baseline":
        return scans
    if kind == "stable":
        return [*scans, stable(first), stable(second)]
    later = {
        "controlled": responding,
        "generalized": generalised_pd,
        "focal": focal_pd,
        "choi": choi_only_pd,
    }[kind]
    return [*scans, responding(first), later(second)]


def normal_labs(day: str) -> list[dict[str, Any]]:
    """A normal panel with the lab's own limits (so no default limit is involved)."""
    return [
        lab(day, "hemoglobin", 13.1, "g/dL", uln=16.0, lln=12.0),
        lab(day, "neutrophils", 3.9, "10^9/L", uln=7.5, lln=1.8),
        lab(day, "platelets", 240, "10^9/L", uln=400, lln=150),
        lab(day, "alt", 25, "U/L", uln=40),
        lab(day, "ast", 24, "U/L", uln=40),
        lab(day, "bilirubin", 0.7, "mg/dL", uln=1.2),
        lab(day, "creatinine", 0.8, "mg/dL", uln=1.2),
    ]


# --- treatment histories -----------------------------------------------------------------------

FIRST_START = "2015-01-05"
LINE_DAYS = 364


def history(*spec: tuple[str, float, str | None]) -> tuple[list[dict[str, Any]], str]:
    """Consecutive lines from ``(drug, dose, stop_reason)``; stop None = ongoing. Each line lasts
    52 weeks and the next starts a week after. Returns the rows and the last line's start."""
    rows: list[dict[str, Any]] = []
    start = FIRST_START
    for i, (drug, dose, stop) in enumerate(spec):
        last = i == len(spec) - 1
        end = None if stop is None else d(start, LINE_DAYS)
        rows.append(tx(drug, dose, start, end, stop))
        if not last:
            start = d(start, LINE_DAYS + 7)
    return rows, start


def treated(
    *spec: tuple[str, float, str | None],
    scans: str | None = None,
    as_of_days: int | None = None,
    **kw: Any,
) -> Case:
    """A case with the history ``spec``, a scan course (see :func:`course`) for the last line and
    ``as_of`` ``as_of_days`` after the last line's start: by default 280 days (after its 9-month
    scan) while it runs, or 3 days after its end when it has stopped."""
    rows, start = history(*spec)
    if as_of_days is None:
        as_of_days = 280 if spec[-1][2] is None else LINE_DAYS + 3
    imaging = course(start, scans) if scans else []
    return case(as_of=d(start, as_of_days), treatments=rows, imaging=imaging, **kw)
