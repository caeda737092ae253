"""The trial service: create, enrol, randomise, dose, cross over, unblind, report, export.

The CLI and a later web API both call :class:`TrialService`; it checks the acting user's role,
applies the pure rules of :mod:`gistpath.trial` and writes each change with its audit row in one
transaction.

Randomisation takes the next free slot of the participant's stratum atomically: on SQLite the
transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time); on PostgreSQL the participant
row and then the next free slot row are locked with ``SELECT ... FOR UPDATE``. A unique constraint
on ``allocation_slots.participant_id`` makes a second allocation of one participant impossible
even if the service were bypassed. Blinded code paths never read ``allocation_secrets``; only the
unblinded statistician's views and one participant's emergency unblinding do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from gistpath.case.load import parse_case
from gistpath.case.model import Case
from gistpath.errors import InputError
from gistpath.store import audit
from gistpath.store.cases import load_case
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
)
from gistpath.store.users import authorise
from gistpath.trial.allocation import Slot, generate_allocation_lists
from gistpath.trial.analysis import POPULATIONS, ParticipantRecord, analysis_table
from gistpath.trial.blinding import Permission, is_blinded
from gistpath.trial.conduct import (
    check_crossover,
    check_first_dose,
    check_unblinding,
    require_eligible,
    screening_assessment,
)
from gistpath.trial.design import TrialDesign, design_digest, design_from_text, design_text
from gistpath.trial.eligibility import EligibilityResult, check_eligibility
from gistpath.trial.errors import TrialRefused

_TRIAL_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@lru_cache(maxsize=16)
def _design_from_stored(text: str) -> TrialDesign:
    return design_from_text(text, "stored trial design")


def list_digest(key: bytes, lists: Mapping[str, list[Slot]]) -> str:
    """HMAC-SHA-256 of the whole allocation list (detects any later change of an arm)."""
    canonical = json.dumps(
        sorted(
            (s.stratum, s.seq, s.arm, s.block, s.block_size, s.kit_code)
            for slots in lists.values()
            for s in slots
        ),
        separators=(",", ":"),
    )
    list_key = hmac.new(key, b"allocation-list", hashlib.sha256).digest()
    return hmac.new(list_key, canonical.encode(), hashlib.sha256).hexdigest()


class TrialService:
    """Trial operations on one store, each as a named user."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- helpers ------------------------------------------------------------------------

    def _role(self, user: str | None, permission: Permission) -> tuple[str, str]:
        return authorise(self.store, user, permission)

    def _trial(self, conn: Connection, trial_id: str, *, lock: bool = False) -> Any:
        query = select(trials).where(trials.c.id == trial_id)
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise InputError(f"TRIAL: no trial {trial_id!r} in this store")
        return row

    def design(self, conn: Connection, trial_id: str) -> TrialDesign:
        return _design_from_stored(self._trial(conn, trial_id).design_yaml)

    def _participant(
        self, conn: Connection, trial_id: str, participant_id: str, *, lock: bool = True
    ) -> Any:
        query = select(participants).where(
            participants.c.id == participant_id, participants.c.trial_id == trial_id
        )
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise InputError(f"PARTICIPANT: {participant_id!r} is not enrolled in {trial_id}")
        return row

    def _slot_of(self, conn: Connection, participant_id: str) -> Any:
        return conn.execute(
            select(allocation_slots.c.id, allocation_slots.c.kit_code).where(
                allocation_slots.c.participant_id == participant_id
            )
        ).first()

    def _randomised(self, conn: Connection, trial_id: str, participant_id: str) -> Any:
        row = self._participant(conn, trial_id, participant_id)
        if row.status != "randomised":
            raise TrialRefused(f"participant {participant_id}: not randomised yet")
        return row

    @staticmethod
    def _state(row: Any, kit_code: str | None = None) -> dict[str, Any]:
        return {
            "id": row.id,
            "trial_id": row.trial_id,
            "case_id": row.case_id,
            "status": row.status,
            "stratum": row.stratum,
            "kit_code": kit_code,
            "randomised_on": None if row.randomised_on is None else row.randomised_on.isoformat(),
        }

    # --- set-up -------------------------------------------------------------------------

    def create_trial(
        self,
        user: str | None,
        design_ref: str | Path,
        trial_id: str | None = None,
        slots_per_stratum: int | None = None,
    ) -> dict[str, Any]:
        """Create a trial from a design and generate its allocation lists (never shown)."""
        actor, _ = self._role(user, "create_trial")
        text = design_text(design_ref)
        design = design_from_text(text, str(design_ref))
        tid = trial_id or design.id
        if not _TRIAL_ID.match(tid):
            raise InputError(f"--id: {tid!r} is not a trial id (letters, digits, _ and -)")
        if slots_per_stratum is not None and slots_per_stratum < 1:
            raise InputError("--slots-per-stratum: must be at least 1")
        lists = generate_allocation_lists(design, slots_per_stratum)
        key = secrets.token_bytes(32)
        digest = list_digest(key, lists)
        now = audit.utc_now()
        with self.store.write() as conn:
            if conn.execute(select(trials.c.id).where(trials.c.id == tid)).first():
                raise InputError(f"--id: trial {tid!r} already exists")
            conn.execute(
                insert(trials).values(
                    id=tid,
                    design_id=design.id,
                    design_version=design.version,
                    design_yaml=text,
                    design_sha256=design_digest(text),
                    pseudonym_key=key.hex(),
                    list_hmac=digest,
                    created_at=now,
                    created_by=actor,
                )
            )
            every = [s for slots in lists.values() for s in slots]
            conn.execute(
                insert(allocation_slots),
                [
                    {"trial_id": tid, "stratum": s.stratum, "seq": s.seq, "kit_code": s.kit_code}
                    for s in every
                ],
            )
            ids = {
                (r.stratum, r.seq): r.id
                for r in conn.execute(
                    select(
                        allocation_slots.c.id, allocation_slots.c.stratum, allocation_slots.c.seq
                    ).where(allocation_slots.c.trial_id == tid)
                )
            }
            conn.execute(
                insert(allocation_secrets),
                [
                    {
                        "slot_id": ids[(s.stratum, s.seq)],
                        "arm": s.arm,
                        "block": s.block,
                        "block_size": s.block_size,
                    }
                    for s in every
                ],
            )
            summary = {
                "id": tid,
                "design_id": design.id,
                "design_version": design.version,
                "design_sha256": design_digest(text),
                "strata": {stratum: len(slots) for stratum, slots in lists.items()},
                "list_hmac": digest,
            }
            audit.record(
                conn,
                actor=actor,
                action="create",
                entity_type="trial",
                entity_id=tid,
                old=None,
                new=summary,
                ts=now,
            )
        return summary

    # --- participants -------------------------------------------------------------------

    def enrol(self, user: str | None, trial_id: str, case_id: str) -> dict[str, Any]:
        """Enrol a stored case: refused if a criterion is unmet (unknowns are allowed here and
        must be resolved before randomisation)."""
        actor, _ = self._role(user, "enrol")
        with self.store.write() as conn:
            trial = self._trial(conn, trial_id, lock=True)
            design = _design_from_stored(trial.design_yaml)
            case = load_case(conn, case_id)
            result = check_eligibility(case, design, screening_assessment(case))
            if result.eligible is False:
                raise TrialRefused(
                    f"case {case_id!r}: not eligible for {trial_id}: {'; '.join(result.unmet)}"
                )
            already = conn.execute(
                select(participants.c.id).where(
                    participants.c.trial_id == trial_id, participants.c.case_id == case_id
                )
            ).first()
            if already is not None:
                raise TrialRefused(f"case {case_id!r}: already enrolled as {already.id}")
            number = (
                conn.execute(
                    select(func.max(participants.c.number)).where(
                        participants.c.trial_id == trial_id
                    )
                ).scalar()
                or 0
            ) + 1
            pid = f"{trial_id}-{number:04d}"
            now = audit.utc_now()
            values = {
                "id": pid,
                "trial_id": trial_id,
                "case_id": case_id,
                "number": number,
                "status": "enrolled",
                "enrolled_at": now,
                "enrolled_by": actor,
            }
            conn.execute(insert(participants).values(**values))
            row = conn.execute(select(participants).where(participants.c.id == pid)).one()
            audit.record(
                conn,
                actor=actor,
                action="enrol",
                entity_type="participant",
                entity_id=pid,
                old=None,
                new=self._state(row),
                ts=now,
            )
        return {"participant": pid, "case_id": case_id, "eligibility": result.to_detail_dict()}

    def randomise(self, user: str | None, trial_id: str, participant_id: str) -> dict[str, Any]:
        """Allocate the next free slot of the participant's stratum (eligibility first).

        Eligibility and the stratum are worked out from a read snapshot, outside the write lock;
        the write transaction then checks that the case has not changed since (else it starts
        again) and takes the slot.
        """
        actor, _ = self._role(user, "randomise")
        for _attempt in range(3):
            with self.store.read() as conn:
                row = self._participant(conn, trial_id, participant_id, lock=False)
                self._refuse_if_taken(conn, participant_id)
                design = self.design(conn, trial_id)
                version: int = conn.execute(
                    select(cases.c.version).where(cases.c.id == row.case_id)
                ).scalar_one()
                case = load_case(conn, row.case_id)
            result = check_eligibility(case, design, screening_assessment(case))
            require_eligible(result, participant_id, case.id)
            stratum = design.stratum_of(case)
            if stratum.key is None:
                raise TrialRefused(
                    f"participant {participant_id} (case {case.id!r}): stratum unknown: "
                    + "; ".join(stratum.unknown)
                )
            try:
                with self.store.write() as conn:
                    done = self._allocate(
                        conn, actor, trial_id, participant_id, case, version, stratum.key, result
                    )
            except IntegrityError:
                # The unique constraint on allocation_slots.participant_id: another call won.
                raise TrialRefused(f"participant {participant_id}: already randomised") from None
            if done is not None:
                return done
        raise TrialRefused(f"participant {participant_id}: the case kept changing; try again")

    def _refuse_if_taken(self, conn: Connection, participant_id: str) -> None:
        taken = self._slot_of(conn, participant_id)
        if taken is not None:
            raise TrialRefused(
                f"participant {participant_id}: already randomised (kit {taken.kit_code})"
            )

    def _allocate(
        self,
        conn: Connection,
        actor: str,
        trial_id: str,
        participant_id: str,
        case: Case,
        version: int,
        stratum: str,
        result: EligibilityResult,
    ) -> dict[str, Any] | None:
        """Take the next free slot of ``stratum``; None if the case changed meanwhile."""
        row = self._participant(conn, trial_id, participant_id)
        self._refuse_if_taken(conn, participant_id)
        now_version: int = conn.execute(
            select(cases.c.version).where(cases.c.id == row.case_id)
        ).scalar_one()
        if now_version != version:
            return None
        slot = conn.execute(
            select(allocation_slots.c.id, allocation_slots.c.kit_code)
            .where(
                allocation_slots.c.trial_id == trial_id,
                allocation_slots.c.stratum == stratum,
                allocation_slots.c.participant_id.is_(None),
            )
            .order_by(allocation_slots.c.seq)
            .limit(1)
            .with_for_update()
        ).first()
        if slot is None:
            raise TrialRefused(
                f"participant {participant_id}: the allocation list of stratum {stratum} "
                "is exhausted"
            )
        now = audit.utc_now()
        done = conn.execute(
            update(allocation_slots)
            .where(allocation_slots.c.id == slot.id, allocation_slots.c.participant_id.is_(None))
            .values(participant_id=participant_id, allocated_at=now, allocated_by=actor)
        )
        if done.rowcount != 1:  # cannot happen while the slot row is locked
            raise RuntimeError(f"slot of {participant_id} was taken under our lock")
        conn.execute(
            update(participants)
            .where(participants.c.id == participant_id)
            .values(
                status="randomised",
                stratum=stratum,
                randomised_on=case.as_of,
                eligibility=result.to_detail_dict(),
            )
        )
        after = conn.execute(select(participants).where(participants.c.id == participant_id)).one()
        audit.record(
            conn,
            actor=actor,
            action="randomise",
            entity_type="participant",
            entity_id=participant_id,
            old=self._state(row),
            new=self._state(after, slot.kit_code),
            ts=now,
        )
        return {
            "participant": participant_id,
            "case_id": case.id,
            "kit_code": slot.kit_code,
            "stratum": stratum,
            "randomised_on": case.as_of.isoformat(),
            "allocated_at": now,
        }

    def dose(
        self, user: str | None, trial_id: str, participant_id: str, first_dose: date
    ) -> dict[str, Any]:
        """Record the first dose of study drug (the treated population)."""
        actor, _ = self._role(user, "dose")
        with self.store.write() as conn:
            row = self._randomised(conn, trial_id, participant_id)
            recorded = conn.execute(
                select(doses.c.first_dose_date).where(doses.c.participant_id == participant_id)
            ).scalar()
            check_first_dose(participant_id, row.randomised_on, first_dose, recorded)
            now = audit.utc_now()
            conn.execute(
                insert(doses).values(
                    participant_id=participant_id,
                    first_dose_date=first_dose,
                    recorded_at=now,
                    recorded_by=actor,
                )
            )
            new = {"participant": participant_id, "first_dose_date": first_dose.isoformat()}
            audit.record(
                conn,
                actor=actor,
                action="dose",
                entity_type="dose",
                entity_id=participant_id,
                old=None,
                new=new,
                ts=now,
            )
        return new

    def crossover(
        self,
        user: str | None,
        trial_id: str,
        participant_id: str,
        progression: date,
        start: date,
    ) -> dict[str, Any]:
        """Record open-label treatment after investigator-assessed progression."""
        actor, _ = self._role(user, "crossover")
        with self.store.write() as conn:
            design = self.design(conn, trial_id)
            row = self._randomised(conn, trial_id, participant_id)
            treated = conn.execute(
                select(doses.c.participant_id).where(doses.c.participant_id == participant_id)
            ).first()
            crossed = conn.execute(
                select(crossovers.c.participant_id).where(
                    crossovers.c.participant_id == participant_id
                )
            ).first()
            drug = check_crossover(
                design,
                participant_id,
                row.randomised_on,
                treated=treated is not None,
                crossed_over=crossed is not None,
                progression=progression,
                start=start,
            )
            now = audit.utc_now()
            conn.execute(
                insert(crossovers).values(
                    participant_id=participant_id,
                    progression_date=progression,
                    start_date=start,
                    drug=drug.drug,
                    dose_mg=drug.dose_mg,
                    recorded_at=now,
                    recorded_by=actor,
                )
            )
            new = {
                "participant": participant_id,
                "progression_date": progression.isoformat(),
                "start_date": start.isoformat(),
                "drug": drug.drug,
                "dose_mg": drug.dose_mg,
                "after": design.crossover.after if design.crossover else None,
            }
            audit.record(
                conn,
                actor=actor,
                action="crossover",
                entity_type="crossover",
                entity_id=participant_id,
                old=None,
                new=new,
                ts=now,
            )
        return new

    def unblind(
        self, user: str | None, trial_id: str, participant_id: str, reason: str, confirm: str
    ) -> dict[str, Any]:
        """Emergency unblinding of one participant: reason, role and re-typed id required."""
        actor, _ = self._role(user, "emergency_unblind")
        check_unblinding(participant_id, reason, confirm)
        with self.store.write() as conn:
            design = self.design(conn, trial_id)
            self._randomised(conn, trial_id, participant_id)
            slot = self._slot_of(conn, participant_id)
            arm: str = conn.execute(
                select(allocation_secrets.c.arm).where(allocation_secrets.c.slot_id == slot.id)
            ).scalar_one()
            previous = conn.execute(
                select(func.count())
                .select_from(unblindings)
                .where(unblindings.c.participant_id == participant_id)
            ).scalar_one()
            now = audit.utc_now()
            conn.execute(
                insert(unblindings).values(
                    participant_id=participant_id, actor=actor, reason=reason, at=now
                )
            )
            audit.record(
                conn,
                actor=actor,
                action="unblind",
                entity_type="unblinding",
                entity_id=participant_id,
                old={"participant": participant_id, "unblindings": previous},
                new={"participant": participant_id, "unblindings": previous + 1},
                reason=reason,
                ts=now,
            )
        return {
            "participant": participant_id,
            "kit_code": slot.kit_code,
            "arm": arm,
            "arm_label": design.arm(arm).label,
            "unblinded_at": now,
            "unblinded_by": actor,
        }

    # --- reports ------------------------------------------------------------------------

    def status(self, user: str | None, trial_id: str) -> dict[str, Any]:
        """Counts per stratum and participants; arms only for the unblinded statistician."""
        _, role = self._role(user, "view_trial")
        with self.store.read() as conn:
            trial = self._trial(conn, trial_id)
            design = _design_from_stored(trial.design_yaml)
            strata = conn.execute(
                select(
                    allocation_slots.c.stratum,
                    func.count().label("slots"),
                    func.count(allocation_slots.c.participant_id).label("taken"),
                )
                .where(allocation_slots.c.trial_id == trial_id)
                .group_by(allocation_slots.c.stratum)
                .order_by(allocation_slots.c.stratum)
            ).all()
            people = self._participant_rows(conn, trial_id)
            arms: dict[str, int] | None = None
            if not is_blinded(role):
                arms = {arm.id: 0 for arm in design.arms}
                for found in conn.execute(
                    select(allocation_secrets.c.arm, func.count().label("n"))
                    .join(allocation_slots, allocation_slots.c.id == allocation_secrets.c.slot_id)
                    .where(
                        allocation_slots.c.trial_id == trial_id,
                        allocation_slots.c.participant_id.is_not(None),
                    )
                    .group_by(allocation_secrets.c.arm)
                ):
                    arms[found.arm] = found.n
        document: dict[str, Any] = {
            "trial": trial_id,
            "design": {
                "id": trial.design_id,
                "version": trial.design_version,
                "sha256": trial.design_sha256,
            },
            "created_at": trial.created_at,
            "blinded": is_blinded(role),
            "counts": {
                "enrolled": len(people),
                "randomised": sum(p["status"] == "randomised" for p in people),
                "treated": sum(p["first_dose"] is not None for p in people),
                "crossed_over": sum(p["crossover_start"] is not None for p in people),
                "unblinded": sum(p["unblindings"] > 0 for p in people),
            },
            "strata": [
                {"stratum": s.stratum, "randomised": s.taken, "remaining": s.slots - s.taken}
                for s in strata
            ],
            "participants": people,
        }
        if arms is not None:
            document["arms"] = arms
        return document

    def _participant_rows(self, conn: Connection, trial_id: str) -> list[dict[str, Any]]:
        unblind_counts = (
            select(unblindings.c.participant_id, func.count().label("n"))
            .group_by(unblindings.c.participant_id)
            .subquery()
        )
        query = (
            select(
                participants.c.id,
                participants.c.case_id,
                participants.c.status,
                participants.c.stratum,
                participants.c.randomised_on,
                allocation_slots.c.kit_code,
                doses.c.first_dose_date,
                crossovers.c.start_date,
                unblind_counts.c.n,
            )
            .outerjoin(allocation_slots, allocation_slots.c.participant_id == participants.c.id)
            .outerjoin(doses, doses.c.participant_id == participants.c.id)
            .outerjoin(crossovers, crossovers.c.participant_id == participants.c.id)
            .outerjoin(unblind_counts, unblind_counts.c.participant_id == participants.c.id)
            .where(participants.c.trial_id == trial_id)
            .order_by(participants.c.number)
        )
        return [
            {
                "participant": r.id,
                "case_id": r.case_id,
                "status": r.status,
                "stratum": r.stratum,
                "kit_code": r.kit_code,
                "randomised_on": _iso(r.randomised_on),
                "first_dose": _iso(r.first_dose_date),
                "crossover_start": _iso(r.start_date),
                "unblindings": r.n or 0,
            }
            for r in conn.execute(query)
        ]

    def analysis_table(
        self, user: str | None, trial_id: str, population: str | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The analysis table (one row per participant of the population) and its description."""
        _, role = self._role(user, "export_trial")
        unblinded = not is_blinded(role)
        with self.store.read() as conn:
            trial = self._trial(conn, trial_id)
            design = _design_from_stored(trial.design_yaml)
            chosen = population or design.analysis.population
            if chosen not in POPULATIONS:
                raise InputError(f"--population: {chosen!r} is not one of {', '.join(POPULATIONS)}")
            columns = [
                participants.c.id,
                participants.c.stratum,
                participants.c.randomised_on,
                allocation_slots.c.kit_code,
                allocation_slots.c.id.label("slot_id"),
                doses.c.first_dose_date,
                crossovers.c.start_date,
                cases.c.document,
            ]
            query = (
                select(*columns)
                .join(allocation_slots, allocation_slots.c.participant_id == participants.c.id)
                .join(cases, cases.c.id == participants.c.case_id)
                .outerjoin(doses, doses.c.participant_id == participants.c.id)
                .outerjoin(crossovers, crossovers.c.participant_id == participants.c.id)
                .where(participants.c.trial_id == trial_id)
            )
            found = conn.execute(query).all()
            arms: dict[int, str] = {}
            if unblinded:
                arms = {
                    r.slot_id: r.arm
                    for r in conn.execute(
                        select(allocation_secrets.c.slot_id, allocation_secrets.c.arm)
                        .join(
                            allocation_slots, allocation_slots.c.id == allocation_secrets.c.slot_id
                        )
                        .where(allocation_slots.c.trial_id == trial_id)
                    )
                }
        records = [
            ParticipantRecord(
                participant_id=r.id,
                kit_code=r.kit_code,
                arm=arms.get(r.slot_id) if unblinded else None,
                stratum=r.stratum,
                randomised_on=r.randomised_on,
                first_dose=r.first_dose_date,
                crossover_start=r.start_date,
                case=parse_case(r.document, f"store:{r.id}"),
            )
            for r in found
        ]
        table = analysis_table(
            records, design, bytes.fromhex(trial.pseudonym_key), chosen, unblinded=unblinded
        )
        primary = design.endpoints.primary
        meta = {
            "trial": trial_id,
            "population": chosen,
            "rows": len(table),
            "blinded": not unblinded,
            "pfs": {"reader": primary.reader, "criteria": primary.criteria},
            "time_zero": "randomisation",
        }
        return table, meta


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def write_table(table: list[dict[str, Any]], path: Path) -> None:
    """Write the analysis table as CSV or Parquet (by the file's suffix)."""
    import pandas as pd

    frame = pd.DataFrame(table)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix in (".csv", ""):
        frame.to_csv(path, index=False)
    else:
        raise InputError(f"--out: {path.name}: write .csv or .parquet")
