"""R reference values for Kaplan-Meier and log-rank tests, and the data behind them.

Two sources: the shared file of published R output (``r-survival-reference.json``, data from
``lifelines.datasets`` as each entry's ``loader`` says) and our own golden file made by
``tests/reference/r_km_logrank.R`` (data written into the file itself).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from lifelines import datasets

TESTS = Path(__file__).resolve().parents[1]
GOLDEN = TESTS / "reference" / "r_km_logrank.json"
SHARED_REFERENCE = Path("/work/shared/reference/r-survival-reference.json")
if not SHARED_REFERENCE.exists():  # shared/ sits beside the clone elsewhere
    SHARED_REFERENCE = TESTS.parents[1] / "shared" / "reference" / "r-survival-reference.json"

LOADERS = {
    "lifelines.datasets.load_lung()": datasets.load_lung,
    "lifelines.datasets.load_rossi()": datasets.load_rossi,
    "lifelines.datasets.load_dd()": datasets.load_dd,
    "lifelines.datasets.load_g3()": datasets.load_g3,
}


@cache
def shared_reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHARED_REFERENCE.read_text())
    return data


def shared_entries(kind: str) -> list[dict[str, Any]]:
    """Entries of the shared file whose id contains ``.km.`` or ``.logrank.``."""
    return [e for e in shared_reference()["survival"] if f".{kind}." in e["id"]]


@cache
def shared_dataset(loader: str) -> pd.DataFrame:
    frame: pd.DataFrame = LOADERS[loader]()
    return frame


@cache
def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text())
    return data


@cache
def golden_dataset(name: str) -> pd.DataFrame:
    """A dataset exactly as R used it (NA as NaN)."""
    columns = golden()["datasets"][name]
    return pd.DataFrame({k: [np.nan if v is None else v for v in vs] for k, vs in columns.items()})


def r_array(values: list[Any] | Any) -> np.ndarray:
    """R numbers from the golden file as float64: null (NA) -> NaN, "Inf" -> inf."""
    if not isinstance(values, list):
        values = [values]
    table = {None: np.nan, "Inf": np.inf, "-Inf": -np.inf}
    return np.array([table[v] if v is None or isinstance(v, str) else v for v in values], float)


def r_value(value: Any) -> float | None:
    """One R number: None for NA, else a float."""
    return None if value is None else float(r_array(value)[0])
