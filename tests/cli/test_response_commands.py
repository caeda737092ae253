"""`gistpath assess` and `gistpath endpoints` from the outside: JSON contract, files, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from gistpath.outcomes.endpoints import COLUMNS

CONTRACT_EXAMPLE = Path(__file__).parents[1] / "case" / "contract_example.json"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gistpath", *args], capture_output=True, text=True, check=False
    )


def test_assess_json_follows_the_contract() -> None:
    done = run("assess", str(CONTRACT_EXAMPLE), "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["case_id"] == "demo-017"
    [point] = document["timepoints"]
    for key in (
        "target_sum_mm",
        "change_from_baseline_pct",
        "change_from_nadir_pct",
        "target",
        "non_target",
        "new_lesions",
        "overall",
    ):
        assert key in point["recist"]
    assert point["recist"]["target_sum_mm"] == 92
    assert point["recist"]["overall"] == "PD"
    assert set(point["choi"]) >= {"size_change_pct", "density_change_pct", "overall"}
    assert point["progressing_lesions"] == ["L1", "L2"]
    assert point["pattern"] == "generalized"
    line2 = document["lines"][1]
    assert line2["drug"] == "sunitinib"
    assert line2["best_overall_response"]["recist"] == "PD"
    assert line2["best_overall_response"]["choi"] == "PD"


def test_assess_recist_1_0_only() -> None:
    document = json.loads(
        run("assess", str(CONTRACT_EXAMPLE), "--criteria", "recist1.0", "--json").stdout
    )
    point = document["timepoints"][0]
    assert point["recist"]["version"] == "1.0"
    assert "choi" not in point


def test_assess_without_json_prints_a_table() -> None:
    done = run("assess", str(CONTRACT_EXAMPLE))
    assert done.returncode == 0
    assert "demo-017" in done.stdout and "generalized" in done.stdout


def test_bad_case_exits_2_with_one_line(tmp_path: Path, contract_case: dict[str, Any]) -> None:
    contract_case["imaging"][0]["lesions"][0]["diameter_mm"] = "48"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(contract_case))
    for command in ("assess", "endpoints"):
        done = run(command, str(bad))
        assert done.returncode == 2
        assert done.stdout == ""
        [line] = done.stderr.strip().splitlines()
        prefix = f"gistpath: error: {bad}: case 'demo-017': imaging[0].lesions[0].diameter_mm: "
        assert line.startswith(prefix + "must be a number")
        assert line.endswith("(got '48')")


def test_missing_file_exits_2() -> None:
    done = run("assess", "no-such-case.json")
    assert done.returncode == 2
    assert "no-such-case.json: no such file or folder" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_endpoints_writes_the_cohort_table(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"cohort{suffix}"
    done = run("endpoints", str(CONTRACT_EXAMPLE), "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"cases": 1, "rows": 2, "out": str(out)}
    frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert list(frame.columns) == list(COLUMNS)
    assert list(frame["drug"]) == ["imatinib", "sunitinib"]
    assert list(frame["pfs_event"]) == [0, 1]


def test_endpoints_rejects_an_unknown_output_format(tmp_path: Path) -> None:
    done = run("endpoints", str(CONTRACT_EXAMPLE), "--out", str(tmp_path / "x.xlsx"))
    assert done.returncode == 2
    assert "use a .csv or .parquet file name" in done.stderr
