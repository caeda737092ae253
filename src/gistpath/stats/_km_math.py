"""Kaplan-Meier arithmetic shared by the single-sample and the batched estimators.

Each rule mirrors one function of R's survival package (named in its docstring). Working on 2-D
arrays (one row per curve) lets the batched code reuse the same element-wise operations, so a
batched result equals the single-sample result bit for bit.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.special import ndtri

from gistpath.errors import InputError
from gistpath.stats._counting import BoolArray, FloatArray

ConfType = Literal["log", "log-log", "plain"]
CONF_TYPES: tuple[ConfType, ...] = ("log", "log-log", "plain")

#: R's ``sqrt(.Machine$double.eps)``: the tolerance of ``print.survfit`` and ``quantile.survfit``.
R_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))


def z_value(conf_level: float) -> float:
    """The normal quantile for a two-sided interval, as R's ``qnorm(1 - (1 - level) / 2)``."""
    if not 0.0 < conf_level < 1.0:
        raise InputError(f"conf_level must be between 0 and 1 (got {conf_level})")
    return float(ndtri(1.0 - (1.0 - conf_level) / 2.0))


def check_conf_type(conf_type: str) -> ConfType:
    """Return ``conf_type`` if it is one of R's supported transforms, else raise InputError."""
    for known in CONF_TYPES:
        if conf_type == known:
            return known
    raise InputError(f"conf_type must be one of {', '.join(CONF_TYPES)} (got {conf_type!r})")


def survival_and_log_se(
    n_risk: FloatArray, n_event: FloatArray, axis: int = -1
) -> tuple[FloatArray, FloatArray]:
    """Kaplan-Meier survival and Greenwood SE of log S (R's ``survfitkm``, ``fit$std.err``).

    Products and sums run strictly in time order (``cumprod``/``cumsum``), like R's C loop. Once
    all at risk die, the Greenwood term is infinite and stays so, as in R.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = (n_risk - n_event) / n_risk
        greenwood = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    surv = np.asarray(np.cumprod(factor, axis=axis), dtype=np.float64)
    return surv, np.asarray(np.sqrt(np.cumsum(greenwood, axis=axis)), dtype=np.float64)


def confidence_band(
    surv: FloatArray, log_se: FloatArray, conf_type: ConfType, z: float
) -> tuple[FloatArray, FloatArray]:
    """Pointwise CI of S (R's ``survfit_confint``, survival >= 3.8-4); NaN where R gives NA.

    ``log``: S exp(+-z se), upper capped at 1, NA where S = 0. ``log-log``: exp(-exp(log(-log S)
    -+ z se / log S)), NA where S = 0. ``plain``: S +- z se S clipped to [0, 1], NA where the SE is
    undefined (S = 0 after the last at-risk subject dies). Where se = 0 (before the first event)
    the interval is the point itself; survival < 3.8-4 printed a spurious NA there for log-log.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            log_s = np.log(np.where(surv == 0.0, np.nan, surv))
            lower = np.exp(log_s - z * log_se)
            upper = np.minimum(np.exp(log_s + z * log_se), 1.0)
        elif conf_type == "log-log":
            log_s = np.log(np.where((surv == 0.0) | (surv == 1.0), np.nan, surv))
            shift = z * log_se / log_s
            log_minus_log = np.log(-log_s)
            lower = np.exp(-np.exp(log_minus_log - shift))
            upper = np.exp(-np.exp(log_minus_log + shift))
        else:
            half_width = log_se * surv * z
            lower = np.maximum(surv - half_width, 0.0)
            upper = np.minimum(surv + half_width, 1.0)
        point = log_se == 0.0
        lower = np.where(point, surv, lower)
        upper = np.where(point, surv, upper)
    return lower, upper


def first_below_half(
    values: FloatArray, times: FloatArray, valid: BoolArray | None = None
) -> FloatArray:
    """Median of each row by R's ``print.survfit`` rule (``survmean``'s ``minmin``).

    The first time with value < 0.5 + tol; if that value equals 0.5 within tol and the curve
    drops further later, the midpoint to the time of that drop. NaN values (R's NA) are skipped;
    NaN is returned where no value is below 0.5. Rows are curves (2-D input); ``valid`` marks
    the cells that belong to a curve (all, if None).
    """
    keep = values < 0.5 + R_TOLERANCE
    if valid is not None:
        keep &= valid
    found = keep.any(axis=1)
    rows = np.arange(values.shape[0])
    first = keep.argmax(axis=1)
    first_value = values[rows, first]
    lower_later = keep & (values < first_value[:, None])
    second = lower_later.argmax(axis=1)
    flat = (np.abs(first_value - 0.5) < R_TOLERANCE) & lower_later.any(axis=1)
    first_time = times[rows, first]
    median = np.where(flat, (first_time + times[rows, second]) / 2.0, first_time)
    return np.where(found, median, np.nan)


def quantile_time(times: FloatArray, surv: FloatArray, p: float, start: float) -> float:
    """Time at which ``1 - surv`` reaches ``p`` by R's ``quantile.survfit`` (``findq``).

    The curve starts at (start, 0). Flats equal to ``p`` within tol give the midpoint to the
    next drop, or to the last time if the curve ends on the flat. NaN where R gives NA.
    """
    x = np.concatenate(([start], times))
    with np.errstate(invalid="ignore"):
        y = np.concatenate(([0.0], 1.0 - surv))
    finite = ~np.isnan(y)
    if not finite.any() or y[finite].max() < p:
        return float("nan")
    x_last = x[-1]
    # R's duplicated(): keep the first occurrence of each value (NaN counts as one value).
    _, first_index = np.unique(y, return_index=True)
    distinct = np.sort(first_index)
    x, y = x[distinct], y[distinct]
    if p == 0.0:
        return float(x[0])
    index_low = _approx_constant_right(y + R_TOLERANCE, p)
    index_high = _approx_constant_right(y - R_TOLERANCE, p)
    if not np.isnan(y[-1]) and abs(p - y[-1]) < R_TOLERANCE and index_low >= 0:
        return float((x[index_low] + x_last) / 2.0)
    if index_low < 0 or index_high < 0:
        return float("nan")
    return float((x[index_low] + x[index_high]) / 2.0)


def _approx_constant_right(knots: FloatArray, p: float) -> int:
    """R's ``approx(knots, seq_along(knots), p, "constant", f=1)``, 0-based; -1 means NA."""
    usable = np.flatnonzero(~np.isnan(knots))
    order = usable[np.argsort(knots[usable], kind="stable")]
    ordered = knots[order]
    if ordered.size == 0 or p < ordered[0] or p > ordered[-1]:
        return -1
    return int(order[np.searchsorted(ordered, p, side="left")])
