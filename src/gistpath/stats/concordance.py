"""Harrell's concordance of a risk score with right-censored survival times, as R counts it.

R's ``survival::concordance()`` (which ``coxph`` calls with ``reverse=TRUE`` on the linear
predictor) compares every event with every subject of the same stratum that outlived it. A
subject censored at the very time of an event counts as having outlived it (censoring happens
after death); two events at the same time form a ``tied.y`` pair and are not compared. A pair
whose scores are equal is ``tied.x`` and counts one half::

    concordance = (concordant + tied_x / 2) / (concordant + discordant + tied_x)

We write our own because lifelines and scikit-survival each count ties differently from R and
because the count must stay fast at a million rows. The pair count is a two-dimensional
dominance count (later time, smaller score). We decompose the time rank bit by bit, from the
most significant bit down: at each level, subjects that share the higher bits form a segment, and
within it every subject whose current bit is 0 is compared with every subject whose bit is 1.
Keeping each segment sorted by score turns that into cumulative sums, so each level is a few
O(n) numpy passes and the whole count is O(n log U) for U distinct times, with no Python loop
over subjects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class ConcordanceCounts:
    """Pair counts as R's ``concordance()`` reports them, and the concordance index."""

    concordant: int
    discordant: int
    tied_x: int
    tied_y: int
    tied_xy: int

    @property
    def concordance(self) -> float | None:
        """Harrell's C; ``None`` when no pair is comparable (R gives NA)."""
        comparable = self.concordant + self.discordant + self.tied_x
        if comparable == 0:
            return None
        return (self.concordant + 0.5 * self.tied_x) / comparable

    def to_dict(self) -> dict[str, Any]:
        return {
            "concordant": self.concordant,
            "discordant": self.discordant,
            "tied_x": self.tied_x,
            "tied_y": self.tied_y,
            "tied_xy": self.tied_xy,
            "concordance": self.concordance,
        }


def _dense_rank(values: NDArray[Any]) -> NDArray[np.int64]:
    """0-based dense ranks (equal values share a rank)."""
    _, inverse = np.unique(values, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1)


def order_codes(values: NDArray[Any]) -> NDArray[np.int64]:
    """Non-negative integers in the same order as ``values`` (ties kept equal).

    Whole-number values over a modest range (days, months) are shifted to start at 0, with no
    sort; anything else gets dense ranks.
    """
    array = np.asarray(values)
    if array.size and array.dtype.kind in "iuf":
        low, high = float(array.min()), float(array.max())
        if high - low < 4 * array.size + 1024 and np.array_equal(array, np.round(array)):
            return (array - low).astype(np.int64)
    return _dense_rank(array)


def concordance_counts(
    time: ArrayLike,
    event: ArrayLike,
    score: ArrayLike,
    strata: ArrayLike | None = None,
    *,
    reverse: bool = True,
) -> ConcordanceCounts:
    """Count concordant, discordant and tied pairs of ``score`` against survival times.

    With ``reverse=True`` (R's choice for a Cox linear predictor) a higher score predicting an
    earlier event is concordant. Pairs are formed only within a stratum.
    """
    t = np.asarray(time, dtype=float)
    d = np.asarray(event).astype(bool)
    x = np.asarray(score, dtype=float)
    n = t.shape[0]
    if d.shape[0] != n or x.shape[0] != n:
        raise ValueError("time, event and score must have the same length")
    stratum = np.zeros(n, dtype=np.int64) if strata is None else _dense_rank(np.asarray(strata))
    if n == 0 or not d.any():
        return ConcordanceCounts(0, 0, 0, 0, 0)

    # Time key: events at time t rank before subjects censored at t, so that for an event i the
    # comparable subjects are exactly those with a larger key in the same stratum.
    key = 2 * order_codes(t) + (~d).astype(np.int64)
    rank = _dense_rank(-x if not reverse else x)  # concordant: rank_j < rank_i for later j

    by_stratum_rank_key = _sort_order(stratum, rank, key)
    comparable = _later_in_stratum(stratum, key, d)
    group = stratum * (int(rank.max()) + 1) + rank
    tied_x = _later_in_group(by_stratum_rank_key, group, key, d)
    concordant = _concordant_pairs(by_stratum_rank_key, stratum, key)
    discordant = comparable - concordant - tied_x
    tied_y, tied_xy = _tied_event_pairs(key, rank, stratum, d)
    return ConcordanceCounts(concordant, discordant, tied_x, tied_y, tied_xy)


def _sort_order(*keys: IntArray) -> IntArray:
    """Lexicographic order of non-negative integer keys (first key most significant).

    One argsort of a mixed-radix code when it fits in 64 bits, else ``np.lexsort``.
    """
    code = np.zeros(keys[0].shape[0], dtype=np.int64)
    capacity = 1
    for k in keys:
        radix = int(k.max()) + 1 if k.size else 1
        capacity *= radix
        if capacity >= 2**62:
            return np.lexsort(keys[::-1]).astype(np.int64)
        code = code * radix + k
    return np.argsort(code).astype(np.int64)


def _later_in_stratum(stratum: IntArray, key: IntArray, event: BoolArray) -> int:
    """Sum over events i of #{j in i's stratum with key_j > key_i}.

    Counting per (stratum, key) cell with ``bincount`` when the cells are few, else by sorting.
    """
    n_keys = int(key.max()) + 2
    cells = (int(stratum.max()) + 1) * n_keys
    if cells > 4 * key.size + 64:
        return _later_in_group(_sort_order(stratum, key), stratum, key, event)
    counts = np.bincount(stratum * n_keys + key, minlength=cells).reshape(-1, n_keys)
    # later[s, k] = number of subjects of stratum s with a key above k
    later = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1]
    above = np.zeros_like(later)
    above[:, :-1] = later[:, 1:]
    return int(above[stratum[event], key[event]].sum())


def _later_in_group(order: IntArray, group: IntArray, key: IntArray, event: BoolArray) -> int:
    """Sum over events i of #{j in i's group with key_j > key_i}; ``order`` sorts by both."""
    g = group[order]
    k = key[order]
    n = g.shape[0]
    positions = np.arange(n, dtype=np.int64)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    new_run = new_group.copy()
    new_run[1:] |= k[1:] != k[:-1]
    asking = event[order]
    later = _run_ends(new_group, positions, n)[asking] - _run_ends(new_run, positions, n)[asking]
    return int(later.sum())


def _concordant_pairs(order: IntArray, stratum: IntArray, key: IntArray) -> int:
    """Sum over events i of #{j in i's stratum with key_j > key_i and rank_j < rank_i}.

    Bit by bit over ``key``, most significant first: a segment holds the subjects that share
    the bits above the current one and is kept in (rank, key) order. For a subject whose
    current bit is 0, the subjects with bit 1 earlier in its segment are exactly the later
    ones with a smaller rank (an equal-rank subject with bit 1 has a larger key, so it sorts
    after); ``order`` sorts by (stratum, rank, key). A stable partition by the bit, done with
    cumulative counts, makes the next level.
    """
    n = key.shape[0]
    # 32-bit arrays halve the memory traffic when they suffice.
    small = n < 2**31 - 1 and int(key.max()) < 2**31 - 1
    dtype = np.int32 if small else np.int64
    key_o: NDArray[np.signedinteger[Any]] = key[order].astype(dtype)
    # The key's lowest bit is the censoring flag (key = 2 * time code + censored), so the events
    # need no array of their own.
    new_segment = np.ones(n, dtype=bool)
    new_segment[1:] = stratum[order][1:] != stratum[order][:-1]
    n_bits = max(int(key.max()).bit_length(), 1)
    positions = np.arange(n, dtype=dtype)
    ones_before = np.zeros(n + 1, dtype=dtype)
    concordant = 0
    for level in range(n_bits - 1, -1, -1):
        bit = (key_o >> level) & 1
        np.cumsum(bit, out=ones_before[1:])
        starts = np.flatnonzero(new_segment).astype(dtype)
        lengths = np.diff(np.append(starts, n))
        seg_start = np.repeat(starts, lengths)
        ones_here = ones_before[:-1] - np.repeat(ones_before[starts], lengths)
        zero = bit == 0
        asking = zero & ((key_o & 1) == 0)
        concordant += int(ones_here[asking].sum(dtype=np.int64))

        ones_in_segment = ones_before[np.append(starts[1:], n)] - ones_before[starts]
        zeros_in_segment = lengths - ones_in_segment
        target = np.where(
            zero,
            positions - ones_here,
            seg_start + np.repeat(zeros_in_segment, lengths) + ones_here,
        )
        split = np.zeros(n + 1, dtype=bool)
        split[starts] = True
        split[starts + zeros_in_segment] = True
        new_segment = split[:n]
        key_o = _scatter(key_o, target)
    return concordant


def _scatter(values: NDArray[Any], target: NDArray[Any]) -> NDArray[Any]:
    moved = np.empty_like(values)
    moved[target] = values
    return moved


def _run_ends(flags: NDArray[np.bool_], positions: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """For every position, one past the index where its run ends."""
    next_starts = np.empty(n, dtype=bool)
    next_starts[:-1] = flags[1:]
    next_starts[-1] = True
    ends = np.where(next_starts, positions + 1, n)
    return np.minimum.accumulate(ends[::-1])[::-1]


def _tied_event_pairs(
    key: NDArray[np.int64], rank: NDArray[np.int64], stratum: NDArray[np.int64], event: NDArray[Any]
) -> tuple[int, int]:
    """Pairs of events at the same time (tied.y) and those also tied in score (tied.xy)."""
    k = key[event]
    s = stratum[event]
    r = rank[event]
    time_id = _dense_rank(s * (int(key.max()) + 1) + k)
    _, time_counts = np.unique(time_id, return_counts=True)
    _, both_counts = np.unique(time_id * (int(rank.max()) + 1) + r, return_counts=True)
    all_pairs = int((time_counts * (time_counts - 1) // 2).sum())
    tied_xy = int((both_counts * (both_counts - 1) // 2).sum())
    return all_pairs - tied_xy, tied_xy
