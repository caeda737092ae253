"""The ``gistpath`` command line; see :mod:`gistpath.cli.app` and one module per command group."""

from gistpath.cli import (
    advice_commands,  # noqa: F401
    case_commands,  # noqa: F401  (registers commands)
    model_commands,  # noqa: F401
    report_commands,  # noqa: F401
    response_commands,  # noqa: F401
    stats_commands,  # noqa: F401
    store_commands,  # noqa: F401
    summary_commands,  # noqa: F401
    trial_commands,  # noqa: F401
)
from gistpath.cli.app import app, main

__all__ = ["app", "main"]
