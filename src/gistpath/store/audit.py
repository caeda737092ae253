"""The audit trail: one append-only row per change, written in the change's own transaction.

Each row holds the UTC time (ISO-8601 with microseconds and ``Z``), the acting user, the action,
the entity (type and id), the entity's whole state before and after (JSON; None before a create
and after a delete) and the reason where one is required. Because every row carries the full
new state, the state of any record at any past time is the ``new_value`` of its last row at or
before that time (:func:`state_at`) -- the replay that 21 CFR 11.10(e) asks an audit trail to
support without obscuring earlier values.

Arms are never written here: the audit trail is readable by blinded users. :func:`redact` is a
second line of defence for views shown to them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, insert, select

from gistpath.errors import InputError
from gistpath.store.schema import audit_log

#: Keys never shown to blinded users, wherever they appear in an audit value.
BLINDED_KEYS = frozenset({"arm", "arm_label", "block", "block_size", "seq"})
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_now() -> str:
    """The current time as UTC ISO-8601 with microseconds: ``2026-05-01T12:00:00.123456Z``."""
    return datetime.now(UTC).strftime(_TS_FORMAT)


def to_utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a timestamp needs a time zone")
    return moment.astimezone(UTC).strftime(_TS_FORMAT)


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_as_of(value: str, option: str = "--as-of") -> str:
    """A user's point in time as stored text. ``YYYY-MM-DD`` means the end of that UTC day;
    a date-time needs its zone (``Z`` or ``+02:00``) so that it is never ambiguous."""
    raw = value.strip()
    try:
        if _DATE_ONLY.match(raw):
            return to_utc_text(datetime.combine(date.fromisoformat(raw), time.max, tzinfo=UTC))
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{option}: {value!r} is not an ISO-8601 date or time (e.g. 2026-05-01T12:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise InputError(
            f"{option}: {value!r} has no time zone; add Z for UTC (e.g. {raw}Z) or an offset"
        )
    return to_utc_text(moment)


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    old: Any,
    new: Any,
    reason: str | None = None,
    ts: str | None = None,
) -> str:
    """Append one audit row (inside the caller's transaction); return its timestamp."""
    stamp = ts or utc_now()
    conn.execute(
        insert(audit_log).values(
            ts=stamp,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            old_value=old,
            new_value=new,
            reason=reason,
        )
    )
    return stamp


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    ts: str
    actor: str
    action: str
    entity_type: str
    entity_id: str
    old_value: Any
    new_value: Any
    reason: str | None

    def to_dict(self, *, blinded: bool = True) -> dict[str, Any]:
        return {
            "id": self.id,
            "ts": self.ts,
            "actor": self.actor,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "old_value": redact(self.old_value) if blinded else self.old_value,
            "new_value": redact(self.new_value) if blinded else self.new_value,
            "reason": self.reason,
        }


def rows(
    conn: Connection,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    until: str | None = None,
    limit: int | None = None,
) -> Iterator[AuditRow]:
    """Audit rows in the order they were written, optionally for one entity and up to a time."""
    query = select(audit_log).order_by(audit_log.c.ts, audit_log.c.id)
    if entity_type is not None:
        query = query.where(audit_log.c.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(audit_log.c.entity_id == entity_id)
    if until is not None:
        query = query.where(audit_log.c.ts <= until)
    if limit is not None:
        query = query.limit(limit)
    for row in conn.execute(query):
        yield AuditRow(**row._mapping)


def state_at(conn: Connection, entity_type: str, entity_id: str, when: str) -> Any:
    """The entity's state at ``when`` rebuilt from the audit trail (None if it did not exist)."""
    state: Any = None
    for row in rows(conn, entity_type=entity_type, entity_id=entity_id, until=when):
        state = row.new_value
    return state


def redact(value: Any) -> Any:
    """``value`` without any key that could reveal an arm (see :data:`BLINDED_KEYS`)."""
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items() if k not in BLINDED_KEYS}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value
