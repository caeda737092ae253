"""The ``gistpath`` Typer application and what every command shares: JSON output and errors.

Commands live in sibling modules (one per group) and register on :data:`app`; the package
``gistpath.cli`` imports only the module of the command being run. A command that
reports prints exactly one JSON document with ``--json``, otherwise rich tables for people.
A :class:`~gistpath.errors.GistpathError` becomes one line on stderr and its exit status.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

from gistpath.errors import GistpathError

app = typer.Typer(
    name="gistpath",
    help="Decision support and outcome analysis for advanced GIST. It shows its reasoning and "
    "sources; the clinician decides.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def _commands() -> None:
    # A root callback keeps Typer in group mode even when main() registered one command only.
    pass


console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document on stdout.")


def emit_json(document: Any) -> None:
    """Print ``document`` as the only thing on stdout."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, default=str))
    sys.stdout.write("\n")


def fail(error: GistpathError) -> NoReturn:
    """Report ``error`` on one line and exit with its status."""
    err_console.print(f"gistpath: error: {error}", markup=False, soft_wrap=True)
    raise SystemExit(error.exit_code)


def run() -> None:
    """Run :data:`app` on ``sys.argv`` with the commands registered so far; errors become one
    line on stderr (see :func:`gistpath.cli.main`, which registers what is needed)."""
    try:
        app()
    except GistpathError as error:
        fail(error)
    except KeyboardInterrupt:
        err_console.print("gistpath: interrupted")
        raise SystemExit(130) from None
    except Exception as error:  # the last line of defence: no traceback for users
        if os.environ.get("GISTPATH_DEBUG"):
            raise
        err_console.print(
            f"gistpath: internal error: {type(error).__name__}: {error} "
            "(set GISTPATH_DEBUG=1 for the traceback; please report it)",
            markup=False,
        )
        raise SystemExit(1) from None
