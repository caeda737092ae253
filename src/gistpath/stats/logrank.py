"""Log-rank and Fleming-Harrington G-rho tests with R ``survdiff`` parity, optionally stratified.

Why our own: scipy's ``logrank`` multiplies variance terms in 64-bit integers and silently
overflows from a few hundred thousand tied rows, only statsmodels offers strata, and none follows
``survdiff`` exactly (hypergeometric variance, full covariance, groups with no expected events
dropped, the first remaining group left out of the quadratic form). Everything here is float64.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import chdtrc

from gistpath.errors import InputError
from gistpath.stats._counting import (
    FloatArray,
    IntArray,
    TimeCounts,
    as_survival_arrays,
    counts_at_times,
    group_codes,
)

__all__ = ["GroupCount", "LogRankResult", "log_rank"]


@dataclass(frozen=True)
class GroupCount:
    """Size, observed and expected (weighted, if rho != 0) events of one group."""

    group: str
    n: int
    observed: float
    expected: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "n": self.n,
            "observed": self.observed,
            "expected": self.expected,
        }


@dataclass(frozen=True)
class LogRankResult:
    """The test of ``survdiff``: chi-square on ``df`` degrees of freedom and its p-value."""

    chisq: float
    df: int
    p: float
    groups: tuple[GroupCount, ...]
    rho: float = 0.0
    strata: tuple[str, ...] = ()
    variance: tuple[tuple[float, ...], ...] = field(default=(), repr=False)

    @property
    def stratified(self) -> bool:
        return len(self.strata) > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": "logrank" if self.rho == 0 else "fleming-harrington",
            "rho": self.rho,
            "stratified": self.stratified,
            "strata": list(self.strata),
            "chisq": self.chisq,
            "df": self.df,
            "p": self.p,
            "groups": [g.to_dict() for g in self.groups],
            "variance": [list(row) for row in self.variance],
        }


def variance_terms(
    weight_sq_deaths: FloatArray, at_risk: FloatArray, total: FloatArray, deaths: FloatArray
) -> FloatArray:
    """R's per-time ``tmp = w^2 d n_j (N - d) / (N (N - 1))``; 0 where N = 1 (no variance)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        tmp = weight_sq_deaths * at_risk * (total - deaths) / (total * (total - 1.0))
    return np.where(total > 1.0, tmp, 0.0)


def chi_square(
    observed: FloatArray, expected: FloatArray, variance: FloatArray
) -> tuple[float, int]:
    """``survdiff``'s statistic: drop groups with expected 0, then the first remaining group.

    R solves the reduced system and stops when it is singular; here a singular system falls
    back to the Moore-Penrose inverse (a zero variance gives chi-square 0).
    """
    used = np.flatnonzero(expected > 0)
    df = used.size - 1
    if df < 1:
        return 0.0, max(df, 0)
    kept = used[1:]
    diff = observed[kept] - expected[kept]
    reduced = variance[np.ix_(kept, kept)]
    if kept.size == 1:
        v = float(reduced[0, 0])
        chisq = (diff[0] / v) * diff[0] if v != 0 else 0.0
        return float(chisq), df
    try:
        solved = np.linalg.solve(reduced, diff)
    except np.linalg.LinAlgError:
        solved = np.linalg.pinv(reduced) @ diff
    return float(np.sum(solved * diff)), df


def log_rank(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    rho: float = 0.0,
) -> LogRankResult:
    """Compare survival of 2+ groups: R ``survdiff(Surv(time, event) ~ group + strata(s), rho=)``.

    Weights are S(t-)^rho of the pooled Kaplan-Meier within each stratum (rho = 0: log-rank,
    rho = 1: Peto-Peto/Prentice). Stratified: observed, expected and the covariance matrix are
    summed over strata before the chi-square is formed.
    """
    times, events = as_survival_arrays(time, event)
    codes, labels = group_codes(group)
    if codes.size != times.size:
        raise InputError(f"group has {codes.size} values but time has {times.size}")
    if len(labels) < 2:
        raise InputError("the log-rank test needs at least two groups")
    if not np.isfinite(rho):
        raise InputError(f"rho must be a finite number (got {rho})")
    k = len(labels)
    stratum_labels: list[str] = []
    stratum_codes: IntArray | None = None
    if strata is not None:
        stratum_codes, stratum_labels = group_codes(strata)
        if stratum_codes.size != times.size:
            raise InputError(f"strata has {stratum_codes.size} values but time has {times.size}")
    observed = np.zeros(k)
    expected = np.zeros(k)
    variance = np.zeros((k, k))
    pieces = counts_at_times(
        times, events, codes, k, stratum=stratum_codes, n_strata=max(len(stratum_labels), 1)
    )
    pieces.reverse()
    while pieces:  # pop, so each stratum's counts are freed once summed
        o, e, v = stratum_sums(pieces.pop(), k, rho)
        observed += o
        expected += e
        variance += v
    chisq, df = chi_square(observed, expected, variance)
    sizes = np.bincount(codes, minlength=k)
    groups = tuple(
        GroupCount(labels[j], int(sizes[j]), float(observed[j]), float(expected[j]))
        for j in range(k)
    )
    return LogRankResult(
        chisq=chisq,
        df=df,
        p=float(chdtrc(df, chisq)) if df > 0 else 1.0,
        groups=groups,
        rho=float(rho),
        strata=tuple(stratum_labels),
        variance=tuple(tuple(float(x) for x in row) for row in variance),
    )


def stratum_sums(
    counts: TimeCounts, k: int, rho: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Observed, expected and covariance of one stratum, summed over its event times in order."""
    pooled_deaths = counts.deaths.sum(axis=0)
    with_deaths = np.flatnonzero(pooled_deaths > 0)
    if not with_deaths.size:
        return np.zeros(k), np.zeros(k), np.zeros((k, k))
    died = np.take(counts.deaths, with_deaths, axis=1)
    deaths = pooled_deaths[with_deaths]
    del pooled_deaths
    before = np.cumsum(counts.total, axis=1)  # at risk = group size - those at earlier times
    before -= counts.total
    at_risk = counts.total.sum(axis=1)[:, None] - np.take(before, with_deaths, axis=1)
    del before, counts
    total = at_risk.sum(axis=0)
    if rho == 0:  # weights 1: the products below would change nothing
        weighted_deaths, squared, weighted_died = deaths, deaths, died
    else:  # left-continuous pooled Kaplan-Meier, as survdiff2.c
        km = np.cumprod((total - deaths) / total)
        weight = np.concatenate(([1.0], km[:-1])) ** rho
        weighted_deaths, squared = weight * deaths, weight * weight * deaths
        weighted_died = weight * died
    # Every sum runs in time order over one reused buffer; each term is formed exactly as in
    # variance_terms() and in the batched code, so results agree bit for bit.
    buffer = np.empty(deaths.size)

    def summed(values: FloatArray) -> float:
        return float(values.cumsum(out=buffer)[-1])

    observed = np.array([summed(weighted_died[j]) for j in range(k)])
    expected = np.empty(k)
    for j in range(k):
        np.multiply(weighted_deaths, at_risk[j], out=buffer)
        buffer /= total
        expected[j] = summed(buffer)
    with np.errstate(divide="ignore", invalid="ignore"):
        remaining = total - deaths
        denominator = total * (total - 1.0)
    no_variance = total <= 1.0
    variance = np.empty((k, k))
    for j in range(k):
        tmp = squared * at_risk[j]
        tmp *= remaining
        with np.errstate(divide="ignore", invalid="ignore"):
            tmp /= denominator
        tmp[no_variance] = 0.0
        for m in range(k):
            np.multiply(tmp, at_risk[m], out=buffer)
            buffer /= total
            if j == m:
                np.subtract(tmp, buffer, out=buffer)
                variance[j, m] = summed(buffer)
            else:
                variance[j, m] = -summed(buffer)
    return observed, expected, variance
