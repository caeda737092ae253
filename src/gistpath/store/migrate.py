"""Running the Alembic migrations shipped in ``gistpath/store/migrations``.

:func:`ensure_schema` is cheap when the schema is current (one query). Otherwise it takes the
database's write lock first -- ``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory lock
on PostgreSQL -- checks the revision again and upgrades inside that same transaction, so that
several processes opening a new store at once migrate it exactly once.
"""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from gistpath.store.engine import Store

#: Key of the PostgreSQL advisory lock held while migrating (any fixed 64-bit number).
_PG_MIGRATION_LOCK = 0x67697374_70617468  # "gistpath"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "gistpath.store:migrations")
    return config


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def ensure_schema(store: Store) -> str:
    """Bring the store's schema to the newest revision; return that revision."""
    head = head_revision()
    with store.read() as conn:
        if current_revision(conn) == head:
            return head
    with store.write() as conn:
        if store.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        if current_revision(conn) != head:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    return head
