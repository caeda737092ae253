"""Exact tail probability of an R x C contingency table given its margins (network algorithm).

Tables with fixed margins are paths through a network: stage j allocates column j to the rows,
and a node is the multiset of row totals still to fill (sorted, because the rows are
interchangeable for what remains). A table's probability is

    P = prod(r_i!) prod(c_j!) / (N! prod(x_ij!)) = exp(const + V),  V = -sum log(x_ij!),

and V is a sum of per-stage terms. We want the total probability of the tables with
``V <= threshold``. At each node we know, for the rest of the path, the largest and smallest
attainable V (memoised over nodes) and the total weight of all completions (closed form:
``(sum rem)! / (prod rem_i! prod_{l >= j} c_l!)``). A partial path whose past plus the largest
future stays under the threshold contributes all its completions at once; one whose past plus
the smallest future exceeds it contributes nothing; only the rest is expanded. Partial paths
that reach the same node with the same past V are merged. This is the idea of Mehta and
Patel's network algorithm (R's FEXACT), written in log space with Python dictionaries.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from math import lgamma, log

import numpy as np
from numpy.typing import NDArray

Node = tuple[int, ...]
FloatArray = NDArray[np.float64]


def _allocations(total: int, caps: Node) -> Iterator[Node]:
    """All vectors x with sum(x) == total and 0 <= x_i <= caps_i."""
    if len(caps) == 1:
        if total <= caps[0]:
            yield (total,)
        return
    rest_capacity = sum(caps[1:])
    for first in range(max(0, total - rest_capacity), min(caps[0], total) + 1):
        for tail in _allocations(total - first, caps[1:]):
            yield (first, *tail)


def _log_factorial(k: int) -> float:
    return lgamma(k + 1.0)


class _Network:
    def __init__(self, columns: tuple[int, ...]) -> None:
        self.columns = columns
        self.n_stages = len(columns)
        self.bounds = lru_cache(maxsize=None)(self._bounds)
        self.moves = lru_cache(maxsize=None)(self._moves)

    def _moves(self, stage: int, node: Node) -> tuple[tuple[float, Node], ...]:
        """(stage term of V, next node) for every allocation of column ``stage``."""
        out = []
        for x in _allocations(self.columns[stage], node):
            term = -sum(_log_factorial(v) for v in x)
            rest = tuple(sorted((r - v for r, v in zip(node, x, strict=True)), reverse=True))
            out.append((term, rest))
        return tuple(out)

    def _bounds(self, stage: int, node: Node) -> tuple[float, float]:
        """Smallest and largest V of the remaining stages from ``node``."""
        if stage == self.n_stages:
            return 0.0, 0.0
        low, high = float("inf"), float("-inf")
        for term, rest in self.moves(stage, node):
            rest_low, rest_high = self.bounds(stage + 1, rest)
            low = min(low, term + rest_low)
            high = max(high, term + rest_high)
        return low, high

    def log_completions(self, stage: int, node: Node) -> float:
        """log of the sum of exp(V) over all completions from ``node``."""
        remaining = sum(node)
        return (
            _log_factorial(remaining)
            - sum(_log_factorial(r) for r in node)
            - sum(_log_factorial(c) for c in self.columns[stage:])
        )


def tail_probability(rows: tuple[int, ...], columns: tuple[int, ...], threshold: float) -> float:
    """Total probability of the tables with these margins whose V is <= ``threshold``.

    ``V = -sum log(x_ij!)``; the table's probability is ``exp(const + V)``.
    """
    n = sum(rows)
    if n != sum(columns):
        raise ValueError("row and column totals differ")
    constant = (
        sum(_log_factorial(r) for r in rows)
        + sum(_log_factorial(c) for c in columns)
        - _log_factorial(n)
    )
    network = _Network(tuple(sorted(columns, reverse=True)))
    start: Node = tuple(sorted(rows, reverse=True))
    # Each node holds the distinct past values of V that reach it and how many paths do.
    frontier: dict[Node, tuple[FloatArray, FloatArray]] = {start: (np.zeros(1), np.ones(1))}
    probability = 0.0
    for stage in range(network.n_stages + 1):
        arriving: dict[Node, list[tuple[FloatArray, FloatArray]]] = {}
        for node, (past, count) in frontier.items():
            low, high = network.bounds(stage, node)
            every_completion = past + high <= threshold
            if every_completion.any():
                completions = network.log_completions(stage, node)
                weights = np.exp(constant + past[every_completion] + completions)
                probability += float(count[every_completion] @ weights)
            open_paths = ~every_completion & (past + low <= threshold)
            if stage == network.n_stages or not open_paths.any():
                continue
            past_open, count_open = past[open_paths], count[open_paths]
            for term, rest in network.moves(stage, node):
                arriving.setdefault(rest, []).append((past_open + term, count_open))
        frontier = {node: _merge(parts) for node, parts in arriving.items()}
        if not frontier:
            break
    return min(probability, 1.0)


def _merge(parts: list[tuple[FloatArray, FloatArray]]) -> tuple[FloatArray, FloatArray]:
    """Merge paths with the same past V (equal to 1e-9, far finer than R's 1e-7 slack)."""
    values = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts])
    keys, first, inverse = np.unique(np.round(values, 9), return_index=True, return_inverse=True)
    merged = np.bincount(inverse.reshape(-1), weights=counts, minlength=keys.shape[0])
    return values[first].astype(np.float64), merged.astype(np.float64)


def log_table_value(table: list[list[int]]) -> float:
    """V of a table: -sum log(x_ij!)."""
    return -sum(_log_factorial(v) for row in table for v in row)


def relative_threshold(table: list[list[int]], relative_error: float = 1e-7) -> float:
    """Threshold on V for R's rule P <= P_observed * (1 + relative_error)."""
    return log_table_value(table) + log(1.0 + relative_error)
