"""Fixtures for store tests: every test that takes ``db_url`` runs on SQLite and on PostgreSQL.

PostgreSQL runs whenever the server answers (``GISTPATH_TEST_PG`` or 127.0.0.1:5432, database
``test``, user ``postgres``), each test in a fresh schema that is dropped afterwards. Without a
server the PostgreSQL half is skipped with a message saying how to enable it -- except under
``CI=true``, where it fails instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import gistpath.cli.store_commands
import gistpath.cli.trial_commands  # noqa: F401  (register the commands)
from gistpath.cli.app import app
from gistpath.errors import GistpathError
from gistpath.store.engine import Store, open_store
from gistpath.store.testing import HOW_TO_ENABLE, pg_unreachable_reason, temporary_pg_schema
from gistpath.store.trials import TrialService
from gistpath.store.users import add_user
from store.helpers import ADMIN, INVESTIGATOR, PHARMACIST, STATISTICIAN

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@cache
def _pg_problem() -> str | None:
    return pg_unreachable_reason()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "gistpath.db")
        return
    problem = _pg_problem()
    if problem is not None:
        message = f"PostgreSQL not reachable ({problem}). {HOW_TO_ENABLE}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    with temporary_pg_schema() as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.close()


@pytest.fixture
def staff(store: Store) -> Store:
    """The store with one user per role."""
    add_user(store, None, ADMIN, "admin")
    add_user(store, ADMIN, INVESTIGATOR, "investigator")
    add_user(store, ADMIN, PHARMACIST, "pharmacist")
    add_user(store, ADMIN, STATISTICIAN, "unblinded_statistician")
    return store


@pytest.fixture
def service(staff: Store) -> TrialService:
    return TrialService(staff)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``gistpath ARGS`` in-process against the test database, the way ``main()`` does:
    a GistpathError becomes one line on stderr and its exit status."""
    monkeypatch.setenv("GISTPATH_DB", db_url)
    monkeypatch.delenv("GISTPATH_USER", raising=False)
    runner = CliRunner()

    def run(*args: str, user: str | None = None) -> CliResult:
        full = [*args, "--user", user] if user else list(args)
        result = runner.invoke(app, full, catch_exceptions=True)
        stderr = result.stderr
        code = result.exit_code
        error: Any = result.exception
        if isinstance(error, GistpathError):
            stderr += f"gistpath: error: {error}\n"
            code = error.exit_code
        elif error is not None and not isinstance(error, SystemExit):
            raise error
        return CliResult(code, result.stdout, stderr)

    return run
