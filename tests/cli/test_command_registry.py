"""The lazy command registry: each name maps to the module that registers it, and running a
light command does not load the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

from gistpath.cli import COMMANDS

PROBE = """
import json, sys
from gistpath.cli.app import app
import gistpath.cli.{module}
names = [c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands]
names += [g.name for g in app.registered_groups]
print(json.dumps(names))
"""


def _registered_by(module: str) -> set[str]:
    code = PROBE.format(module=module)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def test_every_command_is_registered_by_its_module() -> None:
    for module in sorted(set(COMMANDS.values())):
        names = [n for n, m in COMMANDS.items() if m == module]
        assert set(names) <= _registered_by(module), module


def test_the_table_lists_every_registered_command() -> None:
    from gistpath.cli import load_commands
    from gistpath.cli.app import app

    load_commands()
    registered = {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands}
    registered |= {g.name for g in app.registered_groups}
    assert registered == set(COMMANDS)


def test_validate_loads_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from gistpath.cli import load_commands\n"
        "load_commands(['validate', 'assess'])\n"
        "heavy = ['scipy', 'sqlalchemy', 'matplotlib', 'pandas']\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
