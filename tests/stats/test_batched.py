"""Batched medians and log-rank tests equal the single-dataset functions exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gistpath.errors import InputError
from gistpath.stats.batched import batched_km_median, batched_log_rank
from gistpath.stats.logrank import log_rank
from gistpath.stats.survival import kaplan_meier


def _simulated(
    n_sets: int, seed: int, max_size: int = 90
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Datasets of varying size, tied day-rounded times, varying censoring; rows shuffled."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, max_size, n_sets)
    dataset = np.repeat(np.arange(n_sets) * 3 - 7, sizes)  # ids need not be 0..n-1
    n = dataset.size
    arm = rng.integers(0, 2, n)
    scale = np.where(arm == 1, 40.0, 25.0)
    time = np.ceil(rng.exponential(scale) * rng.choice([1.0, 0.1], n))
    censoring = rng.uniform(0.0, 0.9, n_sets)[np.repeat(np.arange(n_sets), sizes)]
    event = (rng.random(n) > censoring).astype(int)
    order = rng.permutation(n)
    return time[order], event[order], arm[order], dataset[order]


def _none_to_nan(value: float | None) -> float:
    return np.nan if value is None else value


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batched_medians_equal_single_dataset_medians(conf_type: str, seed: int) -> None:
    time, event, _, dataset = _simulated(400, seed)
    batched = batched_km_median(time, event, dataset, conf_type=conf_type)  # type: ignore[arg-type]
    expected = []
    for d in batched.dataset:
        rows = dataset == d
        median = kaplan_meier(time[rows], event[rows], conf_type=conf_type).median()  # type: ignore[arg-type]
        expected.append([_none_to_nan(v) for v in (median.time, median.lower, median.upper)])
    got = np.column_stack([batched.median, batched.lower, batched.upper])
    np.testing.assert_array_equal(got, np.array(expected))
    np.testing.assert_array_equal(batched.dataset, np.unique(dataset))
    np.testing.assert_array_equal(batched.n, [np.sum(dataset == d) for d in batched.dataset])
    np.testing.assert_array_equal(
        batched.events, [event[dataset == d].sum() for d in batched.dataset]
    )
    # the cases that make medians interesting all occur
    assert np.isnan(batched.median).any() and np.isnan(batched.upper).any()
    assert (batched.median % 1 == 0.5).any()


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_batched_log_rank_equals_single_dataset_log_rank(seed: int) -> None:
    time, event, arm, dataset = _simulated(400, seed)
    batched = batched_log_rank(time, event, arm, dataset)
    checked = 0
    for i, d in enumerate(batched.dataset):
        rows = dataset == d
        if len(np.unique(arm[rows])) < 2:
            assert (batched.chisq[i], batched.df[i], batched.p[i]) == (0.0, 0, 1.0)
            continue
        single = log_rank(time[rows], event[rows], arm[rows])
        assert batched.chisq[i] == single.chisq
        assert batched.p[i] == single.p
        assert batched.df[i] == single.df
        assert list(batched.observed[i]) == [g.observed for g in single.groups]
        assert list(batched.expected[i]) == [g.expected for g in single.groups]
        assert list(batched.n[i]) == [g.n for g in single.groups]
        assert batched.variance[i] == single.variance[1][1]
        checked += 1
    assert checked > 300
    assert (batched.df == 0).any()  # one-arm and no-expected datasets occur too


def test_row_order_does_not_matter() -> None:
    time, event, arm, dataset = _simulated(200, 7)
    first = batched_log_rank(time, event, arm, dataset)
    medians = batched_km_median(time, event, dataset)
    perm = np.random.default_rng(0).permutation(time.size)
    again = batched_log_rank(time[perm], event[perm], arm[perm], dataset[perm])
    medians_again = batched_km_median(time[perm], event[perm], dataset[perm])
    np.testing.assert_array_equal(first.chisq, again.chisq)
    np.testing.assert_array_equal(medians.median, medians_again.median)
    np.testing.assert_array_equal(medians.lower, medians_again.lower)


def test_large_and_negative_dataset_ids() -> None:
    time = np.array([1.0, 2, 3, 4, 5, 6])
    event = np.array([1, 1, 1, 1, 0, 1])
    dataset = np.array([10**12, 10**12, -5, -5, -5, 10**12])
    out = batched_km_median(time, event, dataset)
    np.testing.assert_array_equal(out.dataset, [-5, 10**12])
    assert list(out.median) == [
        kaplan_meier([3, 4, 5], [1, 1, 0]).median().time,
        kaplan_meier([1, 2, 6], [1, 1, 1]).median().time,
    ]


def test_many_datasets_need_more_than_one_radix_pass() -> None:
    rng = np.random.default_rng(11)
    n_sets = 70_000  # > 2**16: the dataset key needs two 16-bit radix passes
    dataset = np.repeat(np.arange(n_sets), 3)
    time = rng.integers(1, 20, dataset.size).astype(float)
    event = np.ones(dataset.size, int)
    out = batched_km_median(time, event, dataset)
    sorted_times = np.sort(time.reshape(n_sets, 3), axis=1)
    np.testing.assert_array_equal(out.median, sorted_times[:, 1])


datasets = st.lists(
    st.tuples(
        st.lists(st.integers(0, 8), min_size=1, max_size=25),
        st.integers(0, 2**32),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(datasets)
def test_property_batched_equals_single(sets: list[tuple[list[int], int]]) -> None:
    times, events, arms, ids = [], [], [], []
    for index, (time, seed) in enumerate(sets):
        rng = np.random.default_rng(seed)
        times.append(np.array(time, float))
        events.append(rng.integers(0, 2, len(time)))
        arms.append(rng.integers(0, 2, len(time)))
        ids.append(np.full(len(time), index))
    time, event, arm, dataset = (np.concatenate(x) for x in (times, events, arms, ids))
    medians = batched_km_median(time, event, dataset)
    for index in range(len(sets)):
        single = kaplan_meier(times[index], events[index]).median()
        got = (medians.median[index], medians.lower[index], medians.upper[index])
        want = tuple(_none_to_nan(v) for v in (single.time, single.lower, single.upper))
        np.testing.assert_array_equal(got, want)
    if len(np.unique(arm)) < 2:
        return
    tests = batched_log_rank(time, event, arm, dataset)
    for index in range(len(sets)):
        if len(np.unique(arms[index])) == 2:
            single_test = log_rank(times[index], events[index], arms[index])
            assert (tests.chisq[index], tests.p[index]) == (single_test.chisq, single_test.p)


def test_bad_input_raises_input_error() -> None:
    with pytest.raises(InputError, match="exactly two groups"):
        batched_log_rank([1, 2, 3], [1, 1, 1], [0, 1, 2], [0, 0, 0])
    with pytest.raises(InputError, match="integer ids"):
        batched_km_median([1, 2], [1, 1], [0.5, 1.5])
    with pytest.raises(InputError, match="one id per row"):
        batched_km_median([1, 2], [1, 1], [0])
    with pytest.raises(InputError, match="event must be 0"):
        batched_km_median([1, 2], [1, 3], [0, 0])
