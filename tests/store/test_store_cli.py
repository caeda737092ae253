"""The real command line (a subprocess through ``main()``): JSON, one error line, exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GISTPATH_DB": db_url}
    env.pop("GISTPATH_USER", None)
    return subprocess.run(
        [sys.executable, "-m", "gistpath", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_db_init_then_a_refused_request_is_one_line_with_exit_2(db_url: str) -> None:
    done = run(db_url, "db", "init", "--admin", "ada", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["revision"], report["admin"]) == ("0001", {"name": "ada", "outcome": "created"})
    refused = run(db_url, "trial", "randomise", "RIGHT", "RIGHT-0001", "--user", "ada")
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.splitlines() == [
        "gistpath: error: --user 'ada' (admin) may not randomise (needs role investigator)"
    ]
    unknown = run(db_url, "trial", "status", "NOPE", "--user", "ada")
    assert unknown.returncode == 2
    assert unknown.stderr.splitlines() == ["gistpath: error: TRIAL: no trial 'NOPE' in this store"]
