"""Kaplan-Meier medians and two-group log-rank tests for many datasets at once (simulation).

Why our own: calling any survival library once per simulated trial spends minutes in per-call
overhead. Here all datasets go through one sort by (dataset, time), segment counts and sums
(``np.bincount``, which adds in input order) and one cumulative product over a (datasets x
distinct times) table, with no Python loop over datasets. The arithmetic is the same element-wise
code as :mod:`gistpath.stats.survival` and :mod:`gistpath.stats.logrank`, summed in the same
order, so each batched value equals the single-dataset value exactly.

The table is padded to the largest dataset, so the method suits many datasets of similar size
(simulated trials); for one large dataset use the single-dataset functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import chdtrc

from gistpath.errors import InputError
from gistpath.stats._counting import (
    BoolArray,
    FloatArray,
    IntArray,
    as_survival_arrays,
    group_codes,
)
from gistpath.stats._km_math import (
    ConfType,
    check_conf_type,
    confidence_band,
    first_below_half,
    survival_and_log_se,
    z_value,
)
from gistpath.stats.logrank import variance_terms

__all__ = ["BatchedLogRank", "BatchedMedians", "batched_km_median", "batched_log_rank"]

_RADIX_BITS = 16


@dataclass(frozen=True, eq=False)
class BatchedMedians:
    """Per dataset: size, events, and the Kaplan-Meier median with its CI (NaN = R's NA)."""

    dataset: NDArray[np.int64]
    n: NDArray[np.int64]
    events: NDArray[np.int64]
    median: FloatArray
    lower: FloatArray
    upper: FloatArray


@dataclass(frozen=True, eq=False)
class BatchedLogRank:
    """Per dataset: the two-group log-rank test; columns of the 2-D fields are the groups."""

    dataset: NDArray[np.int64]
    groups: tuple[str, str]
    n: NDArray[np.int64]
    observed: FloatArray
    expected: FloatArray
    variance: FloatArray
    chisq: FloatArray
    df: NDArray[np.int64]
    p: FloatArray


@dataclass(frozen=True, eq=False)
class _Rows:
    """Sorted observations collapsed to one row per (dataset, distinct time)."""

    key: IntArray
    time: FloatArray
    first: IntArray
    n_risk: FloatArray
    n_event: FloatArray
    sorted_order: IntArray
    row_of_observation: IntArray


def batched_km_median(
    time: ArrayLike,
    event: ArrayLike,
    dataset: ArrayLike,
    *,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
) -> BatchedMedians:
    """Kaplan-Meier median and CI (R ``print.survfit`` rule) of every dataset.

    ``dataset`` holds an integer id per row; results come in increasing id order. For one
    median per arm of each trial, pass ``dataset = trial * 2 + arm``.
    """
    kind = check_conf_type(conf_type)
    z = z_value(conf_level)
    times, events = as_survival_arrays(time, event)
    ids, key = _dataset_codes(dataset, times.size)
    rows = _collapse(key, ids.size, times, events)
    position = np.arange(rows.key.size) - rows.first[rows.key]
    width = int(position.max()) + 1 if position.size else 1
    shape = (ids.size, width)
    valid = np.zeros(shape, dtype=bool)
    valid[rows.key, position] = True
    grid_time = np.full(shape, np.nan)
    grid_time[rows.key, position] = rows.time
    n_risk = np.ones(shape)
    n_risk[rows.key, position] = rows.n_risk
    n_event = np.zeros(shape)
    n_event[rows.key, position] = rows.n_event
    surv, log_se = survival_and_log_se(n_risk, n_event, axis=1)
    lower, upper = confidence_band(surv, log_se, kind, z)
    return BatchedMedians(
        dataset=ids,
        n=np.bincount(key, minlength=ids.size).astype(np.int64),
        events=_weighted_count(key, weights=events, minlength=ids.size).astype(np.int64),
        median=first_below_half(surv, grid_time, valid),
        lower=first_below_half(lower, grid_time, valid),
        upper=first_below_half(upper, grid_time, valid),
    )


def batched_log_rank(
    time: ArrayLike, event: ArrayLike, group: ArrayLike, dataset: ArrayLike
) -> BatchedLogRank:
    """Two-group log-rank test (R ``survdiff``, rho = 0) of every dataset.

    ``group`` has exactly two distinct values over all rows; the second in sorted order is the
    one R's chi-square is formed from. A dataset in which one group has no expected events gets
    chi-square 0 on 0 df and p = 1 (R's ``pchisq(0, 0, lower.tail=FALSE)``).
    """
    times, events = as_survival_arrays(time, event)
    codes, labels = group_codes(group)
    if codes.size != times.size:
        raise InputError(f"group has {codes.size} values but time has {times.size}")
    if len(labels) != 2:
        raise InputError(f"the batched log-rank test needs exactly two groups (got {len(labels)})")
    ids, key = _dataset_codes(dataset, times.size)
    rows = _collapse(key, ids.size, times, events)
    in_second = codes[rows.sorted_order] == 1
    second_count = _weighted_count(rows.row_of_observation, weights=in_second)
    second_deaths = _weighted_count(
        rows.row_of_observation, weights=in_second & events[rows.sorted_order]
    )
    second_risk = _remaining_at_risk(second_count, rows, key, codes == 1)
    total, deaths = rows.n_risk, rows.n_event
    first_risk = total - second_risk
    n_sets = ids.size
    expected = np.column_stack(
        [
            _weighted_count(rows.key, weights=deaths * first_risk / total, minlength=n_sets),
            _weighted_count(rows.key, weights=deaths * second_risk / total, minlength=n_sets),
        ]
    )
    observed_second = _weighted_count(rows.key, weights=second_deaths, minlength=n_sets)
    observed_all = _weighted_count(rows.key, weights=deaths, minlength=n_sets)
    observed = np.column_stack([observed_all - observed_second, observed_second])
    tmp = variance_terms(deaths, second_risk, total, deaths)
    variance = _weighted_count(rows.key, weights=tmp - tmp * second_risk / total, minlength=n_sets)
    both = (expected[:, 0] > 0) & (expected[:, 1] > 0)
    diff = observed[:, 1] - expected[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        chisq = np.where(both & (variance != 0), (diff / variance) * diff, 0.0)
    df = both.astype(np.int64)
    p = np.where(both, chdtrc(1.0, chisq), 1.0)
    n = np.column_stack([np.bincount(key[codes == k], minlength=n_sets) for k in (0, 1)]).astype(
        np.int64
    )
    return BatchedLogRank(
        dataset=ids,
        groups=(labels[0], labels[1]),
        n=n,
        observed=observed,
        expected=expected,
        variance=variance,
        chisq=chisq,
        df=df,
        p=p,
    )


def _remaining_at_risk(
    count: FloatArray, rows: _Rows, key: IntArray, member: BoolArray
) -> FloatArray:
    """Members still at risk at each row: their dataset total minus those at earlier times."""
    totals = _weighted_count(key, weights=member, minlength=rows.first.size)
    before = np.cumsum(count) - count
    return totals[rows.key] - (before - before[rows.first][rows.key])


def _weighted_count(index: IntArray, weights: ArrayLike, minlength: int = 0) -> FloatArray:
    """``np.bincount`` with weights: sums per index, added strictly in input order."""
    return np.asarray(np.bincount(index, weights=weights, minlength=minlength), dtype=np.float64)


def _dataset_codes(dataset: ArrayLike, size: int) -> tuple[NDArray[np.int64], IntArray]:
    """Distinct dataset ids (sorted) and each row's index into them."""
    ids = np.asarray(dataset)
    if ids.shape != (size,):
        raise InputError(f"dataset must have one id per row ({size} values)")
    if ids.dtype.kind not in "iub":
        raise InputError("dataset must hold integer ids")
    ids = ids.astype(np.int64)
    if size and ids.min() >= 0 and ids.max() < 4 * size + 1024:
        present = np.bincount(ids) > 0
        index = np.cumsum(present) - 1
        return np.flatnonzero(present).astype(np.int64), index[ids].astype(np.intp)
    distinct, inverse = np.unique(ids, return_inverse=True)
    return distinct.astype(np.int64), inverse.astype(np.intp)


def _order_by_key_then_time(key: IntArray, time: FloatArray) -> IntArray:
    """Row order by (key, time): argsort of time, then stable 16-bit radix passes on the key."""
    order = np.argsort(time)
    largest = int(key.max()) if key.size else 0
    shift = 0
    while True:
        digit = ((key[order] >> shift) & ((1 << _RADIX_BITS) - 1)).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += _RADIX_BITS
        if largest >> shift == 0:
            return order


def _collapse(key: IntArray, n_sets: int, time: FloatArray, event: BoolArray) -> _Rows:
    """One row per (dataset, distinct time) with the number at risk and the events there."""
    if time.size == 0:
        raise InputError("no observations")
    order = _order_by_key_then_time(key, time)
    sorted_key, sorted_time = key[order], time[order]
    new_row = np.empty(time.size, dtype=bool)
    new_row[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=new_row[1:])
    new_row[1:] |= sorted_time[1:] != sorted_time[:-1]
    starts = np.flatnonzero(new_row)
    row_of_observation = np.cumsum(new_row) - 1
    row_key = sorted_key[starts]
    count = np.diff(np.append(starts, time.size)).astype(np.float64)
    deaths = _weighted_count(row_of_observation, weights=event[order])
    first = np.searchsorted(row_key, np.arange(n_sets), side="left")
    before = np.cumsum(count) - count
    sizes = np.bincount(key, minlength=n_sets).astype(np.float64)
    n_risk = sizes[row_key] - (before - before[first][row_key])
    return _Rows(
        key=row_key,
        time=sorted_time[starts],
        first=first,
        n_risk=n_risk,
        n_event=deaths,
        sorted_order=order,
        row_of_observation=row_of_observation,
    )
