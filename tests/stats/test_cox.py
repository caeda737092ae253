"""Cox PH against R: the shared reference entries, our own R golden file, and peer libraries.

R calls are quoted in each fixture entry (``r_call``); tests/reference/r_cox_exact.R made
tests/reference/r_cox_exact.json with R's survival package.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter, datasets
from statsmodels.duration.hazard_regression import PHReg

from gistpath.stats.concordance import concordance_counts
from gistpath.stats.cox import fit_cox
from gistpath.stats.design import build_design

SHARED_REFERENCE = Path("/work/shared/reference/r-survival-reference.json")
if not SHARED_REFERENCE.exists():  # shared/ sits beside the clone in CI
    SHARED_REFERENCE = (
        Path(__file__).resolve().parents[3] / "shared" / "reference" / "r-survival-reference.json"
    )
GOLDEN = Path(__file__).resolve().parents[1] / "reference" / "r_cox_exact.json"


@cache
def _shared() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHARED_REFERENCE.read_text())
    return data


@cache
def _golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text())
    return data


@cache
def _dataset(name: str) -> pd.DataFrame:
    loaders = {"lung": datasets.load_lung, "rossi": datasets.load_rossi}
    frame: pd.DataFrame = loaders[name]()
    return frame


SHARED_COX = [e for e in _shared()["survival"] if ".cox." in e["id"]]

# The model behind each shared entry, read off its r_call.
SHARED_MODELS: dict[str, tuple[str, str, list[str], list[str], str]] = {
    "lung.cox.sex": ("time", "status", ["sex"], [], "efron"),
    "lung.cox.age+sex": ("time", "status", ["age", "sex"], [], "efron"),
    "lung.cox.ph.ecog+age": ("time", "status", ["ph.ecog", "age"], [], "efron"),
    "lung.cox.age+sex+ph.ecog": ("time", "status", ["age", "sex", "ph.ecog"], [], "efron"),
    "rossi.cox.efron": (
        "week",
        "arrest",
        ["fin", "age", "race", "wexp", "mar", "paro", "prio"],
        [],
        "efron",
    ),
    "rossi.cox.breslow": (
        "week",
        "arrest",
        ["fin", "age", "race", "wexp", "mar", "paro", "prio"],
        [],
        "breslow",
    ),
    "rossi.cox.strata_race": (
        "week",
        "arrest",
        ["fin", "age", "wexp", "mar", "paro", "prio"],
        ["race"],
        "efron",
    ),
    "rossi.cox.strata4": (
        "week",
        "arrest",
        ["fin", "age", "prio"],
        ["race", "paro", "mar", "wexp"],
        "efron",
    ),
}


def _fit_frame(
    frame: pd.DataFrame,
    time: str,
    event: str,
    covariates: list[str],
    strata: list[str],
    ties: str,
    max_iter: int = 20,
) -> Any:
    columns = {c: frame[c].to_numpy() for c in frame.columns}
    design = build_design(columns, covariates, also_required=[time, event, *strata])
    rows = design.complete
    strata_values = frame.loc[rows, strata].to_numpy() if strata else None
    return fit_cox(
        frame.loc[rows, time].to_numpy(float),
        frame.loc[rows, event].to_numpy(int),
        design.matrix,
        design.names,
        strata=strata_values,
        ties=ties,  # type: ignore[arg-type]
        max_iter=max_iter,
    )


def _close(actual: float | None, expected: float | None, tol: dict[str, float], key: str) -> None:
    if expected is None:
        assert actual is None, key
        return
    assert actual is not None, key
    if key == "concordance":
        assert abs(actual - expected) <= 0.0015, (key, actual, expected)
    elif key == "z":
        assert abs(actual - expected) <= 6e-4, (key, actual, expected)
    elif key in ("lr", "wald", "score") and "abs_tests" in tol:
        assert abs(actual - expected) <= tol["abs_tests"], (key, actual, expected)
    elif key == "coef" and "coef_abs" in tol:
        assert abs(actual - expected) <= tol["coef_abs"], (key, actual, expected)
    elif key == "se" and "se_abs" in tol:
        assert abs(actual - expected) <= tol["se_abs"], (key, actual, expected)
    elif key == "loglik" and "loglik_abs" in tol:
        assert abs(actual - expected) <= tol["loglik_abs"], (key, actual, expected)
    elif "rel" in tol:
        assert abs(actual - expected) <= tol["rel"] * abs(expected), (key, actual, expected)
    elif "abs" in tol:
        assert abs(actual - expected) <= tol["abs"], (key, actual, expected)
    else:  # a key without its own tolerance: printed precision of R's summary
        assert abs(actual - expected) <= 5e-4 * max(abs(expected), 1e-3), (key, actual, expected)


@pytest.mark.parametrize("entry", SHARED_COX, ids=[e["id"] for e in SHARED_COX])
def test_shared_r_reference(entry: dict[str, Any]) -> None:
    time, event, covariates, strata, ties = SHARED_MODELS[entry["id"]]
    result = _fit_frame(_dataset(entry["dataset"]), time, event, covariates, strata, ties)
    expected = entry["expected"]
    tol = entry["tol"]
    coefs = result.coefficients
    per_coefficient = {
        "coef": [c.coef for c in coefs],
        "se": [c.se for c in coefs],
        "hr": [c.hr for c in coefs],
        "hr_lower": [c.hr_ci[0] for c in coefs],
        "hr_upper": [c.hr_ci[1] for c in coefs],
        "z": [c.z for c in coefs],
    }
    scalars = {
        "n": result.n,
        "events": result.events,
        "lr": result.lr.chisq,
        "wald": result.wald.chisq,
        "score": result.score.chisq,
        "concordance": result.concordance,
        "loglik": result.loglik,
    }
    checked = 0
    for key, value in expected.items():
        if key in per_coefficient:
            assert len(value) == len(coefs)
            for got, want in zip(per_coefficient[key], value, strict=True):
                _close(got, want, tol, key)
        elif key in ("n", "events"):
            assert scalars[key] == value
        else:
            _close(scalars[key], value, tol, key)
        checked += 1
    assert checked == len(expected)


GOLDEN_COX = _golden()["cox"]


def _golden_frame(entry: dict[str, Any]) -> pd.DataFrame:
    if entry["dataset"] == "inline":
        return pd.DataFrame(entry["data"])
    return _dataset(entry["dataset"])


@pytest.mark.parametrize("entry", GOLDEN_COX, ids=[e["id"] for e in GOLDEN_COX])
def test_golden_r_cox(entry: dict[str, Any]) -> None:
    result = _fit_frame(
        _golden_frame(entry),
        "time",
        "status",
        entry["covariates"],
        entry["strata"],
        entry["ties"],
        max_iter=entry["iter_max"],
    )
    assert result.n == entry["n"]
    assert result.events == entry["events"]
    assert [c.name for c in result.coefficients] == entry["names"]
    r_warned_no_convergence = any("did not converge" in w for w in entry["warnings"])
    if not r_warned_no_convergence:
        assert result.iterations == entry["iter"]
    separated = entry["id"].startswith("separation")
    for coef, want_b, want_se in zip(result.coefficients, entry["coef"], entry["se"], strict=True):
        if want_b is None:
            assert coef.coef is None and coef.se is None
            continue
        assert coef.coef is not None and coef.se is not None
        if separated and abs(want_b) > 10:
            # Off to infinity: the value at which R stops is arbitrary; the direction is not.
            assert np.sign(coef.coef) == np.sign(want_b) and abs(coef.coef) > 10
            continue
        assert coef.coef == pytest.approx(want_b, rel=1e-7, abs=1e-9)
        if not r_warned_no_convergence:
            # Out of iterations, R inverts an information matrix it did not factorise first
            # (coxfit6.c recomputes imat at the last good beta, then calls chinv2 on it), so
            # its SEs there are not the inverse information; ours are.
            assert coef.se == pytest.approx(want_se, rel=1e-6)
    assert result.loglik_null == pytest.approx(entry["loglik"][0], rel=1e-10)
    assert result.loglik == pytest.approx(entry["loglik"][1], rel=1e-9)
    assert result.score.chisq == pytest.approx(entry["score"], rel=1e-8)
    assert result.lr.chisq == pytest.approx(entry["lr"], rel=1e-6, abs=1e-8)
    assert result.lr.df == entry["df"]
    if not separated and not r_warned_no_convergence:
        assert result.wald.chisq == pytest.approx(entry["wald"], rel=1e-6)
        for coef, lo, hi, p in zip(
            result.coefficients, entry["hr_lower"], entry["hr_upper"], entry["p"], strict=True
        ):
            if lo is None:
                continue
            assert coef.hr_ci[0] == pytest.approx(lo, rel=1e-6)
            assert coef.hr_ci[1] == pytest.approx(hi, rel=1e-6)
            assert coef.p == pytest.approx(p, rel=1e-5)
    want = entry["concordance"]
    got = result.concordance_counts
    assert (got.concordant, got.discordant, got.tied_x, got.tied_y, got.tied_xy) == (
        want["concordant"],
        want["discordant"],
        want["tied_x"],
        want["tied_y"],
        want["tied_xy"],
    )
    assert result.concordance == pytest.approx(want["concordance"], rel=1e-12)
    assert result.converged is not r_warned_no_convergence
    r_warned_infinite = any("may be infinite" in w for w in entry["warnings"])
    assert bool(result.infinite_coefficients) is r_warned_infinite


def test_separation_is_reported_not_silent() -> None:
    entry = next(e for e in GOLDEN_COX if e["id"].startswith("separation"))
    result = _fit_frame(_golden_frame(entry), "time", "status", ["treated", "age"], [], "efron")
    assert result.infinite_coefficients == ("treated",)
    assert any("treated" in w and "infinite" in w for w in result.warnings)
    assert result.coefficient("treated").coef is not None
    assert result.coefficient("treated").coef < -10  # type: ignore[operator]


def test_collinear_covariate_is_na_with_warning() -> None:
    entry = next(e for e in GOLDEN_COX if e["id"] == "ties.efron.collinear")
    result = _fit_frame(_golden_frame(entry), "time", "status", entry["covariates"], [], "efron")
    assert result.aliased == ("arm_plus_score",)
    assert result.to_dict()["coefficients"][2]["coef"] is None
    assert any("arm_plus_score" in w for w in result.warnings)


def _rossi() -> tuple[pd.DataFrame, list[str]]:
    return _dataset("rossi"), ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


def test_breslow_agrees_with_statsmodels_phreg() -> None:
    frame, covariates = _rossi()
    ours = _fit_frame(frame, "week", "arrest", covariates, [], "breslow")
    peer = PHReg(frame["week"], frame[covariates], status=frame["arrest"], ties="breslow").fit()
    np.testing.assert_allclose([c.coef for c in ours.coefficients], peer.params, rtol=1e-6)
    np.testing.assert_allclose([c.se for c in ours.coefficients], peer.bse, rtol=1e-5)
    assert ours.loglik == pytest.approx(peer.llf, rel=1e-9)


def test_stratified_efron_agrees_with_statsmodels_phreg() -> None:
    frame, covariates = _rossi()
    kept = [c for c in covariates if c != "race"]
    ours = _fit_frame(frame, "week", "arrest", kept, ["race"], "efron")
    peer = PHReg(
        frame["week"], frame[kept], status=frame["arrest"], strata=frame["race"], ties="efron"
    ).fit()
    np.testing.assert_allclose([c.coef for c in ours.coefficients], peer.params, rtol=1e-6)
    assert ours.loglik == pytest.approx(peer.llf, rel=1e-9)


def test_efron_agrees_with_lifelines() -> None:
    frame, covariates = _rossi()
    ours = _fit_frame(frame, "week", "arrest", covariates, [], "efron")
    peer = CoxPHFitter().fit(frame, duration_col="week", event_col="arrest")
    np.testing.assert_allclose(
        [c.coef for c in ours.coefficients], peer.params_[covariates], rtol=1e-5
    )
    np.testing.assert_allclose(
        [c.se for c in ours.coefficients], peer.standard_errors_[covariates], rtol=1e-4
    )
    assert ours.loglik == pytest.approx(peer.log_likelihood_, rel=1e-8)


def test_result_dictionary_matches_the_cli_contract() -> None:
    result = _fit_frame(_dataset("lung"), "time", "status", ["age", "sex"], [], "efron")
    document = result.to_dict()
    assert {"n", "events", "loglik", "concordance", "coefficients", "tests"} <= set(document)
    assert set(document["tests"]) == {"wald", "lr", "score"}
    assert set(document["tests"]["wald"]) == {"chisq", "df", "p"}
    first = document["coefficients"][0]
    assert {"name", "coef", "se", "hr", "hr_ci", "p"} <= set(first)
    assert first["name"] == "age"
    assert first["hr_ci"][0] < first["hr"] < first["hr_ci"][1]
    json.dumps(document)


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="event must be 0"):
        fit_cox([1.0, 2.0], [1, 2], [0.0, 1.0])
    with pytest.raises(ValueError, match="no events"):
        fit_cox([1.0, 2.0], [0, 0], [0.0, 1.0])
    with pytest.raises(ValueError, match="finite"):
        fit_cox([1.0, float("nan")], [1, 0], [0.0, 1.0])


def _brute_force_concordance(
    time: np.ndarray, event: np.ndarray, score: np.ndarray, strata: np.ndarray
) -> tuple[int, int, int]:
    concordant = discordant = tied = 0
    for i in range(time.shape[0]):
        if not event[i]:
            continue
        for j in range(time.shape[0]):
            if strata[i] != strata[j]:
                continue
            later = time[j] > time[i] or (time[j] == time[i] and not event[j])
            if not later:
                continue
            if score[i] > score[j]:
                concordant += 1
            elif score[i] < score[j]:
                discordant += 1
            else:
                tied += 1
    return concordant, discordant, tied


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 6), st.booleans(), st.integers(-3, 3), st.integers(0, 2)),
        min_size=1,
        max_size=40,
    )
)
def test_concordance_matches_the_pairwise_definition(
    rows: list[tuple[int, bool, int, int]],
) -> None:
    time = np.array([r[0] for r in rows], dtype=float)
    event = np.array([r[1] for r in rows])
    score = np.array([r[2] for r in rows], dtype=float)
    strata = np.array([r[3] for r in rows])
    counts = concordance_counts(time, event, score, strata)
    assert (counts.concordant, counts.discordant, counts.tied_x) == _brute_force_concordance(
        time, event, score, strata
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_row_order_does_not_change_the_fit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    x = rng.normal(size=(n, 2))
    time = rng.integers(1, 12, n).astype(float)
    event = rng.random(n) < 0.7
    event[0] = True
    strata = rng.integers(0, 2, n)
    first = fit_cox(time, event.astype(int), x, strata=strata)
    perm = rng.permutation(n)
    second = fit_cox(time[perm], event[perm].astype(int), x[perm], strata=strata[perm])
    assert first.loglik == pytest.approx(second.loglik, rel=1e-12, abs=1e-12)
    for a, b in zip(first.coefficients, second.coefficients, strict=True):
        assert a.coef == pytest.approx(b.coef, rel=1e-8, abs=1e-10)
    assert first.concordance == second.concordance


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.1, 1e9, allow_nan=False),
            st.booleans(),
            st.integers(-2, 2),
            st.integers(0, 1),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_concordance_with_continuous_or_far_apart_times(
    rows: list[tuple[float, bool, int, int]],
) -> None:
    # Non-integer or widely spread times and many strata take the sorting paths instead of
    # direct counting.
    time = np.array([r[0] for r in rows])
    event = np.array([r[1] for r in rows])
    score = np.array([r[2] for r in rows], dtype=float)
    strata = np.array([r[3] for r in rows])
    counts = concordance_counts(time, event, score, strata)
    assert (counts.concordant, counts.discordant, counts.tied_x) == _brute_force_concordance(
        time, event, score, strata
    )


def test_design_codes_text_and_booleans_like_r_formulas() -> None:
    columns = {
        "site": np.array(["stomach", "colon", None, "small_bowel", "colon"], dtype=object),
        "prior_surgery": np.array([True, False, True, True, False]),
        "age": np.array([61.0, 55.0, 70.0, float("nan"), 48.0]),
    }
    design = build_design(columns, ["site", "prior_surgery", "age"])
    # Levels come from the complete rows (R turns text into factors after na.omit), so
    # small_bowel, seen only in a row without age, is not a level.
    assert design.names == ("sitestomach", "prior_surgeryTRUE", "age")
    assert design.dropped == 2  # one missing site, one missing age
    np.testing.assert_array_equal(design.matrix, [[1, 1, 61], [0, 0, 55], [0, 0, 48]])
    assert design.levels == {"site": ("colon", "stomach"), "prior_surgery": ("FALSE", "TRUE")}
    with pytest.raises(ValueError, match="fewer than two levels"):
        build_design({"sex": np.array(["m", "m"], dtype=object)}, ["sex"])
