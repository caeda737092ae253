"""A simulated RIGHT trial end to end, on both backends: 81 participants screened, randomised,
dosed, scanned by central review, crossed over, exported, and fed to the statistics commands.

The test plays "nature": after each randomisation it looks up the true arm (as the unblinded
statistician could) to draw that participant's course -- PFS with a median of 1.8 months on
imatinib and 0.9 on placebo, as in RIGHT -- and writes it into the case as central-review scans
(RECIST 1.0: sum of targets +30% is progression), crossover to open-label imatinib after
progression for 37 of the placebo participants who progress, and deaths. From those it
computes, independently of the export, what each participant's PFS and OS must be.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from gistpath.case.load import parse_case
from gistpath.store.cases import save_case
from gistpath.store.integrity import check_integrity
from gistpath.store.loadtest import eligible_case
from gistpath.store.schema import allocation_secrets, allocation_slots
from gistpath.store.trials import TrialService
from store.helpers import INVESTIGATOR, PHARMACIST, STATISTICIAN

N = 81
CUTOFF = date(2013, 3, 31)
DAYS_PER_MONTH = 365.25 / 12
MEDIAN_PFS = {"imatinib": 1.8, "placebo": 0.9}  # months (RIGHT)
MEDIAN_POST_PROGRESSION = 6.0  # months to death after progression (simulation only)
CROSSOVERS = 37


@dataclass
class Truth:
    arm: str
    kit: str
    randomised: date
    pfs_months: float
    pfs_event: int
    os_months: float
    os_event: int
    crossover: int
    treated: int


def _months(start: date, end: date) -> float:
    return round((end - start).days / DAYS_PER_MONTH, 3)


def _ct(day: date, scale: float) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "modality": "CT",
        "reader": "central",
        "lesions": [
            {"id": "L1", "organ": "liver", "role": "target", "diameter_mm": 60 * scale},
            {"id": "P1", "organ": "peritoneum", "role": "target", "diameter_mm": 40 * scale},
        ],
    }


def _simulate(
    base: dict[str, Any],
    arm: str,
    start: date,
    rng: np.random.Generator,
    crosses: Callable[[], bool],
) -> tuple[dict[str, Any], Truth, date | None, date | None]:
    """The participant's course after randomisation, and the expected endpoints."""
    pfs_days = rng.exponential(MEDIAN_PFS[arm] / np.log(2) * DAYS_PER_MONTH)
    death_days = pfs_days + rng.exponential(MEDIAN_POST_PROGRESSION / np.log(2) * DAYS_PER_MONTH)
    death = start + timedelta(days=max(1, int(death_days)))
    death = death if death <= CUTOFF else None
    end_of_data = death or CUTOFF
    scans = [_ct(start - timedelta(days=7), 1.0)]
    progression: date | None = None
    day = start + timedelta(days=28)
    while day <= end_of_data:
        if (day - start).days >= pfs_days:
            scans.append(_ct(day, 1.3))
            progression = day
            break
        scans.append(_ct(day, 1.0))
        day += timedelta(days=28)
    crossover_start = None
    if arm == "placebo" and progression is not None and crosses():
        crossover_start = progression + timedelta(days=3)
        if death is not None and crossover_start >= death:
            crossover_start = None
    case = dict(base)
    case["as_of"] = CUTOFF.isoformat()
    case["imaging"] = scans
    treatments = list(base["treatments"])
    if crossover_start is not None:
        treatments.append(
            {
                "drug": "imatinib",
                "dose_mg": 400.0,
                "schedule": "daily",
                "start": crossover_start.isoformat(),
                "end": death.isoformat() if death else None,
                "stop_reason": "death" if death else None,
            }
        )
    case["treatments"] = treatments
    case["follow_up"] = {
        "last_contact": end_of_data.isoformat(),
        "vital_status": "dead" if death else "alive",
        "death_date": death.isoformat() if death else None,
    }
    if progression is not None:
        pfs = (_months(start, progression), 1)
    elif death is not None:
        pfs = (_months(start, death), 1)
    else:  # censored at the last evaluable scan after randomisation, or at randomisation
        last = scans[-1]["date"] if len(scans) > 1 else start.isoformat()
        pfs = (_months(start, date.fromisoformat(last)), 0)
    os_ = (_months(start, death), 1) if death else (_months(start, CUTOFF), 0)
    truth = Truth(
        arm, "", start, pfs[0], pfs[1], os_[0], os_[1], int(crossover_start is not None), 1
    )
    return case, truth, progression, crossover_start


def test_right_enrolment_of_81_end_to_end(
    service: TrialService, cli: Callable[..., Any], tmp_path: Path
) -> None:
    store = service.store
    service.create_trial(STATISTICIAN, "RIGHT")
    rng = np.random.default_rng(20130117)
    crossovers_left = [CROSSOVERS]

    def crosses() -> bool:
        crossovers_left[0] -= 1
        return crossovers_left[0] >= 0

    truths: dict[str, Truth] = {}
    for i in range(N):
        randomised = date(2011, 6, 1) + timedelta(days=7 * i)
        screening = eligible_case(
            f"right-{i:02d}",
            prior_drugs=3 if i % 5 < 2 else 2,  # 40% with 3 or more prior TKIs (ASCO 2013)
            ecog=int(rng.choice([0, 1, 1, 2, 3])),
            as_of=randomised.isoformat(),
        )
        save_case(store, screening, INVESTIGATOR)
        pid = service.enrol(INVESTIGATOR, "RIGHT", screening.id)["participant"]
        done = service.randomise(INVESTIGATOR, "RIGHT", pid)
        with store.read() as conn:  # nature knows the truth
            arm = conn.execute(
                select(allocation_secrets.c.arm)
                .join(allocation_slots, allocation_slots.c.id == allocation_secrets.c.slot_id)
                .where(allocation_slots.c.participant_id == pid)
            ).scalar_one()
        treated = i != N - 1  # the last participant never starts study drug
        course, truth, progression, crossover_start = _simulate(
            screening.to_dict(), arm, randomised, rng, crosses if treated else lambda: False
        )
        truth.kit = done["kit_code"]
        if treated:
            service.dose(PHARMACIST, "RIGHT", pid, randomised + timedelta(days=1))
        else:
            truth.treated = 0
        save_case(store, parse_case(course), INVESTIGATOR, reason="follow-up to data cut-off")
        if crossover_start is not None:
            assert progression is not None
            service.crossover(INVESTIGATOR, "RIGHT", pid, progression, crossover_start)
        truths[done["kit_code"]] = truth

    # permuted blocks of at most 6 in each of the 4 strata: at most 3 apart per stratum
    strata = {
        t.kit: s["stratum"]
        for s in service.status(STATISTICIAN, "RIGHT")["participants"]
        for t in truths.values()
        if t.kit == s["kit_code"]
    }
    for stratum in set(strata.values()):
        arms = [t.arm for t in truths.values() if strata[t.kit] == stratum]
        assert abs(arms.count("imatinib") - arms.count("placebo")) <= 3
    status = json.loads(cli("trial", "status", "RIGHT", "--json", user=INVESTIGATOR).stdout)
    assert status["counts"] == {
        "enrolled": 81,
        "randomised": 81,
        "treated": 80,
        "crossed_over": sum(t.crossover for t in truths.values()),
        "unblinded": 0,
    }
    assert 20 <= status["counts"]["crossed_over"] <= CROSSOVERS

    # the statistician's analysis table: one row per treated participant, values as simulated
    out = tmp_path / "right.csv"
    done = cli("trial", "export", "RIGHT", "--out", str(out), "--json", user=STATISTICIAN)
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["population"] == "treated"
    table = pd.read_csv(out)
    assert len(table) == 80
    assert list(table.columns) == [
        "participant",
        "arm",
        "kit_code",
        "stratum",
        "stratum_prior_treatment",
        "stratum_ecog",
        "pfs_months",
        "pfs_event",
        "os_months",
        "os_event",
        "crossover",
        "treated",
        "per_protocol",
    ]
    assert table["participant"].str.fullmatch(r"P-[0-9a-f]{20}").all()
    for row in table.itertuples():
        truth = truths[row.kit_code]
        assert (row.arm, row.pfs_event, row.os_event, row.crossover) == (
            truth.arm,
            truth.pfs_event,
            truth.os_event,
            truth.crossover,
        ), row.kit_code
        assert row.pfs_months == truth.pfs_months, row.kit_code
        assert row.os_months == truth.os_months, row.kit_code
    assert (table["stratum_prior_treatment"] == "3+").sum() in range(28, 35)

    # intention to treat has all 81; the blinded export has no arm column
    itt = tmp_path / "itt.parquet"
    assert (
        cli(
            "trial",
            "export",
            "RIGHT",
            "--out",
            str(itt),
            "--population",
            "randomised",
            user=INVESTIGATOR,
        ).exit_code
        == 0
    )
    blinded = pd.read_parquet(itt)
    assert len(blinded) == 81 and "arm" not in blinded.columns

    # the table feeds the statistics commands
    compared = cli(
        "compare",
        str(out),
        "--time",
        "pfs_months",
        "--event",
        "pfs_event",
        "--group",
        "arm",
        "--json",
    )
    assert compared.exit_code == 0, compared.stderr
    result = json.loads(compared.stdout)
    observed = {g["group"]: g["observed"] for g in result["groups"]}
    expected_events = {
        arm: sum(t.pfs_event for t in truths.values() if t.arm == arm and t.treated)
        for arm in ("imatinib", "placebo")
    }
    assert observed == expected_events
    assert {g["group"]: g["n"] for g in result["groups"]} == {
        arm: sum(1 for t in truths.values() if t.arm == arm and t.treated)
        for arm in ("imatinib", "placebo")
    }
    km = json.loads(
        cli(
            "km",
            str(out),
            "--time",
            "pfs_months",
            "--event",
            "pfs_event",
            "--group",
            "arm",
            "--json",
        ).stdout
    )
    assert {g["group"]: (g["n"], g["events"]) for g in km["groups"]} == {
        arm: (sum(1 for t in truths.values() if t.arm == arm and t.treated), events)
        for arm, events in expected_events.items()
    }
    assert check_integrity(store).problems == []
