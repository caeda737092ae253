"""Reading analysis tables (CSV or Parquet) and checking the columns a statistics command uses.

Shared by the statistics commands (``km``, ``compare``, ``cox``, ``table``): each bad input
becomes one :class:`~gistpath.errors.InputError` that names the file and the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gistpath.errors import InputError
from gistpath.stats._counting import level_label

PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a CSV (or TSV) or Parquet table; the path is kept in ``df.attrs["source"]``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
        elif path.suffix.lower() == ".tsv":
            frame = pd.read_csv(path, sep="\t")
        else:
            frame = pd.read_csv(path)
    except (OSError, ValueError, ImportError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(f"{path}: cannot read the table ({reason})") from None
    frame.attrs["source"] = str(path)
    return frame


def _source(frame: pd.DataFrame, source: str | Path | None) -> str:
    return str(source) if source is not None else str(frame.attrs.get("source", "table"))


def require_columns(frame: pd.DataFrame, *columns: str, source: str | Path | None = None) -> None:
    """Raise InputError naming the file and every requested column the table lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        noun = "column" if len(missing) == 1 else "columns"
        available = ", ".join(str(c) for c in frame.columns)
        raise InputError(
            f"{_source(frame, source)}: {noun} {names} not found (the table has: {available})"
        )


def drop_incomplete(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """Rows with a value in every one of ``columns``, and how many rows were dropped."""
    complete = frame[list(columns)].notna().all(axis=1)
    kept = frame.loc[complete]
    kept.attrs = dict(frame.attrs)
    return kept, int((~complete).sum())


def numeric_column(
    frame: pd.DataFrame, column: str, *, source: str | Path | None = None
) -> NDArray[np.float64]:
    """A column as finite float64 values, or InputError naming the first bad row."""
    values = np.asarray(pd.to_numeric(frame[column], errors="coerce"), dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            f"{_source(frame, source)}: column {column!r} must be numeric "
            f"(row {_row_number(frame, row)} has {_shown(frame[column].iloc[row])})"
        )
    return values


def time_column(
    frame: pd.DataFrame, column: str, *, source: str | Path | None = None
) -> NDArray[np.float64]:
    """A follow-up time column: numeric, finite and not negative."""
    values = numeric_column(frame, column, source=source)
    negative = values < 0
    if negative.any():
        row = int(np.argmax(negative))
        raise InputError(
            f"{_source(frame, source)}: column {column!r} has a negative time "
            f"(row {_row_number(frame, row)} has {values[row]:g})"
        )
    return values


def event_column(
    frame: pd.DataFrame, column: str, *, source: str | Path | None = None
) -> NDArray[np.bool_]:
    """An event indicator column: 1 (or true) = event, 0 (or false) = censored."""
    raw = frame[column]
    if raw.dtype == bool:
        return np.asarray(raw, dtype=np.bool_)
    values = np.asarray(pd.to_numeric(raw, errors="coerce"), dtype=np.float64)
    bad = ~((values == 0) | (values == 1))
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            f"{_source(frame, source)}: column {column!r} must be 0 (censored) or 1 (event) "
            f"(row {_row_number(frame, row)} has {_shown(raw.iloc[row])})"
        )
    return np.asarray(values == 1, dtype=np.bool_)


def group_values(frame: pd.DataFrame, column: str) -> NDArray[Any]:
    """A grouping column as numbers (sorted numerically, as R's factor levels) or as text."""
    values = frame[column]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return np.asarray(values.astype(str), dtype=str)
    return np.asarray(values, dtype=np.float64)


def strata_codes(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[NDArray[np.intp], list[str]]:
    """One stratum code per row from one or more columns, and labels as R's ``strata(a, b)``."""
    levels = pd.DataFrame({c: group_values(frame, c) for c in columns})
    grouped = levels.groupby(list(columns), sort=True)
    codes = grouped.ngroup().to_numpy(dtype=np.intp)
    keys = [k if isinstance(k, tuple) else (k,) for k in grouped.size().index.tolist()]
    labels = [
        ", ".join(f"{c}={level_label(v)}" for c, v in zip(columns, key, strict=True))
        for key in keys
    ]
    return codes, labels


def _shown(value: object) -> str:
    """A cell value for an error message: text quoted, numbers plain."""
    plain = value.item() if isinstance(value, np.generic) else value
    return repr(plain) if isinstance(plain, str) else str(plain)


def _row_number(frame: pd.DataFrame, position: int) -> int:
    """1-based data row (header not counted) of the row at ``position`` in ``frame``."""
    index = frame.index[position]
    return int(index) + 1 if isinstance(index, int | np.integer) else position + 1


@dataclass(frozen=True, eq=False)
class SurvivalTable:
    """The columns of a survival analysis after dropping incomplete rows."""

    source: str
    time: NDArray[np.float64]
    event: NDArray[np.bool_]
    group: NDArray[Any] | None
    strata: NDArray[np.intp] | None
    strata_names: list[str]
    dropped: int

    @property
    def n(self) -> int:
        return int(self.time.size)


def survival_table(
    frame: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str | None = None,
    strata: Sequence[str] = (),
    source: str | Path | None = None,
) -> SurvivalTable:
    """Check and extract time, event, group and strata columns; drop and count incomplete rows."""
    where = _source(frame, source)
    used = [time, event, *([group] if group else []), *strata]
    require_columns(frame, *used, source=where)
    kept, dropped = drop_incomplete(frame, used)
    if kept.empty:
        raise InputError(f"{where}: no rows with values in all of {', '.join(used)}")
    codes, names = strata_codes(kept, strata) if strata else (None, [])
    return SurvivalTable(
        source=where,
        time=time_column(kept, time, source=where),
        event=event_column(kept, event, source=where),
        group=group_values(kept, group) if group else None,
        strata=codes,
        strata_names=names,
        dropped=dropped,
    )
