"""`gistpath validate` and `gistpath schema` from the outside."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parents[2] / "examples" / "cases"
ONE = EXAMPLES / "ex-01-kit11-first-line.json"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gistpath", *args], capture_output=True, text=True, check=False
    )


def test_examples_are_valid() -> None:
    done = run("validate", str(EXAMPLES), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"valid": len(list(EXAMPLES.glob("*.json"))), "invalid": []}


def test_one_line_per_bad_case_and_repeated_ids(tmp_path: Path) -> None:
    shutil.copy(ONE, tmp_path / "a.json")
    shutil.copy(ONE, tmp_path / "b.json")
    bad = json.loads(ONE.read_text())
    bad["id"] = "c"
    bad["imaging"][0]["lesions"][0]["diameter_mm"] = -62
    (tmp_path / "c.json").write_text(json.dumps(bad))
    done = run("validate", str(tmp_path))
    assert done.returncode == 2
    assert done.stdout.strip() == "1 valid, 2 invalid"
    assert done.stderr.strip().splitlines() == [
        f"{tmp_path / 'b.json'}: case 'ex-01-kit11-first-line': id: the same id is already used "
        f"by {tmp_path / 'a.json'}",
        f"{tmp_path / 'c.json'}: case 'c': imaging[0].lesions[0].diameter_mm: must be >= 0 "
        "(got -62)",
    ]


def test_schema_is_the_case_model() -> None:
    schema = json.loads(run("schema").stdout)
    assert schema["title"] == "Case"
    assert schema["additionalProperties"] is False
    assert {"id", "as_of", "patient"} <= set(schema["required"])
