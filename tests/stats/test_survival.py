"""Kaplan-Meier against R: published R output, our R golden file, peer libraries, properties.

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
from lifelines import KaplanMeierFitter
from statsmodels.duration.survfunc import SurvfuncRight

from gistpath.errors import InputError
from gistpath.stats.survival import (
    KaplanMeier,
    kaplan_meier,
    kaplan_meier_by_group,
    median_follow_up,
    summarize,
)
from support.survival_reference import (
    golden,
    golden_dataset,
    r_array,
    r_value,
    shared_dataset,
    shared_entries,
)

# ---- published R output (shared reference) ----------------------------------------------------

SHARED_KM = shared_entries("km")


def _shared_sample(entry: dict[str, Any]) -> pd.DataFrame:
    """The rows each entry's ``prep`` describes."""
    frame = shared_dataset(entry["loader"])
    subsets = {
        "lung.km.overall": lambda d: d,
        "lung.km.sex1": lambda d: d[d["sex"] == 1],
        "lung.km.sex2": lambda d: d[d["sex"] == 2],
        "g3.km.loglog_ci": lambda d: d[d["group"] != "RIT"],
    }
    if entry["id"] in subsets:
        return subsets[entry["id"]](frame)
    level = int(entry["id"].split("ecog")[1].split(".")[0])
    return frame[frame["ph.ecog"] == level]


def _columns(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "status" in frame:
        return frame["time"].to_numpy(), frame["status"].to_numpy()
    return frame["time"].to_numpy(), frame["event"].to_numpy().astype(int)


def _near(actual: float | None, expected: float | None, tol: dict[str, float]) -> bool:
    if expected is None:
        return actual is None
    if actual is None:
        return False
    bound = tol.get("abs", 0.0) + tol.get("rel", 0.0) * abs(expected)
    return abs(actual - expected) <= bound


def test_every_km_entry_of_the_shared_reference_is_covered() -> None:
    assert {e["id"] for e in SHARED_KM} == {
        "lung.km.overall",
        "lung.km.sex1",
        "lung.km.sex2",
        "lung.km.ecog0",
        "lung.km.ecog1",
        "lung.km.ecog2",
        "lung.km.ecog3",
        "lung.km.ecog2.pointwise",
        "g3.km.loglog_ci",
    }


@pytest.mark.parametrize("entry", SHARED_KM, ids=[e["id"] for e in SHARED_KM])
def test_shared_reference_km(entry: dict[str, Any]) -> None:
    time, event = _columns(_shared_sample(entry))
    conf_type = "log-log" if "log-log" in entry["r_call"] else "log"
    curve = kaplan_meier(time, event, conf_type=conf_type)
    expected, tol = entry["expected"], entry["tol"]
    if "median" in expected:
        assert curve.n == expected["n"]
        assert curve.events == expected["events"]
        median = curve.median()
        assert _near(median.time, expected["median"], tol)
        assert _near(median.lower, expected["lcl"], tol)
        assert _near(median.upper, expected["ucl"], tol)
        for percent in ("25", "75"):
            if f"q{percent}" in expected:
                q = curve.quantile(int(percent) / 100)
                assert _near(q.time, expected[f"q{percent}"], tol)
                assert _near(q.lower, expected[f"q{percent}_lcl"], tol)
                assert _near(q.upper, expected[f"q{percent}_ucl"], tol)
    else:
        rows = curve.at(expected["times"])
        assert [r.time for r in rows] == expected["times"]
        for key in ("surv", "std_err", "lower", "upper"):
            if key in expected:
                got = [getattr(r, key) for r in rows]
                assert all(_near(g, e, tol) for g, e in zip(got, expected[key], strict=True)), key


# ---- our R golden file ----------------------------------------------------------------------

GOLDEN_KM = golden()["km"]
R_FIXED_LOGLOG_NA = tuple(int(x) for x in golden()["survival_version"].split(".")[:2]) < (3, 8)


def _r_label(value: Any) -> str:
    """R's as.character() of a level: 1 not 1.0."""
    if isinstance(value, int | float | np.number) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _golden_curves(
    case: dict[str, Any],
) -> list[tuple[dict[str, Any], KaplanMeier, pd.DataFrame]]:
    frame = golden_dataset(case["dataset"])
    if case["group"] is not None:
        frame = frame[frame[case["group"]].notna()]
    out = []
    for name, expected in (
        case["curves"].items() if isinstance(case["curves"], dict) else enumerate(case["curves"])
    ):
        rows = frame
        if case["group"] is not None:
            labels = frame[case["group"]].map(_r_label)
            rows = frame[labels == expected["group"]]
        else:
            assert name == "all"
        curve = kaplan_meier(rows["time"], rows["status"], conf_type=case["conf_type"])
        out.append((expected, curve, rows))
    return out


def _assert_r_band(
    actual: np.ndarray, expected: list[Any], surv: np.ndarray, conf_type: str
) -> None:
    want = r_array(expected)
    if conf_type == "log-log" and R_FIXED_LOGLOG_NA:
        # survival < 3.8-4 printed a spurious NA for log-log where S = 1 (se = 0); 3.8-4 fixed
        # survfit_confint to return S itself there ("Fix error in survfit_confint that would
        # sometime produce spurious NA", NEWS 3.8-4). We follow the fixed behaviour.
        spurious = np.isnan(want) & (surv == 1.0)
        want = np.where(spurious, 1.0, want)
    np.testing.assert_allclose(actual, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", GOLDEN_KM, ids=[c["id"] for c in GOLDEN_KM])
def test_golden_curve_matches_r_survfit(case: dict[str, Any]) -> None:
    for expected, curve, _ in _golden_curves(case):
        r_curve = expected["curve"]
        assert curve.n == expected["n"]
        assert curve.events == expected["events"]
        np.testing.assert_array_equal(curve.time, r_array(r_curve["time"]))
        for key in ("n_risk", "n_event", "n_censor"):
            np.testing.assert_array_equal(getattr(curve, key), r_array(r_curve[key]), key)
        np.testing.assert_allclose(curve.surv, r_array(r_curve["surv"]), rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(curve.std_err, r_array(r_curve["std_err"]), rtol=1e-12)
        _assert_r_band(curve.lower, r_curve["lower"], curve.surv, case["conf_type"])
        _assert_r_band(curve.upper, r_curve["upper"], curve.surv, case["conf_type"])


@pytest.mark.parametrize("case", GOLDEN_KM, ids=[c["id"] for c in GOLDEN_KM])
def test_golden_median_quantiles_and_follow_up_match_r(case: dict[str, Any]) -> None:
    for expected, curve, rows in _golden_curves(case):
        median = curve.median()
        assert (median.time, median.lower, median.upper) == (
            r_value(expected["median"]),
            r_value(expected["median_lower"]),
            r_value(expected["median_upper"]),
        )
        q = expected["quantile"]
        for i, p in enumerate(q["probs"]):
            got = curve.quantile(p)
            assert (got.time, got.lower, got.upper) == (
                r_value(q["time"][i]),
                r_value(q["lower"][i]),
                r_value(q["upper"][i]),
            ), p
        follow = median_follow_up(rows["time"], rows["status"], conf_type=case["conf_type"])
        r_follow = expected["follow_up"]
        assert (follow.time, follow.lower, follow.upper) == (
            r_value(r_follow["median"]),
            r_value(r_follow["lower"]),
            r_value(r_follow["upper"]),
        )


@pytest.mark.parametrize("case", GOLDEN_KM, ids=[c["id"] for c in GOLDEN_KM])
def test_golden_landmarks_and_restricted_mean_match_r(case: dict[str, Any]) -> None:
    for expected, curve, _ in _golden_curves(case):
        rows = curve.at(case["times"])
        r_at = expected["at"]
        assert [r.time for r in rows] == list(r_array(r_at["time"]))
        for key in ("n_risk", "n_event", "n_censor"):
            assert [getattr(r, key) for r in rows] == list(r_array(r_at[key])), key
        surv = np.array([r.surv for r in rows])
        np.testing.assert_allclose(surv, r_array(r_at["surv"]), rtol=1e-13, atol=1e-16)
        for key in ("std_err", "lower", "upper"):
            got = np.array([np.nan if getattr(r, key) is None else getattr(r, key) for r in rows])
            if key == "std_err":
                np.testing.assert_allclose(got, r_array(r_at[key]), rtol=1e-12, atol=1e-16)
            else:
                _assert_r_band(got, r_at[key], surv, case["conf_type"])
        rmean = curve.restricted_mean(case["tau"])
        assert rmean.rmean == pytest.approx(r_value(expected["rmean"]), rel=1e-12)
        assert rmean.se == pytest.approx(r_value(expected["rmean_se"]), rel=1e-10, abs=1e-15)


def test_golden_file_covers_the_edge_cases_we_claim() -> None:
    ids = {c["id"] for c in GOLDEN_KM}
    for small in ("half_midpoint", "end_flat", "roundoff_100", "last_censored", "ends_at_zero"):
        for conf_type in ("log", "log-log", "plain"):
            assert f"{small}.{conf_type}" in ids


# ---- the R conventions, spelled out -------------------------------------------------------------


def test_median_takes_the_midpoint_when_s_is_exactly_one_half() -> None:
    """Peer doc: R gives 52.5 for veteran trt 2, where lifelines and statsmodels say 52."""
    veteran = golden_dataset("veteran")
    arm = veteran[veteran["trt"] == 2]
    assert kaplan_meier(arm["time"], arm["status"]).median().time == 52.5


def test_median_uses_a_tolerance_for_roundoff() -> None:
    """survfit(Surv(1:100)~1): S after 50 deaths is 0.5 + 1.1e-16, still a flat at 0.5."""
    curve = kaplan_meier(np.arange(1, 101), np.ones(100))
    assert curve.surv[49] != 0.5
    assert curve.median().time == 50.5


def test_print_and_quantile_rules_differ_only_when_the_curve_ends_at_one_half() -> None:
    curve = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 0])
    assert curve.median().time == 2.0
    assert curve.quantile(0.5).time == 3.0


def test_missing_limits_are_none_never_infinite() -> None:
    curve = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 0, 0, 0, 0, 0])
    summary = summarize(curve).to_dict()
    assert summary["median"] is None
    assert summary["median_ci"] == [None, None]
    assert summary["quantiles"] == {"25": None, "75": None}


def test_summary_matches_the_contract_example() -> None:
    lung = shared_dataset("lifelines.datasets.load_lung()")
    curves = kaplan_meier_by_group(lung["time"], lung["status"], lung["sex"])
    assert list(curves) == ["1", "2"]
    out = summarize(curves["1"], group="1").to_dict()
    assert {k: out[k] for k in ("group", "n", "events", "median", "median_ci")} == {
        "group": "1",
        "n": 138,
        "events": 112,
        "median": 270,
        "median_ci": [212, 310],
    }


def test_plain_band_is_undefined_once_everyone_has_died() -> None:
    curve = kaplan_meier([1, 2, 3, 3], [1, 1, 1, 1], conf_type="plain")
    assert np.isinf(curve.std_err[-1])
    assert np.isnan(curve.lower[-1]) and np.isnan(curve.upper[-1])
    assert curve.lower[1] == pytest.approx(0.0100090, abs=1e-7)  # R prints 0.010


def test_landmarks_after_the_last_time_are_left_out_unless_extended() -> None:
    curve = kaplan_meier([1, 2, 3], [1, 0, 1])
    assert [r.time for r in curve.at([2, 10])] == [2.0]
    extended = curve.at([2, 10], extend=True)
    assert [(r.time, r.n_risk, r.surv) for r in extended][1] == (10.0, 0, 0.0)


def test_restricted_mean_equals_the_area_under_the_step_function() -> None:
    rng = np.random.default_rng(7)
    time = np.round(rng.exponential(50, 80))
    event = rng.random(80) < 0.7
    curve = kaplan_meier(time, event)
    tau = 60.0
    grid = np.linspace(0, tau, 600_001)[:-1] + tau / 1_200_000  # midpoints
    index = np.searchsorted(curve.time, grid, side="right") - 1
    step = np.where(index >= 0, curve.surv[np.maximum(index, 0)], 1.0)
    assert curve.restricted_mean(tau).rmean == pytest.approx(step.mean() * tau, abs=1e-3)


# ---- peer libraries where their conventions match ----------------------------------------------


def _lung() -> pd.DataFrame:
    return shared_dataset("lifelines.datasets.load_lung()")


def test_survival_and_loglog_band_agree_with_lifelines() -> None:
    lung = _lung()
    curve = kaplan_meier(lung["time"], lung["status"], conf_type="log-log")
    fitter = KaplanMeierFitter().fit(lung["time"], lung["status"])
    lifelines_surv = fitter.survival_function_.loc[curve.time].to_numpy().ravel()
    np.testing.assert_allclose(curve.surv, lifelines_surv, rtol=1e-12)
    band = fitter.confidence_interval_.loc[curve.time].to_numpy()
    inside = (curve.surv > 0) & (curve.surv < 1)
    np.testing.assert_allclose(curve.lower[inside], band[inside, 0], rtol=1e-9)
    np.testing.assert_allclose(curve.upper[inside], band[inside, 1], rtol=1e-9)


def test_survival_and_greenwood_se_agree_with_statsmodels() -> None:
    lung = _lung()
    curve = kaplan_meier(lung["time"], lung["status"])
    fitted = SurvfuncRight(lung["time"].to_numpy(), lung["status"].to_numpy())
    at_events = np.isin(curve.time, fitted.surv_times)
    np.testing.assert_array_equal(curve.time[at_events], fitted.surv_times)
    np.testing.assert_allclose(curve.surv[at_events], fitted.surv_prob, rtol=1e-12)
    se_of_s = curve.std_err[at_events] * curve.surv[at_events]
    np.testing.assert_allclose(se_of_s, fitted.surv_prob_se, rtol=1e-9)


# ---- properties ---------------------------------------------------------------------------------

samples = st.integers(min_value=1, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 12), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


def _naive_product_limit(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S and Greenwood variance of log S by the textbook definition, one time at a time."""
    surv, var, s, v = [], [], 1.0, 0.0
    for t in np.unique(time):
        at_risk = np.sum(time >= t)
        deaths = np.sum((time == t) & (event == 1))
        if deaths:
            s *= 1 - deaths / at_risk
            v = v + deaths / (at_risk * (at_risk - deaths)) if at_risk > deaths else np.inf
        surv.append(s)
        var.append(v)
    return np.array(surv), np.array(var)


@settings(max_examples=300, deadline=None)
@given(samples, st.sampled_from(["log", "log-log", "plain"]), st.sampled_from([0.0, 0.5]))
def test_curve_matches_the_textbook_definition(
    sample: tuple[list[int], list[int]], conf_type: str, offset: float
) -> None:
    """Offset 0.5 makes the times fractional: the sorting path instead of bincount."""
    time, event = np.array(sample[0], float) + offset, np.array(sample[1])
    curve = kaplan_meier(time, event, conf_type=conf_type)  # type: ignore[arg-type]
    surv, var = _naive_product_limit(time, event)
    np.testing.assert_allclose(curve.surv, surv, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(curve.std_err**2, var, rtol=1e-9)
    assert np.all(np.diff(curve.surv) <= 0)
    defined = ~np.isnan(curve.lower)
    assert np.all(curve.lower[defined] <= curve.surv[defined] + 1e-15)
    assert np.all(curve.upper[defined] >= curve.surv[defined] - 1e-15)
    assert np.all((curve.upper[defined] <= 1) & (curve.lower[defined] >= 0))


@settings(max_examples=300, deadline=None)
@given(samples)
def test_median_is_where_the_curve_first_reaches_one_half(
    sample: tuple[list[int], list[int]],
) -> None:
    time, event = np.array(sample[0], float), np.array(sample[1])
    curve = kaplan_meier(time, event)
    median = curve.median().time
    below = curve.surv < 0.5 + 1e-8
    if not below.any():
        assert median is None
        return
    first = int(np.argmax(below))
    later = np.flatnonzero(curve.surv < curve.surv[first])
    if abs(curve.surv[first] - 0.5) < 1e-8 and later.size:
        assert median == (curve.time[first] + curve.time[later[0]]) / 2
    else:
        assert median == curve.time[first]


# ---- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "event", "message"),
    [
        ([1, 2, 3], [1, 2, 0], "event must be 0"),
        ([1, np.nan, 3], [1, 1, 0], "time must be finite"),
        ([1, np.inf, 3], [1, 1, 0], "time must be finite"),
        ([1, 2], [1, 1, 0], "differ in length"),
        ([], [], "at least one"),
    ],
)
def test_bad_input_raises_input_error(time: list[float], event: list[int], message: str) -> None:
    with pytest.raises(InputError, match=message):
        kaplan_meier(time, event)


def test_bad_options_raise_input_error() -> None:
    with pytest.raises(InputError, match="conf_type"):
        kaplan_meier([1, 2], [1, 0], conf_type="logit")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="conf_level"):
        kaplan_meier([1, 2], [1, 0], conf_level=95)
    with pytest.raises(InputError, match="between 0 and 1"):
        kaplan_meier([1, 2], [1, 0]).quantile(1.5)


def test_whole_number_and_sorting_paths_give_the_same_curve() -> None:
    """Whole-number times are counted with bincount, others by sorting (negative times: by
    binary search): the same curve."""
    lung = _lung()
    whole = kaplan_meier(lung["time"], lung["status"])
    shifts = (
        (lung["time"] + 0.5, 0.5),
        (lung["time"] * 1e9, None),
        (lung["time"] - 5000.5, -5000.5),
    )
    for shifted, offset in shifts:
        other = kaplan_meier(shifted, lung["status"])
        if offset is not None:
            np.testing.assert_array_equal(other.time, whole.time + offset)
        for key in ("n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper"):
            np.testing.assert_array_equal(getattr(other, key), getattr(whole, key), key)
