"""``gistpath cox`` and ``gistpath table``: JSON contract, R-style coding, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from lifelines import datasets

from gistpath.stats.exact import fisher_exact
from support.cli import run


def run_json(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    code, out, err = run([*args, "--json"], monkeypatch, capsys)
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


@pytest.fixture
def lung_csv(tmp_path: Path) -> Path:
    """R's lung data with sex as text, as an endpoints table would carry it."""
    frame = datasets.load_lung()
    frame["sex"] = frame["sex"].map({1: "male", 2: "female"})
    path = tmp_path / "lung.csv"
    frame.to_csv(path, index=False)
    return path


def test_cox_json_matches_r_with_a_text_covariate(
    lung_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = run_json(
        ["cox", str(lung_csv), "--time", "time", "--event", "status", "--covariates", "age,sex"],
        monkeypatch,
        capsys,
    )
    # R: summary(coxph(Surv(time, status) ~ age + sex, lung)) with sex 1 = male, 2 = female:
    # coef(sex) = -0.513219, so male against the reference level female is +0.513219.
    assert [c["name"] for c in doc["coefficients"]] == ["age", "sexmale"]
    age, male = doc["coefficients"]
    assert age["coef"] == pytest.approx(0.017045, abs=5e-7)
    assert male["coef"] == pytest.approx(0.513219, abs=5e-7)
    assert male["se"] == pytest.approx(0.167458, abs=5e-7)
    assert doc["n"] == 228 and doc["events"] == 165 and doc["n_dropped"] == 0
    assert doc["tests"]["lr"]["chisq"] == pytest.approx(14.12, abs=0.01)
    assert doc["tests"]["wald"]["df"] == 2
    assert doc["concordance"] == pytest.approx(0.603, abs=0.0015)
    assert doc["converged"] is True and doc["warnings"] == []


def test_cox_drops_and_counts_incomplete_rows_and_stratifies(
    lung_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = run_json(
        [
            "cox",
            str(lung_csv),
            "--time",
            "time",
            "--event",
            "status",
            "--covariates",
            "age,ph.ecog",
            "--strata",
            "sex",
            "--ties",
            "breslow",
        ],
        monkeypatch,
        capsys,
    )
    assert doc["n"] == 227 and doc["n_dropped"] == 1  # one row lacks ph.ecog
    assert doc["n_strata"] == 2 and doc["ties"] == "breslow"
    assert doc["strata"] == ["sex"]


def test_cox_human_output_is_a_table(
    lung_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["cox", str(lung_csv), "--time", "time", "--event", "status", "--covariates", "sex"],
        monkeypatch,
        capsys,
    )
    assert code == 0
    assert "sexmale" in out and "Likelihood ratio test" in out
    assert "concordance" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--time", "days", "--event", "status", "--covariates", "age"], "'days'"),
        (["--time", "time", "--event", "status", "--covariates", "age,weight"], "'weight'"),
        (["--time", "sex", "--event", "status", "--covariates", "age"], "'sex' must be numeric"),
        (["--time", "time", "--event", "age", "--covariates", "sex"], "'age' must be 0"),
        (
            ["--time", "time", "--event", "status", "--covariates", "age", "--ties", "exact"],
            "--ties",
        ),
    ],
)
def test_cox_bad_input_is_one_line_and_exit_2(
    lung_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    fragment: str,
) -> None:
    code, out, err = run(["cox", str(lung_csv), *args, "--json"], monkeypatch, capsys)
    assert code == 2
    assert out == ""
    assert fragment in err
    assert len(err.strip().splitlines()) == 1
    if "ties" not in fragment:
        assert str(lung_csv) in err


def _seed001_csv(tmp_path: Path) -> Path:
    rows = []
    sex = {"imatinib": {"male": 8, "female": 6}, "bsc": {"male": 8, "female": 4}}
    ecog = {"imatinib": {1: 8, 2: 6}, "bsc": {1: 4, 2: 5, 3: 1, 4: 2}}
    for arm in ("imatinib", "bsc"):
        sexes = [s for s, k in sex[arm].items() for _ in range(k)]
        scores = [e for e, k in ecog[arm].items() for _ in range(k)]
        for i, (s, e) in enumerate(zip(sexes, scores, strict=True)):
            rows.append({"arm": arm, "sex": s, "ecog": e, "age": 40 + 2 * i + (arm == "bsc")})
    rows.append({"arm": "bsc", "sex": None, "ecog": 2, "age": None})  # one incomplete row
    path = tmp_path / "seed001.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_table_json_reproduces_seed001_p_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _seed001_csv(tmp_path)
    doc = run_json(
        ["table", str(path), "--by", "arm", "--vars", "sex,ecog,age"], monkeypatch, capsys
    )
    rows = {r["variable"]: r for r in doc["rows"]}
    assert rows["sex"]["test"] == "fisher" and round(rows["sex"]["p"], 3) == 0.701
    assert rows["sex"]["missing"] == {"bsc": 1, "imatinib": 0}
    assert rows["ecog"]["test"] == "fisher"
    # The extra BSC patient (PS 2, sex and age missing) counts for ECOG.
    assert [lv["level"] for lv in rows["ecog"]["levels"]] == ["1", "2", "3", "4"]
    assert rows["ecog"]["levels"][1]["counts"] == {"bsc": 6, "imatinib": 6}
    expected = fisher_exact([[4, 8], [6, 6], [1, 0], [2, 0]]).p
    assert rows["ecog"]["p"] == pytest.approx(expected, rel=1e-12)
    assert rows["age"]["test"] == "wilcoxon" and rows["age"]["kind"] == "continuous"
    assert doc["groups"] == [{"group": "bsc", "n": 13}, {"group": "imatinib", "n": 14}]


def test_table_chisq_option_and_human_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _seed001_csv(tmp_path)
    doc = run_json(
        ["table", str(path), "--by", "arm", "--vars", "sex", "--test", "chisq"],
        monkeypatch,
        capsys,
    )
    assert doc["rows"][0]["test"] == "chisq"
    code, out, _ = run(
        ["table", str(path), "--by", "arm", "--vars", "sex,age"], monkeypatch, capsys
    )
    assert code == 0
    assert "median (range)" in out and "female" in out


def test_table_missing_column_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _seed001_csv(tmp_path)
    code, out, err = run(
        ["table", str(path), "--by", "group", "--vars", "sex", "--json"], monkeypatch, capsys
    )
    assert code == 2 and out == ""
    assert "'group'" in err and str(path) in err
