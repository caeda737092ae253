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
    key = 2 * _dense_rank(t) + (~d).astype(np.int64)
    rank = _dense_rank(-x if not reverse else x)  # concordant: rank_j < rank_i for later j

    # Start: one segment per stratum, sorted by score rank.
    order = np.lexsort((rank, stratum))
    segment = stratum[order]
    rank_o = rank[order]
    key_o = key[order]
    event_o = d[order]
    n_bits = max(int(key.max()).bit_length(), 1)

    concordant = 0
    discordant = 0
    tied_x = 0
    positions = np.arange(n, dtype=np.int64)
    for level in range(n_bits - 1, -1, -1):
        bit = (key_o >> level) & 1
        ones_before = np.concatenate(([0], np.cumsum(bit)))
        new_segment = np.empty(n, dtype=bool)
        new_segment[0] = True
        np.not_equal(segment[1:], segment[:-1], out=new_segment[1:])
        new_run = new_segment.copy()
        new_run[1:] |= rank_o[1:] != rank_o[:-1]
        seg_start = np.maximum.accumulate(np.where(new_segment, positions, 0))
        run_start = np.maximum.accumulate(np.where(new_run, positions, 0))
        seg_starts = np.flatnonzero(new_segment)
        seg_ends = np.append(seg_starts[1:], n)
        run_starts = np.flatnonzero(new_run)
        run_ends = np.append(run_starts[1:], n)
        seg_end = seg_ends[np.cumsum(new_segment) - 1]
        run_end = run_ends[np.cumsum(new_run) - 1]

        asking = (bit == 0) & event_o
        if asking.any():
            base = ones_before[seg_start[asking]]
            below = ones_before[run_start[asking]] - base
            up_to = ones_before[run_end[asking]] - base
            total = ones_before[seg_end[asking]] - base
            concordant += int(below.sum())
            tied_x += int((up_to - below).sum())
            discordant += int((total - up_to).sum())

        # Split every segment by the current bit, keeping score order inside each half.
        split = np.argsort(2 * np.cumsum(new_segment) + bit, kind="stable")
        segment = (2 * np.cumsum(new_segment) + bit)[split]
        rank_o = rank_o[split]
        key_o = key_o[split]
        event_o = event_o[split]

    tied_y, tied_xy = _tied_event_pairs(key, rank, stratum, d)
    return ConcordanceCounts(concordant, discordant, tied_x, tied_y, tied_xy)


def _tied_event_pairs(
    key: NDArray[np.int64], rank: NDArray[np.int64], stratum: NDArray[np.int64], event: NDArray[Any]
) -> tuple[int, int]:
    """Pairs of events at the same time (tied.y) and those also tied in score (tied.xy)."""
    k = key[event]
    s = stratum[event]
    r = rank[event]
    _, time_counts = np.unique(np.stack([s, k]), axis=1, return_counts=True)
    _, both_counts = np.unique(np.stack([s, k, r]), axis=1, return_counts=True)
    all_pairs = int((time_counts * (time_counts - 1) // 2).sum())
    tied_xy = int((both_counts * (both_counts - 1) // 2).sum())
    return all_pairs - tied_xy, tied_xy
