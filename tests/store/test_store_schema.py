"""The store opens on both backends, migrates once, and matches the declared schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from gistpath.errors import InputError
from gistpath.store.engine import Store, database_url, open_store, sqlite_pragmas
from gistpath.store.loadtest import open_and_report, run_concurrently
from gistpath.store.migrate import current_revision, ensure_schema, head_revision
from gistpath.store.schema import metadata


def test_migrations_build_the_declared_schema(store: Store) -> None:
    with store.read() as conn:
        assert current_revision(conn) == head_revision() == "0001"
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        tables = set(inspect(conn).get_table_names())
    assert {"cases", "audit_log", "allocation_slots", "allocation_secrets", "users"} <= tables


def test_reopening_does_not_migrate_again(db_url: str) -> None:
    first = open_store(db_url)
    with first.write() as conn:
        conn.execute(text("CREATE TABLE marker (x INTEGER)"))
    first.close()
    again = open_store(db_url)
    assert ensure_schema(again) == "0001"
    with again.read() as conn:
        assert "marker" in inspect(conn).get_table_names()  # nothing was rebuilt
    again.close()


def test_eight_processes_opening_a_new_store_at_once_migrate_it_once(db_url: str) -> None:
    revisions = run_concurrently(open_and_report, [db_url] * 8)
    assert revisions == ["0001"] * 8
    store = open_store(db_url)
    with store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    store.close()


def test_sqlite_runs_wal_full_sync_foreign_keys_and_busy_timeout(tmp_path: object) -> None:
    store = open_store(f"{tmp_path}/p.db")
    assert sqlite_pragmas(store) == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": 60_000,
    }
    store.close()


def test_database_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GISTPATH_DB", "postgresql://u@h:5432/d?x=1")
    assert database_url() == "postgresql+psycopg://u@h:5432/d?x=1"
    monkeypatch.delenv("GISTPATH_DB")
    assert database_url().endswith("/gistpath.db")
    assert database_url().startswith("sqlite:////")
    with pytest.raises(InputError, match="GISTPATH_DB: unsupported database 'mysql'"):
        database_url("mysql://x/y")
