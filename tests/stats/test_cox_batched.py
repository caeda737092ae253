"""The batched arm hazard ratio equals the single-data-set Cox fit (itself checked against R)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gistpath.stats.cox import fit_cox
from gistpath.stats.cox_batched import cox_hr_batched


def _simulated_trials(
    seed: int, n_datasets: int, n: int, *, log_hr: float = -0.6
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    dataset = np.repeat(np.arange(n_datasets), n)
    arm = rng.integers(0, 2, n_datasets * n)
    stratum = rng.integers(0, 3, n_datasets * n)
    event_time = np.ceil(rng.exponential(12.0 * np.exp(-log_hr * arm)))
    censor = np.ceil(rng.uniform(2.0, 30.0, n_datasets * n))
    return {
        "time": np.minimum(event_time, censor),
        "event": (event_time <= censor).astype(int),
        "arm": arm,
        "dataset": dataset,
        "stratum": stratum,
    }


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("stratified", [False, True])
def test_batched_equals_single_fits(ties: str, stratified: bool) -> None:
    data = _simulated_trials(11, 60, 81)
    strata = data["stratum"] if stratified else None
    batch = cox_hr_batched(
        data["time"], data["event"], data["arm"], data["dataset"], strata=strata, ties=ties
    )  # type: ignore[arg-type]
    assert batch.coef.shape == (60,)
    for i in range(60):
        rows = data["dataset"] == i
        single = fit_cox(
            data["time"][rows],
            data["event"][rows],
            data["arm"][rows],
            ["arm"],
            strata=None if strata is None else strata[rows],
            ties=ties,  # type: ignore[arg-type]
        )
        arm = single.coefficients[0]
        assert batch.coef[i] == pytest.approx(arm.coef, rel=1e-10, abs=1e-12)
        assert batch.se[i] == pytest.approx(arm.se, rel=1e-10)
        assert batch.loglik[i] == pytest.approx(single.loglik, rel=1e-12)
        assert batch.loglik_null[i] == pytest.approx(single.loglik_null, rel=1e-12)
        assert batch.score_chisq[i] == pytest.approx(single.score.chisq, rel=1e-10)
        assert batch.iterations[i] == single.iterations
        assert batch.converged[i] == single.converged
        assert batch.events[i] == single.events
        lower, upper = batch.hr_ci()
        assert lower[i] == pytest.approx(arm.hr_ci[0], rel=1e-9)
        assert upper[i] == pytest.approx(arm.hr_ci[1], rel=1e-9)
        assert batch.wald_p[i] == pytest.approx(arm.p, rel=1e-8)


def test_separated_trial_is_flagged_like_the_single_fit() -> None:
    # Trial 0: no event in the treated arm, so the coefficient runs off to -infinity.
    time = np.array([3, 5, 6, 8, 9, 11, 4, 7, 10, 12, 2, 15, 6, 9, 14, 3], dtype=float)
    event = np.array([1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1])
    arm = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0])
    dataset = np.array([0] * 10 + [1] * 6)
    batch = cox_hr_batched(time, event, arm, dataset)
    single = fit_cox(time[:10], event[:10], arm[:10], ["arm"])
    assert single.infinite_coefficients == ("arm",)
    assert bool(batch.infinite[0]) and not bool(batch.infinite[1])
    # Running off to infinity, the stopping point is arbitrary to rounding; the sign is not.
    assert batch.coef[0] == pytest.approx(single.coefficients[0].coef, rel=1e-6)
    assert batch.coef[0] < -5
    assert batch.iterations[0] == single.iterations


def test_constant_arm_or_no_event_gives_nan_not_a_number_made_up() -> None:
    time = np.array([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    event = np.array([1, 0, 1, 1, 0, 0, 0, 0, 1, 1])
    arm = np.array([1, 1, 1, 1, 0, 1, 0, 1, 0, 1])
    dataset = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
    batch = cox_hr_batched(time, event, arm, dataset, n_datasets=4)
    assert np.isnan(batch.coef[0])  # every subject treated: R reports NA
    assert np.isnan(batch.coef[1])  # no event
    assert np.isfinite(batch.coef[2])
    assert np.isnan(batch.coef[3])  # empty data set
    assert batch.n.tolist() == [4, 4, 2, 0]
    assert batch.events.tolist() == [3, 0, 2, 0]
    document = batch.to_dict()
    assert document["coef"][0] is None and document["hr"][1] is None


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        cox_hr_batched([1.0, 2.0], [1, 0], [0, 2], [0, 0])
    with pytest.raises(ValueError, match="integer"):
        cox_hr_batched([1.0, 2.0], [1, 0], [0, 1], [0.0, 0.0])
    with pytest.raises(ValueError, match="same length"):
        cox_hr_batched([1.0, 2.0], [1, 0], [0, 1], [0])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from(["efron", "breslow"]))
def test_batched_equals_single_on_random_small_trials(seed: int, ties: str) -> None:
    data = _simulated_trials(seed, 5, 12, log_hr=1.5)
    batch = cox_hr_batched(data["time"], data["event"], data["arm"], data["dataset"], ties=ties)  # type: ignore[arg-type]
    for i in range(5):
        rows = data["dataset"] == i
        arm = data["arm"][rows]
        if data["event"][rows].sum() == 0 or arm.min() == arm.max():
            assert np.isnan(batch.coef[i])
            continue
        single = fit_cox(data["time"][rows], data["event"][rows], arm, ["arm"], ties=ties)  # type: ignore[arg-type]
        infinite = bool(single.infinite_coefficients)
        assert bool(batch.infinite[i]) == infinite
        # Off to infinity (monotone likelihood) the stopping point is arbitrary to rounding.
        tolerance = 1e-6 if infinite else 1e-9
        assert batch.coef[i] == pytest.approx(single.coefficients[0].coef, rel=tolerance, abs=1e-12)
        assert batch.converged[i] == single.converged
