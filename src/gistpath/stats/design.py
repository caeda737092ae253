"""Design matrices from named columns, coded as R codes a model formula.

Numeric columns enter as numbers. Text columns (and booleans) become treatment-coded indicator
columns against their first level in sorted order, named ``column + level`` as R names them
(``sex`` with levels ``female``, ``male`` gives ``sexmale``). Rows with a missing value (``None``,
NaN, empty text) in any used column are dropped and counted, as R's ``na.omit`` does.
Level order is Python's code-point order (R's ``sort`` in the C locale).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class DesignMatrix:
    """Covariate matrix of the complete rows, its column names and what was dropped."""

    names: tuple[str, ...]
    matrix: NDArray[np.float64]
    complete: NDArray[np.bool_]
    levels: dict[str, tuple[str, ...]]

    @property
    def dropped(self) -> int:
        return int((~self.complete).sum())


def is_numeric_column(values: ArrayLike) -> bool:
    """True for integer or floating columns (booleans and text are categorical)."""
    array = np.asarray(values)
    return array.dtype.kind in "iuf"


def missing_mask(values: ArrayLike) -> NDArray[np.bool_]:
    """True where a value is missing: None, NaN, or empty / blank text."""
    array = np.asarray(values)
    if array.dtype.kind in "iub":
        return np.zeros(array.shape[0], dtype=bool)
    if array.dtype.kind == "f":
        return np.asarray(np.isnan(array), dtype=bool)
    return np.fromiter((_is_missing(item) for item in array.tolist()), bool, array.shape[0])


def _is_missing(item: object) -> bool:
    if item is None:
        return True
    if isinstance(item, float):
        return bool(np.isnan(item))
    return isinstance(item, str) and not item.strip()


def level_labels(values: ArrayLike) -> NDArray[Any]:
    """Text labels of a categorical column (booleans as R prints them: TRUE / FALSE)."""
    array = np.asarray(values)
    if array.dtype.kind == "b":
        return np.where(array, "TRUE", "FALSE")
    return np.asarray([str(v) for v in array.tolist()], dtype=object)


def build_design(
    columns: Mapping[str, ArrayLike],
    covariates: Sequence[str],
    *,
    also_required: Sequence[str] = (),
) -> DesignMatrix:
    """Code ``covariates`` of ``columns`` as R would, keeping rows complete in every used column.

    ``also_required`` names further columns (time, event, strata) whose missing values drop a
    row too. A text column with a single level among the complete rows is an error, as in R
    ("contrasts can be applied only to factors with 2 or more levels").
    """
    used = list(dict.fromkeys([*covariates, *also_required]))
    for name in used:
        if name not in columns:
            raise KeyError(name)
    n = np.asarray(columns[used[0]]).shape[0] if used else 0
    complete = np.ones(n, dtype=bool)
    for name in used:
        complete &= ~missing_mask(columns[name])

    names: list[str] = []
    blocks: list[NDArray[np.float64]] = []
    levels: dict[str, tuple[str, ...]] = {}
    for name in covariates:
        values = np.asarray(columns[name])[complete]
        if is_numeric_column(values):
            names.append(name)
            blocks.append(values.astype(np.float64)[:, None])
            continue
        labels = level_labels(values)
        found = tuple(sorted(set(labels.tolist())))
        levels[name] = found
        if len(found) < 2:
            raise ValueError(f"column {name!r} has fewer than two levels in the complete rows")
        for level in found[1:]:
            names.append(f"{name}{level}")
            blocks.append((labels == level).astype(np.float64)[:, None])
    matrix = np.hstack(blocks) if blocks else np.zeros((int(complete.sum()), 0))
    return DesignMatrix(tuple(names), matrix, complete, levels)
