"""Opening the store: SQLite by default, PostgreSQL when ``GISTPATH_DB`` is a ``postgresql://`` URL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit survives power loss), foreign keys on
and a busy timeout. The Python driver's own transaction handling is switched off so that we emit
``BEGIN`` ourselves: every write transaction starts with ``BEGIN IMMEDIATE``, which takes the
write lock up front; a deferred ``BEGIN`` that upgrades later fails with "database is locked"
under concurrency (shared/reference/trial-integrity.md). PostgreSQL uses psycopg 3 at READ
COMMITTED; writers that hand out shared resources lock the rows they take (``FOR UPDATE``).

The schema is created and upgraded by the Alembic migrations shipped in
``gistpath/store/migrations``, automatically on first use (under a lock, so that concurrent first
users do not race) or explicitly with ``gistpath db init``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from gistpath.errors import InputError

DEFAULT_PATH = "gistpath.db"
SQLITE_BUSY_TIMEOUT_MS = 60_000
_WRITE = "gistpath_write"


def database_url(value: str | None = None) -> str:
    """The SQLAlchemy URL for ``value``, ``$GISTPATH_DB`` or ``./gistpath.db``."""
    raw = value or os.environ.get("GISTPATH_DB") or DEFAULT_PATH
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    if raw.startswith("sqlite:"):
        return raw
    if "://" in raw:
        scheme = raw.split("://", 1)[0]
        raise InputError(
            f"GISTPATH_DB: unsupported database {scheme!r} (use a file path or postgresql://...)"
        )
    return f"sqlite:///{Path(raw).expanduser().absolute()}"


def describe_url(url: str) -> str:
    """``url`` without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


class Store:
    """An open database: :meth:`read` and :meth:`write` hand out connections in a transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _create_engine(url)
        self.dialect = self.engine.dialect.name
        self._writer = self.engine.execution_options(**{_WRITE: True})

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot on SQLite WAL)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back on an exception.

        On SQLite it starts with ``BEGIN IMMEDIATE``: one writer at a time, others wait for
        the busy timeout instead of failing half-way.
        """
        with self._writer.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open the store at ``url`` (default: ``$GISTPATH_DB`` or ``./gistpath.db``).

    With ``migrate`` the schema is brought to the newest migration first.
    """
    store = Store(database_url(url))
    if migrate:
        from gistpath.store.migrate import ensure_schema

        ensure_schema(store)
    return store


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def sqlite_pragmas(store: Store) -> dict[str, Any]:
    """The pragmas in force on a connection (for ``db init`` and the tests)."""
    with store.engine.connect() as conn:
        return {
            name: conn.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
