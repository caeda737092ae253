"""R8 and R14: one audit row per change with old and new values, replay to any past time,
no way to update or delete audit rows, UTC ISO-8601 timestamps everywhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from gistpath.case.load import parse_case
from gistpath.errors import GistpathError
from gistpath.store import audit
from gistpath.store.cases import delete_case, save_case
from gistpath.store.engine import Store
from gistpath.store.loadtest import eligible_case
from gistpath.store.schema import TIMESTAMP_COLUMNS, audit_log
from gistpath.store.trials import TrialService
from gistpath.store.users import add_user
from store.helpers import ADMIN, INVESTIGATOR, PHARMACIST, STATISTICIAN

UTC_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def _audit_count(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def _last_row(store: Store) -> audit.AuditRow:
    with store.read() as conn:
        return list(audit.rows(conn))[-1]


def test_every_successful_change_writes_exactly_one_row_and_refusals_none(
    service: TrialService,
) -> None:
    store = service.store
    service.create_trial(STATISTICIAN, "RIGHT", slots_per_stratum=4)
    steps: list[tuple[str, Callable[[], Any], str, Any]] = [
        (
            "case create",
            lambda: save_case(store, eligible_case("c1"), INVESTIGATOR),
            "create",
            None,
        ),
        (
            "case edit",
            lambda: save_case(store, eligible_case("c1", ecog=0), INVESTIGATOR),
            "edit",
            "is-dict",
        ),
        ("user create", lambda: add_user(store, ADMIN, "rita", "investigator"), "create", None),
        ("user edit", lambda: add_user(store, ADMIN, "rita", "pharmacist"), "edit", "is-dict"),
        ("enrol", lambda: service.enrol(INVESTIGATOR, "RIGHT", "c1"), "enrol", None),
        (
            "randomise",
            lambda: service.randomise(INVESTIGATOR, "RIGHT", "RIGHT-0001"),
            "randomise",
            "is-dict",
        ),
        (
            "dose",
            lambda: service.dose(PHARMACIST, "RIGHT", "RIGHT-0001", date(2011, 6, 3)),
            "dose",
            None,
        ),
        (
            "crossover",
            lambda: service.crossover(
                INVESTIGATOR, "RIGHT", "RIGHT-0001", date(2011, 8, 1), date(2011, 8, 2)
            ),
            "crossover",
            None,
        ),
        (
            "unblind",
            lambda: service.unblind(INVESTIGATOR, "RIGHT", "RIGHT-0001", "SAE", "RIGHT-0001"),
            "unblind",
            "is-dict",
        ),
    ]
    for label, change, action, old in steps:
        before = _audit_count(store)
        change()
        assert _audit_count(store) == before + 1, label
        row = _last_row(store)
        assert row.action == action, label
        assert row.new_value is not None, label
        assert (row.old_value is None) == (old is None), label
        assert UTC_ISO.match(row.ts), label

    refusals: list[Callable[[], Any]] = [
        lambda: service.randomise(INVESTIGATOR, "RIGHT", "RIGHT-0001"),
        lambda: service.dose(PHARMACIST, "RIGHT", "RIGHT-0001", date(2011, 6, 4)),
        lambda: service.unblind(PHARMACIST, "RIGHT", "RIGHT-0001", "curious", "RIGHT-0001"),
        lambda: service.unblind(INVESTIGATOR, "RIGHT", "RIGHT-0001", "", "RIGHT-0001"),
        lambda: add_user(store, INVESTIGATOR, "eve", "admin"),
        lambda: delete_case(store, "c1", ADMIN, "clean-up"),  # a participant's case
    ]
    before = _audit_count(store)
    for refused in refusals:
        with pytest.raises(GistpathError):
            refused()
    assert save_case(store, eligible_case("c1", ecog=0), INVESTIGATOR) == "unchanged"
    assert _audit_count(store) == before


def test_replay_rebuilds_a_case_at_any_past_time(staff: Store) -> None:
    versions = [eligible_case("r1", ecog=e) for e in (0, 1, 2)]
    stamps = []
    for case in versions:
        save_case(staff, case, INVESTIGATOR)
        stamps.append(_last_row(staff).ts)
    delete_case(staff, "r1", ADMIN, "withdrawn consent")
    deleted_at = _last_row(staff).ts
    with staff.read() as conn:
        assert audit.state_at(conn, "case", "r1", "2000-01-01T00:00:00.000000Z") is None
        for case, stamp in zip(versions, stamps, strict=True):
            rebuilt = audit.state_at(conn, "case", "r1", stamp)
            assert parse_case(rebuilt) == case
            assert rebuilt["performance_status"][0]["ecog"] == case.performance_status[0].ecog
        assert audit.state_at(conn, "case", "r1", deleted_at) is None


def test_replay_rebuilds_a_participant_through_the_cli(
    service: TrialService, cli: Callable[..., Any]
) -> None:
    import json

    service.create_trial(STATISTICIAN, "RIGHT", slots_per_stratum=4)
    save_case(service.store, eligible_case("p1"), INVESTIGATOR)
    service.enrol(INVESTIGATOR, "RIGHT", "p1")
    enrolled_at = _last_row(service.store).ts
    done = service.randomise(INVESTIGATOR, "RIGHT", "RIGHT-0001")

    def state(when: str) -> Any:
        shown = cli(
            "audit", "--entity", "participant:RIGHT-0001", "--as-of", when, "--json", user=ADMIN
        )
        assert shown.exit_code == 0, shown.stderr
        return json.loads(shown.stdout)["state"]

    assert state(enrolled_at)["status"] == "enrolled"
    assert state(enrolled_at)["kit_code"] is None
    now = state(audit.utc_now())
    assert (now["status"], now["kit_code"]) == ("randomised", done["kit_code"])
    assert state("2001-01-01") is None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'mallory'",
        "UPDATE audit_log SET old_value = NULL",
        "UPDATE audit_log SET reason = 'rewritten' WHERE reason IS NULL",
        "DELETE FROM audit_log",
    ],
)
def test_the_database_refuses_to_change_audit_rows(staff: Store, statement: str) -> None:
    save_case(staff, eligible_case("a1"), INVESTIGATOR)
    with staff.read() as conn:
        before = [r.to_dict() for r in audit.rows(conn)]
    with pytest.raises(DBAPIError, match="append-only"), staff.write() as conn:
        conn.execute(text(statement))
    with staff.read() as conn:
        assert [r.to_dict() for r in audit.rows(conn)] == before


def test_emptying_the_audit_table_at_once_is_refused(staff: Store) -> None:
    # PostgreSQL's TRUNCATE fires no row trigger (a statement trigger guards it); SQLite has no
    # TRUNCATE, and its truncate optimisation of DELETE is off while triggers exist.
    statement = "TRUNCATE audit_log" if staff.dialect == "postgresql" else "DELETE FROM audit_log"
    with pytest.raises(DBAPIError, match="append-only"), staff.write() as conn:
        conn.execute(text(statement))
    assert _audit_count(staff) == 4  # the four users


def test_every_stored_timestamp_is_utc_iso8601(service: TrialService) -> None:
    store = service.store
    service.create_trial(STATISTICIAN, "RIGHT", slots_per_stratum=2)
    save_case(store, eligible_case("t1"), INVESTIGATOR)
    service.enrol(INVESTIGATOR, "RIGHT", "t1")
    service.randomise(INVESTIGATOR, "RIGHT", "RIGHT-0001")
    service.dose(PHARMACIST, "RIGHT", "RIGHT-0001", date(2011, 6, 2))
    service.crossover(INVESTIGATOR, "RIGHT", "RIGHT-0001", date(2011, 7, 1), date(2011, 7, 2))
    service.unblind(INVESTIGATOR, "RIGHT", "RIGHT-0001", "SAE", "RIGHT-0001")
    seen = 0
    with store.read() as conn:
        for table, columns in TIMESTAMP_COLUMNS.items():
            for column in columns:
                values = conn.execute(text(f"SELECT {column} FROM {table}")).scalars().all()
                for value in values:
                    if value is not None:
                        assert UTC_ISO.match(value), (table, column, value)
                        seen += 1
    assert seen >= 20


@pytest.mark.parametrize("value", ["2026-05-01 12:00:00", "2026-05-01T12:00:00+02:00", "x"])
def test_the_database_rejects_a_timestamp_that_is_not_utc_iso8601(staff: Store, value: str) -> None:
    with pytest.raises(IntegrityError), staff.write() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (ts, actor, action, entity_type, entity_id) "
                "VALUES (:ts, 'x', 'x', 'x', 'x')"
            ),
            {"ts": value},
        )


def test_as_of_parsing_is_utc() -> None:
    assert audit.parse_as_of("2026-05-01T12:00:00+02:00") == "2026-05-01T10:00:00.000000Z"
    assert audit.parse_as_of("2026-05-01T12:00:00Z") == "2026-05-01T12:00:00.000000Z"
    assert audit.parse_as_of("2026-05-01") == "2026-05-01T23:59:59.999999Z"
