"""Load generators shared by the concurrency tests and ``benchmarks/allocation_throughput.py``.

Workers run in separate processes (``multiprocessing`` with the *spawn* start method), each with
its own store connection, and return what they were told (acknowledgements and refusals), so
that the caller can compare acknowledgements with what the database holds.

:func:`naive_allocate` is the read-then-write approach that trusted systems avoid: it reads the
next free slot and then writes it, with no lock between the two. It exists only to be measured
against :meth:`TrialService.randomise` and shows lost allocations under concurrency.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text

from gistpath.case.load import parse_case
from gistpath.case.model import Case, PerformanceStatus
from gistpath.errors import GistpathError
from gistpath.store.cases import save_case
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


# --- running workers at the same moment ----------------------------------------------------


def _call_after_barrier(
    target: Callable[[Any], Any], job: Any, barrier: Any, queue: Any, index: int
) -> None:
    try:
        barrier.wait()
        queue.put((index, "ok", target(job)))
    except BaseException:  # report anything, including a failed barrier
        queue.put((index, "error", traceback.format_exc()))


def run_concurrently(
    target: Callable[[Any], Any], jobs: list[Any], timeout: float = 600
) -> list[Any]:
    """Run ``target(job)`` for every job in its own process, all released at once by a barrier.

    Processes are started with *spawn* (no state shared with the parent). Returns the results in
    job order; a worker's exception is raised here with its traceback.
    """
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(jobs))
    queue = ctx.Queue()
    processes = [
        ctx.Process(target=_call_after_barrier, args=(target, job, barrier, queue, i))
        for i, job in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    results: dict[int, Any] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(results) < len(jobs):
            try:
                index, status, value = queue.get(timeout=1)
            except queue_module.Empty:
                dead = [
                    i
                    for i, p in enumerate(processes)
                    if p.exitcode is not None and p.exitcode != 0 and i not in results
                ]
                if dead:
                    raise RuntimeError(f"workers {dead} died before reporting") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"workers did not finish in {timeout} s") from None
                continue
            if status != "ok":
                raise RuntimeError(f"worker {index} failed:\n{value}")
            results[index] = value
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    return [results[i] for i in range(len(jobs))]


def open_and_report(url: str) -> str | None:
    """Open (and if need be migrate) the store; return its schema revision."""
    from gistpath.store.migrate import current_revision

    store = open_store(url)
    try:
        with store.read() as conn:
            return current_revision(conn)
    finally:
        store.close()


# --- a writer to kill -9 -------------------------------------------------------------------


def crash_writer(url: str, prefix: str, trial_id: str, investigator: str) -> None:
    """Mixed writes forever, printing ``ACK kind key value`` after each commit (for kill -9)."""
    store = open_store(url, migrate=False)
    service = TrialService(store)
    i = 0
    while True:
        i += 1
        case_id = f"{prefix}-{i}"
        case = eligible_case(case_id, prior_drugs=2 + i % 2, ecog=i % 2)
        save_case(store, case, investigator)
        _ack("case", case_id, 1)
        edited = case.model_copy(
            update={"performance_status": (PerformanceStatus(date=date(2011, 5, 25), ecog=i % 2),)}
        )
        save_case(store, edited, investigator, reason="ECOG re-assessed")
        _ack("case", case_id, 2)
        pid = service.enrol(investigator, trial_id, case_id)["participant"]
        _ack("enrol", pid, case_id)
        kit = service.randomise(investigator, trial_id, pid)["kit_code"]
        _ack("alloc", pid, kit)
        service.dose(investigator, trial_id, pid, date(2011, 6, 2))
        _ack("dose", pid, "2011-06-02")


def _ack(kind: str, key: str, value: object) -> None:
    sys.stdout.write(f"ACK {kind} {key} {value}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    if len(sys.argv) != 6 or sys.argv[1] != "crash-writer":
        raise SystemExit(
            "usage: python -m gistpath.store.loadtest crash-writer URL PREFIX TRIAL USER"
        )
    crash_writer(*sys.argv[2:])


def stratum_cases(prefix: str, per_stratum: int) -> list[Case]:
    """``per_stratum`` eligible RIGHT cases in each of its four strata, interleaved."""
    found = []
    for i in range(per_stratum):
        for prior_drugs, ecog in ((2, 0), (2, 2), (3, 1), (3, 3)):
            found.append(
                eligible_case(
                    f"{prefix}-{prior_drugs}-{ecog}-{i}", prior_drugs=prior_drugs, ecog=ecog
                )
            )
    return found


def enrol_cases(url: str, user: str, trial_id: str, cases: list[Case]) -> list[str]:
    """Store and enrol ``cases`` through the service; return the participant ids in order."""
    store = open_store(url, migrate=False)
    service = TrialService(store)
    try:
        ids = []
        for case in cases:
            save_case(store, case, user)
            ids.append(service.enrol(user, trial_id, case.id)["participant"])
        return ids
    finally:
        store.close()
