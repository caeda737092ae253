"""Counting at distinct times: the first step shared by Kaplan-Meier and the log-rank test.

Two plain sorts (all times, and the event times) give every count the estimators need; there is
no argsort and no pandas, which keeps the whole computation within a small multiple of
``np.cumsum(np.sort(t))`` even at 10 million rows. Counts are float64 from here on, so products
such as ``n * (n - d)`` cannot overflow at any n (scipy's log-rank multiplies int64 and does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gistpath.errors import InputError

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]


def as_survival_arrays(time: ArrayLike, event: ArrayLike) -> tuple[FloatArray, BoolArray]:
    """Check and convert ``time`` (finite numbers) and ``event`` (0/1 or bool) to numpy arrays."""
    times = np.asarray(time, dtype=np.float64)
    if times.ndim != 1:
        raise InputError("time must be a one-dimensional array")
    raw_event = np.asarray(event)
    if raw_event.shape != times.shape:
        raise InputError(
            f"time and event differ in length ({times.size} and {raw_event.size} values)"
        )
    if raw_event.dtype == np.bool_:
        events = raw_event
    else:
        events = raw_event == 1
        if not np.all(events | (raw_event == 0)):
            raise InputError("event must be 0 (censored) or 1 (event)")
    if not np.isfinite(times).all():
        raise InputError("time must be finite (no missing or infinite values)")
    return times, events


def distinct_counts(sorted_values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The distinct values of a sorted array and how often each occurs."""
    if sorted_values.size == 0:
        return np.empty(0), np.empty(0)
    starts = np.flatnonzero(sorted_values[1:] != sorted_values[:-1]) + 1
    starts = np.concatenate(([0], starts))
    counts = np.diff(np.append(starts, sorted_values.size)).astype(np.float64)
    return sorted_values[starts], counts


@dataclass(frozen=True, eq=False)
class EventTable:
    """Counts at every distinct time (event or censoring), in increasing time order."""

    time: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray


def event_table(time: FloatArray, event: BoolArray) -> EventTable:
    """Number at risk, events and censorings at each distinct time of one sample."""
    all_times, total = distinct_counts(np.sort(time))
    event_times, deaths = distinct_counts(np.sort(time[event]))
    n_event = np.zeros(all_times.size)
    n_event[np.searchsorted(all_times, event_times)] = deaths
    n_risk = float(time.size) - (np.cumsum(total) - total)
    return EventTable(all_times, n_risk, n_event, total - n_event)


def group_codes(values: ArrayLike) -> tuple[IntArray, list[str]]:
    """Integer codes 0..k-1 for the sorted distinct values, and their labels (as R's factor)."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise InputError("group must be a one-dimensional array")
    if array.dtype.kind == "f" and np.isnan(array).any():
        raise InputError("group must not contain missing values")
    levels, codes = np.unique(array, return_inverse=True)
    return codes.astype(np.intp), [level_label(level) for level in levels]


def level_label(level: object) -> str:
    """How a group level is written in results: whole-number floats without ``.0``."""
    if isinstance(level, float | np.floating) and float(level).is_integer():
        return str(int(level))
    if isinstance(level, np.generic):
        return str(level.item())
    return str(level)
