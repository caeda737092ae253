"""R11: kill -9 during mixed writes loses no acknowledged row, leaves no data row without its
audit row, and no duplicate allocation after restart -- on both backends.

A separate process (``python -m gistpath.store.loadtest crash-writer``) creates and edits cases,
enrols, randomises and doses in a loop and prints ``ACK ...`` after each commit. The test kills
it with SIGKILL at a different point in each round, then reopens the store and checks it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from sqlalchemy import select

from gistpath.store.engine import open_store
from gistpath.store.integrity import check_integrity
from gistpath.store.schema import allocation_slots, cases, doses, participants
from gistpath.store.trials import TrialService
from store.helpers import INVESTIGATOR, STATISTICIAN

ROUNDS = 6


def _run_and_kill(url: str, prefix: str, after: int) -> list[list[str]]:
    writer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gistpath.store.loadtest",
            "crash-writer",
            url,
            prefix,
            "RIGHT",
            INVESTIGATOR,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    lines: list[str] = []
    while len(lines) < after:
        line = writer.stdout.readline()
        if not line:
            writer.wait()
            raise AssertionError(
                f"writer stopped early: {writer.stderr.read() if writer.stderr else ''}"
            )
        lines.append(line)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    lines.extend(writer.stdout.read().splitlines())  # printed before it died: acknowledged too
    assert writer.returncode == -signal.SIGKILL
    return [line.split() for line in lines if line.startswith("ACK ")]


def test_r11_kill_9_during_mixed_writes(service: TrialService) -> None:
    service.create_trial(STATISTICIAN, "RIGHT", slots_per_stratum=200)
    url = service.store.url
    service.store.close()
    acknowledged: list[list[str]] = []
    for round_no in range(ROUNDS):
        # kill after a different number of acknowledgements each round (7, 10, 13, ...)
        acks = _run_and_kill(url, f"k{round_no}", after=7 + 3 * round_no)
        acknowledged.extend(acks)
        store = open_store(url)
        report = check_integrity(store)
        assert report.problems == [], f"round {round_no}"
        with store.read() as conn:
            versions = dict(conn.execute(select(cases.c.id, cases.c.version)).all())
            enrolled = dict(conn.execute(select(participants.c.id, participants.c.case_id)).all())
            kits = dict(
                conn.execute(
                    select(allocation_slots.c.participant_id, allocation_slots.c.kit_code).where(
                        allocation_slots.c.participant_id.is_not(None)
                    )
                ).all()
            )
            dosed = {
                pid: day.isoformat()
                for pid, day in conn.execute(
                    select(doses.c.participant_id, doses.c.first_dose_date)
                ).all()
            }
        store.close()
        for _, kind, key, value in acknowledged:
            if kind == "case":
                assert versions.get(key, 0) >= int(value), (kind, key)
            elif kind == "enrol":
                assert enrolled.get(key) == value, (kind, key)
            elif kind == "alloc":
                assert kits.get(key) == value, (kind, key)
            else:
                assert dosed.get(key) == value, (kind, key)
        assert len(set(kits.values())) == len(kits)
    kinds = {k for _, k, _, _ in acknowledged}
    assert kinds == {"case", "enrol", "alloc", "dose"}
    assert len(acknowledged) >= sum(7 + 3 * r for r in range(ROUNDS))
