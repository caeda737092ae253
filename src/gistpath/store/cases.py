"""Cases in the store: validated JSON documents plus indexed columns, every change audited.

Saving a case is an upsert in its own transaction: a new id is a create, a changed document an
edit (old and new document in the audit row), an identical document is left alone (no row). A
case that fails validation never reaches this module -- the caller reports it and moves on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from gistpath.case.load import parse_case
from gistpath.case.model import Case
from gistpath.case.timeline import ecog_at, treatment_lines
from gistpath.errors import InputError
from gistpath.store import audit
from gistpath.store.engine import Store
from gistpath.store.schema import cases, participants

SaveOutcome = Literal["created", "updated", "unchanged"]


def case_columns(case: Case) -> dict[str, Any]:
    """The indexed columns of a case (its situation as of ``as_of``)."""
    lines = treatment_lines(case)
    current = lines[-1] if lines else None
    g = case.tumour.genotype
    return {
        "as_of": case.as_of,
        "sex": case.patient.sex,
        "birth_date": case.patient.birth_date,
        "gene": g.gene,
        "exon": g.exon,
        "variant": g.variant,
        "primary_site": case.tumour.primary_site,
        "current_line": len(lines),
        "current_drug": current.drug if current is not None and current.ongoing else None,
        "ecog": ecog_at(case, case.as_of),
        "vital_status": case.follow_up.vital_status if case.follow_up else None,
    }


def save_case(store: Store, case: Case, actor: str, reason: str | None = None) -> SaveOutcome:
    """Create or edit ``case`` in one transaction with its audit row."""
    for _attempt in range(2):
        try:
            with store.write() as conn:
                return _save(conn, case, actor, reason)
        except IntegrityError:
            # Two writers created the same new id at once (PostgreSQL): the second becomes an
            # edit of the first on the retry.
            continue
    raise InputError(f"case {case.id!r}: could not be saved (concurrent writers)")


def _save(conn: Connection, case: Case, actor: str, reason: str | None) -> SaveOutcome:
    document = case.to_dict()
    row = conn.execute(
        select(cases.c.document, cases.c.version).where(cases.c.id == case.id).with_for_update()
    ).first()
    now = audit.utc_now()
    if row is None:
        conn.execute(
            insert(cases).values(
                id=case.id,
                document=document,
                version=1,
                created_at=now,
                updated_at=now,
                **case_columns(case),
            )
        )
        audit.record(
            conn,
            actor=actor,
            action="create",
            entity_type="case",
            entity_id=case.id,
            old=None,
            new=document,
            reason=reason,
            ts=now,
        )
        return "created"
    if row.document == document:
        return "unchanged"
    conn.execute(
        update(cases)
        .where(cases.c.id == case.id)
        .values(document=document, version=row.version + 1, updated_at=now, **case_columns(case))
    )
    audit.record(
        conn,
        actor=actor,
        action="edit",
        entity_type="case",
        entity_id=case.id,
        old=row.document,
        new=document,
        reason=reason,
        ts=now,
    )
    return "updated"


def delete_case(store: Store, case_id: str, actor: str, reason: str) -> None:
    """Delete a case (with a reason); refused while a trial participant refers to it."""
    if not reason.strip():
        raise InputError("--reason: deleting a case needs a reason")
    with store.write() as conn:
        row = conn.execute(
            select(cases.c.document).where(cases.c.id == case_id).with_for_update()
        ).first()
        if row is None:
            raise InputError(f"case {case_id!r}: not in the store")
        linked = conn.execute(
            select(participants.c.id).where(participants.c.case_id == case_id)
        ).first()
        if linked is not None:
            raise InputError(
                f"case {case_id!r}: is trial participant {linked.id}; it cannot be deleted"
            )
        conn.execute(delete(cases).where(cases.c.id == case_id))
        audit.record(
            conn,
            actor=actor,
            action="delete",
            entity_type="case",
            entity_id=case_id,
            old=row.document,
            new=None,
            reason=reason,
        )


def load_case(conn: Connection, case_id: str) -> Case:
    row = conn.execute(select(cases.c.document).where(cases.c.id == case_id)).first()
    if row is None:
        raise InputError(f"case {case_id!r}: not in the store")
    return parse_case(row.document, f"store:{case_id}")


def get_document(store: Store, case_id: str) -> dict[str, Any]:
    with store.read() as conn:
        row = conn.execute(select(cases.c.document).where(cases.c.id == case_id)).first()
    if row is None:
        raise InputError(f"case {case_id!r}: not in the store")
    document: dict[str, Any] = row.document
    return document


@dataclass(frozen=True, slots=True)
class CaseFilter:
    gene: str | None = None
    exon: int | None = None
    sex: str | None = None
    line: int | None = None
    drug: str | None = None


def list_cases(store: Store, where: CaseFilter = CaseFilter()) -> list[dict[str, Any]]:
    """The indexed columns of the cases that match, by id."""
    query = select(
        cases.c.id,
        cases.c.as_of,
        cases.c.sex,
        cases.c.gene,
        cases.c.exon,
        cases.c.current_line,
        cases.c.current_drug,
        cases.c.ecog,
        cases.c.vital_status,
        cases.c.version,
        cases.c.updated_at,
    ).order_by(cases.c.id)
    if where.gene is not None:
        query = query.where(cases.c.gene == where.gene)
    if where.exon is not None:
        query = query.where(cases.c.exon == where.exon)
    if where.sex is not None:
        query = query.where(cases.c.sex == where.sex)
    if where.line is not None:
        query = query.where(cases.c.current_line == where.line)
    if where.drug is not None:
        query = query.where(cases.c.current_drug == where.drug)
    with store.read() as conn:
        found = conn.execute(query).all()
    return [{**row._mapping, "as_of": row.as_of.isoformat()} for row in found]


def iter_documents(store: Store) -> Iterator[dict[str, Any]]:
    """Every stored case document, by id (for ``gistpath export``)."""
    with store.read() as conn:
        for row in conn.execute(select(cases.c.document).order_by(cases.c.id)):
            yield row.document


def count_cases(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(cases)).scalar_one())
