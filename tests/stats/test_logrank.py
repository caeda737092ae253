"""Log-rank / G-rho tests against R: published output, our R golden file, statsmodels, properties.

R calls are quoted in each reference entry (``r_call``); tests/reference/r_km_logrank.R made
tests/reference/r_km_logrank.json with R's survival package.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.duration.survfunc import survdiff

from gistpath.errors import InputError
from gistpath.stats.logrank import log_rank
from support.survival_reference import (
    golden,
    golden_dataset,
    r_array,
    shared_dataset,
    shared_entries,
)

# ---- published R output (shared reference) ----------------------------------------------------

SHARED_LOGRANK = shared_entries("logrank")

# time, event, group, strata, columns that must be complete (the entry's ``prep``)
SHARED_MODELS: dict[str, tuple[str, str, str, str | None, list[str]]] = {
    "lung.logrank.sex": ("time", "status", "sex", None, []),
    "lung.logrank.patkarno_strata_inst": (
        "time",
        "status",
        "pat.karno",
        "inst",
        ["pat.karno", "inst"],
    ),
    "rossi.logrank.race": ("week", "arrest", "race", None, []),
    "dd.logrank.regime": ("duration", "observed", "regime", None, []),
    "g3.logrank.group": ("time", "event", "group", None, []),
}


def test_every_logrank_entry_of_the_shared_reference_is_covered() -> None:
    assert {e["id"] for e in SHARED_LOGRANK} == set(SHARED_MODELS)


@pytest.mark.parametrize("entry", SHARED_LOGRANK, ids=[e["id"] for e in SHARED_LOGRANK])
def test_shared_reference_logrank(entry: dict[str, Any]) -> None:
    time, event, group, strata, complete = SHARED_MODELS[entry["id"]]
    frame = shared_dataset(entry["loader"])
    if complete:
        frame = frame.dropna(subset=complete)
    result = log_rank(
        frame[time],
        frame[event].astype(int),
        frame[group],
        strata=None if strata is None else frame[strata],
    )
    expected, tol = entry["expected"], entry["tol"]

    def near(actual: float, wanted: float) -> bool:
        return abs(actual - wanted) <= tol.get("abs", 0.0) + tol.get("rel", 0.0) * abs(wanted)

    if "n" in expected:
        assert sum(g.n for g in result.groups) == expected["n"]
    if "df" in expected:
        assert result.df == expected["df"]
    for key in ("chisq", "p"):
        if key in expected:
            assert near(getattr(result, key), expected[key]), key
    for key in ("observed", "expected"):
        if key in expected:
            got = [getattr(g, key) for g in result.groups]
            assert all(near(a, b) for a, b in zip(got, expected[key], strict=True)), key


# ---- our R golden file ----------------------------------------------------------------------

GOLDEN_LOGRANK = golden()["logrank"]


def _golden_frame(case: dict[str, Any]) -> pd.DataFrame:
    frame = golden_dataset(case["dataset"])
    used = ["time", "status", case["group"], *case["strata"]]
    return frame.dropna(subset=used)


def _strata(frame: pd.DataFrame, columns: list[str]) -> pd.Series | None:
    if not columns:
        return None
    return frame[columns].astype(str).agg("|".join, axis=1)


@pytest.mark.parametrize("case", GOLDEN_LOGRANK, ids=[c["id"] for c in GOLDEN_LOGRANK])
def test_golden_survdiff(case: dict[str, Any]) -> None:
    frame = _golden_frame(case)
    result = log_rank(
        frame["time"],
        frame["status"],
        frame[case["group"]],
        strata=_strata(frame, case["strata"]),
        rho=case["rho"],
    )
    assert len(frame) == case["n_used"]
    assert [g.group for g in result.groups] == case["levels"]
    assert [g.n for g in result.groups] == list(r_array(case["n"]))
    np.testing.assert_allclose([g.observed for g in result.groups], case["observed"], rtol=1e-12)
    np.testing.assert_allclose(
        [g.expected for g in result.groups], case["expected"], rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(result.variance, case["variance"], rtol=1e-11, atol=1e-12)
    assert result.df == case["df"]
    assert result.chisq == pytest.approx(case["chisq"], rel=1e-11)
    assert result.p == pytest.approx(case["p"], rel=1e-9)
    assert result.stratified == bool(case["strata"])


def test_golden_file_covers_the_cases_we_claim() -> None:
    cases = {c["id"]: c for c in GOLDEN_LOGRANK}
    assert any(c["strata"] and c["rho"] == 0 for c in cases.values())
    assert any(c["strata"] and c["rho"] == 1 for c in cases.values())
    assert any(len(c["levels"]) >= 4 for c in cases.values())
    assert cases["no_expected.arm"]["df"] == 1  # a group with no expected events is dropped


# ---- statsmodels (float64, same hypergeometric variance) ------------------------------------


@pytest.mark.parametrize(
    ("dataset", "group", "strata"),
    [
        ("lung", "sex", None),
        ("lung", "ph.ecog", None),
        ("veteran", "celltype", None),
        ("veteran", "trt", "celltype"),
        ("ties", "arm", "site"),
        ("trial", "arm", "stratum"),
    ],
)
def test_agrees_with_statsmodels_survdiff(dataset: str, group: str, strata: str | None) -> None:
    frame = golden_dataset(dataset).dropna(subset=[group])
    ours = log_rank(
        frame["time"],
        frame["status"],
        frame[group],
        strata=None if strata is None else frame[strata],
    )
    chisq, p = survdiff(
        frame["time"].to_numpy(),
        frame["status"].to_numpy(),
        frame[group].to_numpy(),
        strata=None if strata is None else frame[strata].to_numpy(),
    )
    assert ours.chisq == pytest.approx(chisq, rel=1e-10)
    assert ours.p == pytest.approx(p, rel=1e-8)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # inside statsmodels
def test_peto_weights_agree_with_statsmodels_fleming_harrington() -> None:
    frame = golden_dataset("veteran")
    ours = log_rank(frame["time"], frame["status"], frame["trt"], rho=1.0)
    chisq, _ = survdiff(
        frame["time"].to_numpy(),
        frame["status"].to_numpy(),
        frame["trt"].to_numpy(),
        weight_type="fh",
        fh_p=1.0,
    )
    assert ours.chisq == pytest.approx(chisq, rel=1e-10)


def test_no_integer_overflow_with_many_tied_rows() -> None:
    """scipy.stats.logrank overflows int64 here (peer doc: wrong from about 3-4e5 tied rows)."""
    rng = np.random.default_rng(2024)
    n = 400_000
    time = np.round(rng.exponential(300, n))
    event = rng.random(n) < 0.7
    arm = rng.integers(0, 2, n)
    time[arm == 1] = np.round(time[arm == 1] * 1.01)
    ours = log_rank(time, event, arm)
    chisq, _ = survdiff(time, event.astype(int), arm)
    assert ours.chisq == pytest.approx(chisq, rel=1e-9)
    assert np.isfinite(ours.variance).all()


# ---- properties ---------------------------------------------------------------------------------

samples = st.integers(min_value=2, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 10), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(0, 2), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


def _naive_two_group(time: np.ndarray, event: np.ndarray, second: np.ndarray) -> float:
    """(O - E)^2 / V for the second group, one event time at a time (textbook formula)."""
    o_minus_e, var = 0.0, 0.0
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        n, n2 = at_risk.sum(), (at_risk & second).sum()
        d = ((time == t) & (event == 1)).sum()
        d2 = ((time == t) & (event == 1) & second).sum()
        o_minus_e += d2 - d * n2 / n
        if n > 1:
            var += d * (n2 / n) * (1 - n2 / n) * (n - d) / (n - 1)
    return o_minus_e**2 / var if var > 0 else 0.0


@settings(max_examples=300, deadline=None)
@given(samples, st.sampled_from([0.0, 0.5]))
def test_two_groups_match_the_textbook_statistic(
    sample: tuple[list[int], ...], offset: float
) -> None:
    """Offset 0.5 makes the times fractional: the sorting path instead of bincount."""
    time, event, group = (np.array(x) for x in sample[:3])
    time = time + offset
    group = group % 2
    if len(np.unique(group)) < 2:
        return
    result = log_rank(time, event, group)
    expected = _naive_two_group(time.astype(float), event, group == 1)
    if result.df == 1:
        assert result.chisq == pytest.approx(expected, rel=1e-9, abs=1e-12)
    else:  # a group without expected events: R reports chi-square 0 on 0 df, p = 1
        assert (result.chisq, result.p) == (0.0, 1.0)


@settings(max_examples=300, deadline=None)
@given(samples, st.sampled_from([0.0, 0.5, 1.0]), st.sampled_from([0.0, 0.5]))
def test_structure_of_the_statistic(
    sample: tuple[list[int], ...], rho: float, offset: float
) -> None:
    time, event, group, stratum = (np.array(x) for x in sample)
    time = time + offset
    if len(np.unique(group)) < 2:
        return
    result = log_rank(time, event, group, strata=stratum, rho=rho)
    variance = np.array(result.variance)
    observed = np.array([g.observed for g in result.groups])
    expected = np.array([g.expected for g in result.groups])
    assert observed.sum() == pytest.approx(expected.sum(), abs=1e-9)
    if rho == 0:
        assert observed.sum() == event.sum()
    np.testing.assert_allclose(variance, variance.T, atol=1e-12)
    np.testing.assert_allclose(variance.sum(axis=1), 0.0, atol=1e-12)
    assert np.linalg.eigvalsh(variance).min() > -1e-10
    assert result.chisq >= -1e-12
    # order of rows and names of groups do not matter
    perm = np.random.default_rng(len(time)).permutation(len(time))
    again = log_rank(time[perm], event[perm], 10 - group[perm], strata=stratum[perm], rho=rho)
    assert again.chisq == pytest.approx(result.chisq, rel=1e-9, abs=1e-12)


def test_one_stratum_equals_no_strata() -> None:
    frame = golden_dataset("veteran")
    plain = log_rank(frame["time"], frame["status"], frame["celltype"])
    one = log_rank(frame["time"], frame["status"], frame["celltype"], strata=np.zeros(len(frame)))
    assert (one.chisq, one.df, one.p) == (plain.chisq, plain.df, plain.p)
    assert one.stratified and not plain.stratified


def test_to_dict_follows_the_contract() -> None:
    lung = shared_dataset("lifelines.datasets.load_lung()")
    out = log_rank(lung["time"], lung["status"], lung["sex"]).to_dict()
    assert (out["test"], out["stratified"], out["df"]) == ("logrank", False, 1)
    assert round(out["chisq"], 2) == 10.33 and round(out["p"], 4) == 0.0013
    first = out["groups"][0]
    assert (first["group"], first["n"], first["observed"]) == ("1", 138, 112)
    assert round(first["expected"], 2) == 91.58


def test_bad_input_raises_input_error() -> None:
    with pytest.raises(InputError, match="at least two groups"):
        log_rank([1, 2, 3], [1, 1, 0], [1, 1, 1])
    with pytest.raises(InputError, match="group has 2 values"):
        log_rank([1, 2, 3], [1, 1, 0], [1, 2])
    with pytest.raises(InputError, match="rho"):
        log_rank([1, 2, 3], [1, 1, 0], [1, 2, 1], rho=float("nan"))


# ---- the counting paths agree --------------------------------------------------------------------


@pytest.mark.parametrize("strata", [False, True])
def test_whole_number_and_sorting_paths_give_the_same_test(strata: bool) -> None:
    """Whole-number times are counted with bincount, others by sorting: same counts, same test."""
    frame = golden_dataset("trial")
    stratum = frame["stratum"] if strata else None
    whole = log_rank(frame["time"], frame["status"], frame["arm"], strata=stratum)
    fractional = log_rank(frame["time"] + 0.25, frame["status"], frame["arm"], strata=stratum)
    wide = log_rank(frame["time"] * 1e6, frame["status"], frame["arm"], strata=stratum)
    negative = log_rank(frame["time"] - 1e4 - 0.5, frame["status"], frame["arm"], strata=stratum)
    for other in (fractional, wide, negative):
        assert (other.chisq, other.p, other.variance) == (whole.chisq, whole.p, whole.variance)
        assert other.groups == whole.groups


@pytest.mark.parametrize(
    "group",
    [
        np.array([3, 3, 9, 9, 9, 3, 9, 3]),  # integer levels with gaps
        np.array([-2, -2, 5, 5, 5, -2, 5, -2]),  # negative levels
        np.array([False, False, True, True, True, False, True, False]),
        np.array([0.5, 0.5, 2.0, 2.0, 2.0, 0.5, 2.0, 0.5]),
        np.array(["b", "b", "a", "a", "a", "b", "a", "b"]),
    ],
)
def test_group_values_of_any_kind(group: np.ndarray) -> None:
    time = [1, 2, 3, 4, 5, 6, 7, 8]
    event = [1, 1, 1, 0, 1, 1, 1, 0]
    reference = log_rank(time, event, np.array([0, 0, 1, 1, 1, 0, 1, 0]))
    result = log_rank(time, event, group)
    labels = sorted(set(group.tolist()))
    assert [g.group for g in result.groups] == [
        str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in labels
    ]
    if labels[0] == group[0]:
        assert result.chisq == reference.chisq
    else:
        assert result.chisq == pytest.approx(reference.chisq, rel=1e-12)
