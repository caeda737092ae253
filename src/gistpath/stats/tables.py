"""Baseline-characteristics table (a paper's "Table 1") with a test per variable.

Per variable and group: counts and percentages of each level for categorical variables, median
and range for continuous ones, missing values counted (and left out of percentages and tests),
and one p value per variable: Fisher's exact test for categorical variables by default (R x C
with R's two-sided definition, as seed 001's Table 1 reports), the chi-square test on request,
and the Wilcoxon rank-sum test for continuous variables (Kruskal-Wallis for more than two
groups). Pure: takes columns, returns values; no I/O.

A numeric variable is continuous unless it is whole numbers with at most
``MAX_CODED_LEVELS`` distinct values, each seen twice on average (a coded scale such as ECOG
performance status), or the caller names it in ``categorical``; ``continuous`` overrides that.
Text and booleans are categorical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gistpath.stats.design import is_numeric_column, level_labels, missing_mask
from gistpath.stats.exact import chisq_test, fisher_exact, kruskal_wallis, wilcoxon_rank_sum

MAX_CODED_LEVELS = 5
CategoricalTest = Literal["fisher", "chisq"]


@dataclass(frozen=True)
class LevelRow:
    """One level of a categorical variable: count and percentage per group."""

    level: str
    counts: tuple[int, ...]
    percents: tuple[float | None, ...]


@dataclass(frozen=True)
class GroupSummary:
    """Median and range of a continuous variable in one group."""

    n: int
    median: float | None
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True)
class VariableRow:
    """One variable of the table."""

    variable: str
    kind: Literal["categorical", "continuous"]
    test: str | None
    p: float | None
    statistic: float | None
    missing: tuple[int, ...]
    levels: tuple[LevelRow, ...] = ()
    summaries: tuple[GroupSummary, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class BaselineTable:
    """The whole table; ``to_dict`` gives ``gistpath table --json`` (contracts/cli.md)."""

    by: str
    groups: tuple[str, ...]
    group_sizes: tuple[int, ...]
    rows: tuple[VariableRow, ...]
    excluded: int = 0

    def row(self, variable: str) -> VariableRow:
        for item in self.rows:
            if item.variable == variable:
                return item
        raise KeyError(variable)

    def to_dict(self) -> dict[str, Any]:
        def per_group(values: Sequence[Any]) -> dict[str, Any]:
            return dict(zip(self.groups, values, strict=True))

        rows = []
        for r in self.rows:
            item: dict[str, Any] = {
                "variable": r.variable,
                "kind": r.kind,
                "test": r.test,
                "p": r.p,
                "statistic": r.statistic,
                "missing": per_group(r.missing),
                "levels": [
                    {
                        "level": lv.level,
                        "counts": per_group(lv.counts),
                        "percent": per_group(lv.percents),
                    }
                    for lv in r.levels
                ],
            }
            if r.kind == "continuous":
                item["summary"] = per_group(
                    [
                        {"n": s.n, "median": s.median, "min": s.minimum, "max": s.maximum}
                        for s in r.summaries
                    ]
                )
            if r.note:
                item["note"] = r.note
            rows.append(item)
        return {
            "by": self.by,
            "groups": [
                {"group": g, "n": n} for g, n in zip(self.groups, self.group_sizes, strict=True)
            ],
            "excluded": self.excluded,
            "rows": rows,
        }


def _sorted_levels(values: NDArray[Any]) -> list[Any]:
    """Distinct values in R's factor order: numbers numerically, text by code point."""
    return sorted(set(values.tolist()))


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_coded_scale(values: NDArray[Any]) -> bool:
    """Whole numbers with few distinct values, each seen twice on average (e.g. ECOG PS)."""
    finite = values[np.isfinite(values)]
    distinct = np.unique(finite).size
    return bool(
        finite.size
        and np.all(finite == np.round(finite))
        and distinct <= MAX_CODED_LEVELS
        and 2 * distinct <= finite.size
    )


def build_baseline_table(
    columns: Mapping[str, ArrayLike],
    by: str,
    variables: Sequence[str],
    *,
    categorical_test: CategoricalTest = "fisher",
    categorical: Sequence[str] = (),
    continuous: Sequence[str] = (),
    group_order: Sequence[str] | None = None,
) -> BaselineTable:
    """Summarise ``variables`` by the groups of column ``by`` and test each variable.

    Rows whose group is missing are left out (counted in ``excluded``). ``group_order`` fixes
    the order of the groups (default: R's factor order of the group values).
    """
    if categorical_test not in ("fisher", "chisq"):
        raise ValueError(f"categorical_test must be 'fisher' or 'chisq', not {categorical_test!r}")
    if by not in columns:
        raise KeyError(by)
    group_raw = np.asarray(columns[by])
    has_group = ~missing_mask(group_raw)
    group_labels = np.asarray([_label(v) for v in group_raw[has_group].tolist()], dtype=object)
    natural = [_label(v) for v in _sorted_levels(group_raw[has_group])]
    groups = list(group_order) if group_order is not None else natural
    unknown = set(group_labels.tolist()) - set(groups)
    if unknown:
        raise ValueError(f"group_order lacks the groups {sorted(unknown)}")
    sizes = tuple(int((group_labels == g).sum()) for g in groups)

    rows: list[VariableRow] = []
    for name in variables:
        if name not in columns:
            raise KeyError(name)
        raw = np.asarray(columns[name])
        if raw.shape[0] != group_raw.shape[0]:
            raise ValueError(
                f"column {name!r} has {raw.shape[0]} values, {by!r} has {group_raw.shape[0]}"
            )
        values = raw[has_group]
        absent = missing_mask(values)
        missing = tuple(int((absent & (group_labels == g)).sum()) for g in groups)
        numeric = is_numeric_column(values)
        as_categorical = (
            name in categorical
            or not numeric
            or (name not in continuous and _is_coded_scale(values.astype(np.float64)))
        )
        present = ~absent
        if as_categorical:
            rows.append(
                _categorical_row(
                    name, values[present], group_labels[present], groups, missing, categorical_test
                )
            )
        else:
            rows.append(
                _continuous_row(
                    name, values[present].astype(np.float64), group_labels[present], groups, missing
                )
            )
    return BaselineTable(by, tuple(groups), sizes, tuple(rows), int((~has_group).sum()))


def _categorical_row(
    name: str,
    values: NDArray[Any],
    group_labels: NDArray[Any],
    groups: Sequence[str],
    missing: tuple[int, ...],
    test: CategoricalTest,
) -> VariableRow:
    numeric = is_numeric_column(values)
    levels = [_label(v) for v in _sorted_levels(values)] if numeric else None
    labels = (
        np.asarray([_label(v) for v in values.tolist()], dtype=object)
        if numeric
        else level_labels(values)
    )
    if levels is None:
        levels = sorted(set(labels.tolist()))
    counts = np.array(
        [[int(((labels == lv) & (group_labels == g)).sum()) for g in groups] for lv in levels],
        dtype=np.int64,
    ).reshape(len(levels), len(groups))
    totals = counts.sum(axis=0)
    level_rows = tuple(
        LevelRow(
            level=lv,
            counts=tuple(int(c) for c in counts[i]),
            percents=tuple(
                float(100.0 * counts[i, j] / totals[j]) if totals[j] else None
                for j in range(len(groups))
            ),
        )
        for i, lv in enumerate(levels)
    )
    testable = counts[counts.sum(axis=1) > 0][:, totals > 0]
    if min(testable.shape) < 2:
        return VariableRow(
            name,
            "categorical",
            None,
            None,
            None,
            missing,
            level_rows,
            note="fewer than two levels or groups with data: no test",
        )
    if test == "fisher":
        fisher = fisher_exact(testable)
        return VariableRow(name, "categorical", "fisher", fisher.p, None, missing, level_rows)
    chisq = chisq_test(testable)
    note = "; ".join(chisq.warnings) or None
    return VariableRow(
        name, "categorical", "chisq", chisq.p, chisq.statistic, missing, level_rows, note=note
    )


def _continuous_row(
    name: str,
    values: NDArray[np.float64],
    group_labels: NDArray[Any],
    groups: Sequence[str],
    missing: tuple[int, ...],
) -> VariableRow:
    per_group = [values[group_labels == g] for g in groups]
    summaries = tuple(
        GroupSummary(
            n=int(v.size),
            median=float(np.median(v)) if v.size else None,
            minimum=float(v.min()) if v.size else None,
            maximum=float(v.max()) if v.size else None,
        )
        for v in per_group
    )
    with_data = [v for v in per_group if v.size]
    if len(with_data) < 2:
        return VariableRow(
            name,
            "continuous",
            None,
            None,
            None,
            missing,
            (),
            summaries,
            note="fewer than two groups with data: no test",
        )
    if len(with_data) == 2:
        result = wilcoxon_rank_sum(with_data[0], with_data[1])
        test = "wilcoxon"
    else:
        result = kruskal_wallis(with_data)
        test = "kruskal"
    note = "; ".join(result.warnings) or None
    p = result.p if np.isfinite(result.p) else None
    return VariableRow(
        name, "continuous", test, p, result.statistic, missing, (), summaries, note=note
    )
