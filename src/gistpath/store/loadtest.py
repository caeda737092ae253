"""Load generators shared by the concurrency tests and ``benchmarks/allocation_throughput.py``.

Workers run in separate processes (``multiprocessing`` with the *spawn* start method), each with
its own store connection, and return what they were told (acknowledgements and refusals), so
that the caller can compare acknowledgements with what the database holds.

:func:`naive_allocate` is the read-then-write approach that trusted systems avoid: it reads the
next free slot and then writes it, with no lock between the two. It exists only to be measured
against :meth:`TrialService.randomise` and shows lost allocations under concurrency.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from gistpath.case.load import parse_case
from gistpath.case.model import Case
from gistpath.errors import GistpathError
from gistpath.store.engine import open_store
from gistpath.store.trials import TrialService


def eligible_case(
    case_id: str,
    *,
    prior_drugs: int = 2,
    ecog: int = 1,
    as_of: str = "2011-06-01",
    extra: dict[str, Any] | None = None,
) -> Case:
    """A case that meets every RIGHT criterion, in the stratum given by ``prior_drugs``/``ecog``.

    Imatinib 2006-2009 (progression after >6 months), sunitinib to 2011 (progression), and
    with ``prior_drugs`` = 3 a regorafenib line in between; labs inside RIGHT's limits.
    """
    treatments: list[dict[str, Any]] = [
        _rx("imatinib", 400, "2006-02-01", "2009-03-01"),
        _rx("sunitinib", 50, "2009-03-10", "2010-06-01", schedule="4/2"),
    ]
    if prior_drugs >= 3:
        treatments.append(_rx("regorafenib", 160, "2010-06-10", "2011-05-01", schedule="d1-21q28"))
    else:
        treatments[1]["end"] = "2011-05-01"
    day = "2011-05-20"
    data: dict[str, Any] = {
        "id": case_id,
        "as_of": as_of,
        "patient": {"sex": "female", "birth_date": "1955-03-02"},
        "tumour": {
            "diagnosis_date": "2006-01-10",
            "primary_site": "stomach",
            "genotype": {"gene": "KIT", "exon": 11},
            "metastatic_sites": ["liver", "peritoneum"],
        },
        "performance_status": [{"date": day, "ecog": ecog}],
        "treatments": treatments,
        "labs": [
            {"date": day, "test": "platelets", "value": 210.0, "unit": "10^9/L"},
            {"date": day, "test": "neutrophils", "value": 3.1, "unit": "10^9/L"},
            {"date": day, "test": "creatinine", "value": 0.9, "unit": "mg/dL", "uln": 1.2},
            {"date": day, "test": "bilirubin", "value": 0.8, "unit": "mg/dL", "uln": 1.2},
            {"date": day, "test": "alt", "value": 30.0, "unit": "U/L", "uln": 40.0},
            {"date": day, "test": "ast", "value": 28.0, "unit": "U/L", "uln": 40.0},
        ],
        **(extra or {}),
    }
    return parse_case(data, f"eligible_case:{case_id}")


def _rx(drug: str, dose: float, start: str, end: str, schedule: str = "daily") -> dict[str, Any]:
    return {
        "drug": drug,
        "dose_mg": float(dose),
        "schedule": schedule,
        "start": start,
        "end": end,
        "stop_reason": "progression",
    }


@dataclass(frozen=True, slots=True)
class WorkerResult:
    acknowledged: list[tuple[str, str]]  # (participant, kit code)
    refused: list[str]  # error messages
    seconds: float


def randomise_worker(args: tuple[str, str, str, list[str]]) -> WorkerResult:
    """Randomise each participant in turn through the service (the correct approach)."""
    url, user, trial_id, participant_ids = args
    store = open_store(url, migrate=False)
    service = TrialService(store)
    acknowledged: list[tuple[str, str]] = []
    refused: list[str] = []
    started = time.perf_counter()
    try:
        for pid in participant_ids:
            try:
                done = service.randomise(user, trial_id, pid)
                acknowledged.append((pid, done["kit_code"]))
            except GistpathError as error:
                refused.append(str(error))
    finally:
        store.close()
    return WorkerResult(acknowledged, refused, time.perf_counter() - started)


NAIVE_TABLE = "bench_naive_slots"


def naive_setup(url: str, strata: list[str], slots_per_stratum: int) -> None:
    """A bare slot table (no lock discipline, no constraints) for the naive comparison."""
    store = open_store(url, migrate=False)
    try:
        with store.write() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {NAIVE_TABLE}"))
            conn.execute(
                text(
                    f"CREATE TABLE {NAIVE_TABLE} (id INTEGER PRIMARY KEY, stratum TEXT NOT NULL, "
                    "seq INTEGER NOT NULL, participant TEXT)"
                )
            )
            conn.execute(
                text(f"INSERT INTO {NAIVE_TABLE} (id, stratum, seq) VALUES (:id, :s, :q)"),
                [
                    {"id": i * slots_per_stratum + q, "s": stratum, "q": q}
                    for i, stratum in enumerate(strata)
                    for q in range(1, slots_per_stratum + 1)
                ],
            )
    finally:
        store.close()


def naive_held(url: str) -> dict[str, str]:
    """Participant -> slot id as the naive table holds them at the end."""
    store = open_store(url, migrate=False)
    try:
        with store.read() as conn:
            found = conn.execute(
                text(f"SELECT participant, id FROM {NAIVE_TABLE} WHERE participant IS NOT NULL")
            ).all()
            return {str(p): str(i) for p, i in found}
    finally:
        store.close()


def naive_allocate(args: tuple[str, list[tuple[str, str]]]) -> WorkerResult:
    """Read the next free slot, then write it, with no lock in between (autocommit).

    ``args`` holds (url, [(participant, stratum), ...]). For comparison only.
    """
    url, jobs = args
    store = open_store(url, migrate=False)
    raw = store.engine.raw_connection()
    mark = "?" if store.is_sqlite else "%s"
    acknowledged: list[tuple[str, str]] = []
    started = time.perf_counter()
    try:
        driver: Any = raw.driver_connection
        if not store.is_sqlite:
            driver.autocommit = True
        cursor = driver.cursor()
        for pid, stratum in jobs:
            cursor.execute(
                f"SELECT id FROM {NAIVE_TABLE} WHERE stratum = {mark} AND participant IS NULL "
                "ORDER BY seq LIMIT 1",
                (stratum,),
            )
            found = cursor.fetchone()
            if found is None:
                continue
            cursor.execute(
                f"UPDATE {NAIVE_TABLE} SET participant = {mark} WHERE id = {mark}", (pid, found[0])
            )
            acknowledged.append((pid, str(found[0])))
    finally:
        raw.close()
        store.close()
    return WorkerResult(acknowledged, [], time.perf_counter() - started)
