"""R1-R3 on both backends, with processes: concurrent randomisation loses nothing, duplicates
nothing, leaves no gap; one participant randomised ten times at once gets one allocation; a
second randomisation is refused by the service and blocked by the database."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from gistpath.store import audit
from gistpath.store.cases import save_case
from gistpath.store.integrity import check_integrity
from gistpath.store.loadtest import (
    eligible_case,
    enrol_cases,
    randomise_worker,
    run_concurrently,
    stratum_cases,
)
from gistpath.store.schema import allocation_secrets, allocation_slots, audit_log
from gistpath.store.trials import TrialService
from gistpath.trial.errors import TrialRefused
from store.helpers import INVESTIGATOR, STATISTICIAN

WORKERS = 16
PER_WORKER = 50
STRATA = 4


def _randomise_rows(service: TrialService) -> int:
    with service.store.read() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(audit_log).where(audit_log.c.action == "randomise")
            ).scalar_one()
        )


def test_r1_sixteen_processes_fifty_each_over_four_strata(service: TrialService) -> None:
    per_stratum = WORKERS * PER_WORKER // STRATA
    service.create_trial(STATISTICIAN, "RIGHT", slots_per_stratum=per_stratum)
    url = service.store.url
    ids = enrol_cases(url, INVESTIGATOR, "RIGHT", stratum_cases("r1", per_stratum))
    jobs = [(url, INVESTIGATOR, "RIGHT", ids[k::WORKERS]) for k in range(WORKERS)]

    results = run_concurrently(randomise_worker, jobs)

    acknowledged = [ack for r in results for ack in r.acknowledged]
    assert [len(r.acknowledged) for r in results] == [PER_WORKER] * WORKERS
    assert [r.refused for r in results] == [[]] * WORKERS
    with service.store.read() as conn:
        held = dict(
            conn.execute(
                select(allocation_slots.c.participant_id, allocation_slots.c.kit_code).where(
                    allocation_slots.c.participant_id.is_not(None)
                )
            ).all()
        )
        taken = conn.execute(
            select(allocation_slots.c.stratum, allocation_slots.c.seq, allocation_secrets.c.arm)
            .join(allocation_secrets, allocation_secrets.c.slot_id == allocation_slots.c.id)
            .where(allocation_slots.c.participant_id.is_not(None))
            .order_by(allocation_slots.c.stratum, allocation_slots.c.seq)
        ).all()
    # 0 lost acknowledgements: every acknowledged (participant, kit) is what the store holds
    assert len(acknowledged) == len(held) == WORKERS * PER_WORKER
    assert dict(acknowledged) == held
    # 0 duplicate slots, 0 participants with two allocations
    assert len(set(held.values())) == len(held)
    assert len({pid for pid, _ in acknowledged}) == len(acknowledged)
    # 0 gaps: each stratum took exactly its first slots, in order
    seqs: dict[str, list[int]] = defaultdict(list)
    arms: dict[str, list[str]] = defaultdict(list)
    for stratum, seq, arm in taken:
        seqs[stratum].append(seq)
        arms[stratum].append(arm)
    assert len(seqs) == STRATA
    assert seqs == {stratum: list(range(1, per_stratum + 1)) for stratum in seqs}
    # balance holds within each stratum of what was actually handed out (R4 on stored data)
    for sequence in arms.values():
        running = Counter[str]()
        for arm in sequence:
            running[arm] += 1
            assert abs(running["imatinib"] - running["placebo"]) <= 3  # half the largest block
    assert _randomise_rows(service) == WORKERS * PER_WORKER
    report = check_integrity(service.store)
    assert report.problems == []


def test_r2_ten_simultaneous_calls_for_one_participant_make_one_allocation(
    service: TrialService,
) -> None:
    service.create_trial(STATISTICIAN, "RIGHT", slots_per_stratum=10)
    url = service.store.url
    [pid] = enrol_cases(url, INVESTIGATOR, "RIGHT", [eligible_case("same")])

    results = run_concurrently(randomise_worker, [(url, INVESTIGATOR, "RIGHT", [pid])] * 10)

    acks = [ack for r in results for ack in r.acknowledged]
    refusals = [msg for r in results for msg in r.refused]
    assert len(acks) == 1
    assert len(refusals) == 9
    assert all(f"participant {pid}: already randomised" in msg for msg in refusals)
    with service.store.read() as conn:
        slots = conn.execute(
            select(allocation_slots.c.kit_code).where(allocation_slots.c.participant_id == pid)
        ).all()
        trail = [r for r in audit.rows(conn, entity_type="participant", entity_id=pid)]
    assert [s.kit_code for s in slots] == [acks[0][1]]
    assert [r.action for r in trail] == ["enrol", "randomise"]


def test_r3_second_randomisation_refused_and_blocked_by_the_database(
    service: TrialService,
) -> None:
    service.create_trial(STATISTICIAN, "RIGHT", slots_per_stratum=6)
    save_case(service.store, eligible_case("twice"), INVESTIGATOR)
    pid = service.enrol(INVESTIGATOR, "RIGHT", "twice")["participant"]
    first = service.randomise(INVESTIGATOR, "RIGHT", pid)
    with pytest.raises(TrialRefused) as refused:
        service.randomise(INVESTIGATOR, "RIGHT", pid)
    assert str(refused.value) == (
        f"participant {pid}: already randomised (kit {first['kit_code']})"
    )
    store = service.store
    with store.read() as conn:
        free = conn.execute(
            select(allocation_slots.c.id)
            .where(allocation_slots.c.participant_id.is_(None))
            .order_by(allocation_slots.c.id)
            .limit(1)
        ).scalar_one()
        mine = conn.execute(
            select(allocation_slots.c.id).where(allocation_slots.c.participant_id == pid)
        ).scalar_one()
    # bypassing the service: the unique constraint refuses a second slot for the participant
    with pytest.raises(IntegrityError), store.write() as conn:
        conn.execute(
            update(allocation_slots).where(allocation_slots.c.id == free).values(participant_id=pid)
        )
    # and a taken slot cannot be released (to NULL) or handed to someone else
    for statement in (
        "UPDATE allocation_slots SET participant_id = NULL WHERE id = :id",
        "UPDATE allocation_slots SET kit_code = 'K-0000-0000' WHERE id = :id",
        "DELETE FROM allocation_slots WHERE id = :id",
    ):
        with pytest.raises(DBAPIError), store.write() as conn:
            conn.execute(text(statement), {"id": mine})
    with pytest.raises(DBAPIError), store.write() as conn:
        conn.execute(text("UPDATE allocation_secrets SET arm = 'placebo'"))
    assert _randomise_rows(service) == 1
    assert check_integrity(store).problems == []
