"""``gistpath km`` and ``gistpath compare``: the JSON contract, table input and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from gistpath.stats.logrank import log_rank
from gistpath.stats.survival import kaplan_meier
from support.cli import run
from support.survival_reference import shared_dataset


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    return shared_dataset("lifelines.datasets.load_lung()")


@pytest.fixture
def lung_csv(tmp_path: Path, lung: pd.DataFrame) -> Path:
    path = tmp_path / "lung.csv"
    lung.to_csv(path, index=False)
    return path


def run_json(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    code, out, err = run([*args, "--json"], monkeypatch, capsys)
    assert (code, err) == (0, "")
    document: dict[str, Any] = json.loads(out)
    return document


# ---- km ---------------------------------------------------------------------------------------


def test_km_json_matches_the_contract_example(
    lung_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = run_json(
        ["km", str(lung_csv), "--time", "time", "--event", "status", "--group", "sex"],
        monkeypatch,
        capsys,
    )
    first = doc["groups"][0]
    assert {k: first[k] for k in ("group", "n", "events", "median", "median_ci")} == {
        "group": "1",
        "n": 138,
        "events": 112,
        "median": 270,
        "median_ci": [212, 310],
    }
    assert set(first["quantiles"]) == {"25", "75"}
    assert [g["group"] for g in doc["groups"]] == ["1", "2"]
    assert (doc["n"], doc["dropped"], doc["conf_type"]) == (228, 0, "log")


def test_km_drops_and_counts_rows_with_missing_values(
    lung_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = run_json(
        ["km", str(lung_csv), "--time", "time", "--event", "status", "--group", "ph.ecog"],
        monkeypatch,
        capsys,
    )
    assert doc["dropped"] == 1
    assert [g["group"] for g in doc["groups"]] == ["0", "1", "2", "3"]
    ecog0 = doc["groups"][0]
    # R: quantile(survfit(Surv(time, status) ~ ph.ecog, lung)) (shared reference lung.km.ecog0)
    assert ecog0["quantiles"] == {"25": 285, "75": 655}
    assert ecog0["quantiles_ci"]["75"] == [558, None]
    assert doc["groups"][3]["median_ci"] == [None, None]


def test_km_options_reach_the_estimator(
    lung_csv: Path,
    lung: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["km", str(lung_csv), "--time", "time", "--event", "status"]
    args += ["--conf-type", "log-log", "--times", "180,365", "--rmean", "500"]
    doc = run_json(args, monkeypatch, capsys)
    curve = kaplan_meier(lung["time"], lung["status"], conf_type="log-log")
    (only,) = doc["groups"]
    assert only["group"] is None and doc["conf_type"] == "log-log"
    assert only["median_ci"] == [curve.median().lower, curve.median().upper]
    assert [row["time"] for row in only["survival_at"]] == [180, 365]
    assert only["survival_at"][1]["surv"] == curve.at([365])[0].surv
    assert only["restricted_mean"]["rmean"] == curve.restricted_mean(500).rmean


def test_parquet_gives_the_same_answer_as_csv(
    tmp_path: Path,
    lung: pd.DataFrame,
    lung_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    parquet = tmp_path / "lung.parquet"
    lung.to_parquet(parquet)
    args = ["--time", "time", "--event", "status", "--group", "ph.ecog"]
    from_csv = run_json(["km", str(lung_csv), *args], monkeypatch, capsys)
    from_parquet = run_json(["km", str(parquet), *args], monkeypatch, capsys)
    assert from_parquet["groups"] == from_csv["groups"]


def test_km_prints_a_table_without_json(
    lung_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["km", str(lung_csv), "--time", "time", "--event", "status", "--group", "sex"],
        monkeypatch,
        capsys,
    )
    assert code == 0
    assert "Kaplan-Meier" in out and "212 - 310" in out and "348 - 550" in out


# ---- compare ------------------------------------------------------------------------------------


def test_compare_json_matches_the_contract_example(
    lung_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = run_json(
        ["compare", str(lung_csv), "--time", "time", "--event", "status", "--group", "sex"],
        monkeypatch,
        capsys,
    )
    assert (doc["test"], doc["stratified"], doc["df"]) == ("logrank", False, 1)
    assert round(doc["chisq"], 2) == 10.33 and round(doc["p"], 4) == 0.0013
    assert doc["groups"][0]["observed"] == 112
    assert round(doc["groups"][0]["expected"], 2) == 91.58
    assert doc["dropped"] == 0


def test_compare_stratified_as_r_survdiff(
    lung_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """survdiff(Surv(time, status) ~ pat.karno + strata(inst), lung): 21.368 on 7 df."""
    args = ["compare", str(lung_csv), "--time", "time", "--event", "status"]
    doc = run_json([*args, "--group", "pat.karno", "--strata", "inst"], monkeypatch, capsys)
    assert doc["stratified"] and len(doc["strata"]) == 18 and doc["strata"][0] == "inst=1"
    assert (round(doc["chisq"], 3), doc["df"], doc["dropped"]) == (21.368, 7, 4)
    assert [g["group"] for g in doc["groups"]][:3] == ["30", "40", "50"]


def test_compare_with_two_strata_columns_uses_their_combinations(
    lung_csv: Path,
    lung: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["compare", str(lung_csv), "--time", "time", "--event", "status", "--group", "sex"]
    doc = run_json([*args, "--strata", "ph.ecog", "--strata", "inst"], monkeypatch, capsys)
    kept = lung.dropna(subset=["ph.ecog", "inst"])
    cells = kept["ph.ecog"].astype(str) + "/" + kept["inst"].astype(str)
    direct = log_rank(kept["time"], kept["status"], kept["sex"], strata=cells)
    assert doc["chisq"] == pytest.approx(direct.chisq, rel=1e-12)  # strata summed in another order
    assert len(doc["strata"]) == cells.nunique()
    assert doc["strata"][0] == "ph.ecog=0, inst=1"
    assert doc["dropped"] == len(lung) - len(kept)


def test_compare_prints_a_table_without_json(
    lung_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["compare", str(lung_csv), "--time", "time", "--event", "status", "--group", "sex"],
        monkeypatch,
        capsys,
    )
    assert code == 0
    assert "Chisq = 10.33 on 1 df, p = 0.00131" in out


# ---- bad input -----------------------------------------------------------------------------


def _bad_table(tmp_path: Path, **columns: list[Any]) -> Path:
    path = tmp_path / "bad.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"t": [1, 2], "e": [1, 0]}, "column 'status' not found"),
        ({"t": [1, "soon"], "status": [1, 0]}, "column 't' must be numeric (row 2 has 'soon')"),
        ({"t": [1, 2], "status": [1, 2]}, "column 'status' must be 0 (censored) or 1 (event)"),
        ({"t": [1, -2], "status": [1, 0]}, "column 't' has a negative time (row 2 has -2)"),
    ],
)
def test_bad_columns_give_one_line_and_status_2(
    tmp_path: Path,
    columns: dict[str, list[Any]],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _bad_table(tmp_path, **columns)
    code, out, err = run(
        ["km", str(path), "--time", "t", "--event", "status", "--json"], monkeypatch, capsys
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"gistpath: error: {path}: ")
    assert message in err


def test_bad_options_and_missing_file_give_status_2(
    lung_csv: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["--time", "time", "--event", "status"]
    code, _, err = run(["km", str(lung_csv), *base, "--conf-type", "logit"], monkeypatch, capsys)
    assert code == 2 and "conf_type must be one of log, log-log, plain" in err
    missing = tmp_path / "nowhere.csv"
    code, _, err = run(["km", str(missing), *base], monkeypatch, capsys)
    assert code == 2 and f"{missing}: file not found" in err
    code, _, err = run(["compare", str(lung_csv), *base, "--group", "nope"], monkeypatch, capsys)
    assert code == 2 and "column 'nope' not found" in err
    one_group = _bad_table(tmp_path, t=[1, 2, 3], e=[1, 0, 1], arm=["a", "a", "a"])
    code, _, err = run(
        ["compare", str(one_group), "--time", "t", "--event", "e", "--group", "arm"],
        monkeypatch,
        capsys,
    )
    assert code == 2
    assert f"{one_group}: column 'arm' has only one group (a)" in err


def test_console_script_reports_bad_input_without_a_traceback(tmp_path: Path) -> None:
    path = _bad_table(tmp_path, t=[1.0, np.nan, 3.0], e=[1, 0, 7])
    command = [sys.executable, "-m", "gistpath", "compare", str(path)]
    done = subprocess.run(
        [*command, "--time", "t", "--event", "e", "--group", "e"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"gistpath: error: {path}: column 'e' must be 0 (censored) or 1 (event) (row 3 has 7)"
    )
