"""The ``gistpath`` command line.

Each command module registers its commands on the shared Typer ``app`` (:mod:`gistpath.cli.app`).
:func:`main` imports only the module of the command being run, so ``gistpath validate`` does not
pay for scipy, SQLAlchemy or matplotlib; ``gistpath --help`` (or an unknown name) loads them all.
For the app with every command registered: ``load_commands()``, then
``from gistpath.cli.app import app``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable

#: Every top-level command (or command group) and the module that registers it.
COMMANDS: dict[str, str] = {
    "validate": "case_commands",
    "schema": "case_commands",
    "assess": "response_commands",
    "endpoints": "response_commands",
    "summary": "summary_commands",
    "advise": "advice_commands",
    "safety": "advice_commands",
    "evidence": "advice_commands",
    "km": "stats_commands",
    "compare": "stats_commands",
    "cox": "model_commands",
    "table": "model_commands",
    "report": "report_commands",
    "import": "store_commands",
    "export": "store_commands",
    "audit": "store_commands",
    "db": "store_commands",
    "cases": "store_commands",
    "users": "store_commands",
    "trial": "trial_commands",
}


def load_commands(names: Iterable[str] | None = None) -> None:
    """Import the modules registering ``names`` (all commands when None)."""
    wanted = set(COMMANDS.values()) if names is None else {COMMANDS[n] for n in names}
    for module in sorted(wanted):
        importlib.import_module(f"gistpath.cli.{module}")


def main() -> None:
    """Console-script entry point: register the command asked for, then run."""
    from gistpath.cli.app import run

    name = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    load_commands([name] if name in COMMANDS else None)
    run()


__all__ = ["COMMANDS", "load_commands", "main"]
