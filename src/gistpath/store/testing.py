"""Helpers for tests and benchmarks that run on PostgreSQL: a throw-away schema per run.

The server is found through ``GISTPATH_TEST_PG`` (default: the local server at 127.0.0.1:5432,
database ``test``, user ``postgres``). Each run works in a fresh schema, selected through the
connection's ``search_path``, and drops it afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import create_engine, text

from gistpath.store.engine import database_url

DEFAULT_TEST_PG = "postgresql://postgres@127.0.0.1:5432/test"
HOW_TO_ENABLE = (
    "PostgreSQL tests need a server: start one on 127.0.0.1:5432 (database 'test', user "
    "'postgres', trust auth) or set GISTPATH_TEST_PG=postgresql://user@host:port/db"
)


def pg_test_url() -> str:
    return os.environ.get("GISTPATH_TEST_PG") or DEFAULT_TEST_PG


def pg_unreachable_reason(url: str | None = None) -> str | None:
    """None if the server answers, otherwise why not."""
    engine = create_engine(database_url(url or pg_test_url()), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as error:  # any failure means: not usable here
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    finally:
        engine.dispose()


@contextmanager
def temporary_pg_schema(url: str | None = None) -> Iterator[str]:
    """Create a fresh schema, yield a ``postgresql://`` URL that works in it, then drop it."""
    base = url or pg_test_url()
    schema = f"gistpath_test_{secrets.token_hex(6)}"
    admin = create_engine(database_url(base))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
