"""Integrity check of a store: every data row matches its audit trail, allocations are sound.

Used after a crash (``gistpath db check``) and by the kill -9 tests. It reports problems without
revealing any arm: the allocation list is checked against the HMAC recorded when it was made.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from gistpath.store.audit import rows as audit_rows
from gistpath.store.engine import Store
from gistpath.store.schema import (
    allocation_secrets,
    allocation_slots,
    cases,
    crossovers,
    doses,
    participants,
    trials,
    unblindings,
    users,
)
from gistpath.store.trials import list_digest
from gistpath.trial.allocation import Slot


@dataclass
class IntegrityReport:
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts, "problems": self.problems}


def check_integrity(store: Store, *, verify_list: bool = True) -> IntegrityReport:
    """Check the store; ``verify_list`` also recomputes each allocation list's HMAC, which reads
    the arms (the CLI does so only for the unblinded statistician)."""
    report = IntegrityReport()
    with store.read() as conn:
        last: dict[tuple[str, str], Any] = {}
        actions: dict[tuple[str, str], list[str]] = defaultdict(list)
        total = 0
        for row in audit_rows(conn):
            total += 1
            last[(row.entity_type, row.entity_id)] = row.new_value
            actions[(row.entity_type, row.entity_id)].append(row.action)
        report.counts["audit_rows"] = total
        _cases(conn, last, report)
        _users(conn, last, report)
        _participants(conn, last, actions, report)
        _allocations(conn, report, verify_list)
        _events(conn, last, actions, report)
    return report


def _cases(conn: Connection, last: dict[tuple[str, str], Any], report: IntegrityReport) -> None:
    stored = {r.id: r.document for r in conn.execute(select(cases.c.id, cases.c.document))}
    report.counts["cases"] = len(stored)
    for case_id, document in stored.items():
        if last.get(("case", case_id)) != document:
            report.problems.append(f"case {case_id!r}: stored document differs from its audit")
    for (kind, case_id), state in last.items():
        if kind == "case" and state is not None and case_id not in stored:
            report.problems.append(f"case {case_id!r}: audited but missing from the store")


def _users(conn: Connection, last: dict[tuple[str, str], Any], report: IntegrityReport) -> None:
    found = conn.execute(select(users.c.name, users.c.role)).all()
    report.counts["users"] = len(found)
    for r in found:
        if last.get(("user", r.name)) != {"name": r.name, "role": r.role}:
            report.problems.append(f"user {r.name!r}: no matching audit row")


def _participants(
    conn: Connection,
    last: dict[tuple[str, str], Any],
    actions: dict[tuple[str, str], list[str]],
    report: IntegrityReport,
) -> None:
    query = select(
        participants.c.id,
        participants.c.status,
        participants.c.stratum,
        allocation_slots.c.kit_code,
    ).outerjoin(allocation_slots, allocation_slots.c.participant_id == participants.c.id)
    found = conn.execute(query).all()
    report.counts["participants"] = len(found)
    report.counts["randomised"] = sum(r.status == "randomised" for r in found)
    for r in found:
        state = last.get(("participant", r.id))
        if state is None or "enrol" not in actions[("participant", r.id)]:
            report.problems.append(f"participant {r.id}: no enrolment audit row")
            continue
        if (r.status == "randomised") != (r.kit_code is not None):
            report.problems.append(f"participant {r.id}: status {r.status} but kit {r.kit_code}")
        if state.get("status") != r.status or state.get("kit_code") != r.kit_code:
            report.problems.append(f"participant {r.id}: state differs from its audit")
        if actions[("participant", r.id)].count("randomise") > 1:
            report.problems.append(f"participant {r.id}: randomised more than once in the audit")


def _allocations(conn: Connection, report: IntegrityReport, verify_list: bool) -> None:
    doubled = conn.execute(
        select(allocation_slots.c.participant_id)
        .where(allocation_slots.c.participant_id.is_not(None))
        .group_by(allocation_slots.c.participant_id)
        .having(func.count() > 1)
    ).all()
    for (pid,) in doubled:
        report.problems.append(f"participant {pid}: holds more than one slot")
    taken: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in conn.execute(
        select(allocation_slots.c.trial_id, allocation_slots.c.stratum, allocation_slots.c.seq)
        .where(allocation_slots.c.participant_id.is_not(None))
        .order_by(allocation_slots.c.seq)
    ):
        taken[(r.trial_id, r.stratum)].append(r.seq)
    for (trial_id, stratum), seqs in taken.items():
        if seqs != list(range(1, len(seqs) + 1)):
            report.problems.append(f"trial {trial_id} stratum {stratum}: gap in the taken slots")
    report.counts["allocated_slots"] = sum(len(s) for s in taken.values())
    if not verify_list:
        return
    for trial in conn.execute(select(trials)).all():
        lists: dict[str, list[Slot]] = defaultdict(list)
        for r in conn.execute(
            select(allocation_slots, allocation_secrets)
            .join(allocation_secrets, allocation_secrets.c.slot_id == allocation_slots.c.id)
            .where(allocation_slots.c.trial_id == trial.id)
        ):
            lists[r.stratum].append(
                Slot(r.stratum, r.seq, r.block, r.block_size, r.arm, r.kit_code)
            )
        if list_digest(bytes.fromhex(trial.pseudonym_key), lists) != trial.list_hmac:
            report.problems.append(f"trial {trial.id}: allocation list differs from its HMAC")


def _events(
    conn: Connection,
    last: dict[tuple[str, str], Any],
    actions: dict[tuple[str, str], list[str]],
    report: IntegrityReport,
) -> None:
    found_doses = conn.execute(select(doses.c.participant_id, doses.c.first_dose_date)).all()
    report.counts["doses"] = len(found_doses)
    for r in found_doses:
        state = last.get(("dose", r.participant_id))
        if state is None or state.get("first_dose_date") != r.first_dose_date.isoformat():
            report.problems.append(f"dose of {r.participant_id}: no matching audit row")
    found_cross = conn.execute(select(crossovers.c.participant_id, crossovers.c.start_date)).all()
    report.counts["crossovers"] = len(found_cross)
    for r in found_cross:
        state = last.get(("crossover", r.participant_id))
        if state is None or state.get("start_date") != r.start_date.isoformat():
            report.problems.append(f"crossover of {r.participant_id}: no matching audit row")
    counted = conn.execute(
        select(unblindings.c.participant_id, func.count().label("n")).group_by(
            unblindings.c.participant_id
        )
    ).all()
    report.counts["unblindings"] = sum(int(r.n) for r in counted)
    for r in counted:
        if actions[("unblinding", r.participant_id)].count("unblind") != r.n:
            report.problems.append(f"unblinding of {r.participant_id}: audit count differs")
