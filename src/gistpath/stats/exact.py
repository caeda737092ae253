"""Exact and rank tests as R's ``stats`` computes them: Fisher, chi-square, Wilcoxon, Kruskal.

Why our own: scipy's ``fisher_exact`` is exact for 2 x 2 tables only (R x C tables get Monte
Carlo or permutation approximations), it has no conditional maximum-likelihood odds ratio or
its confidence interval, and baseline tables in the GIST literature (seed 001, Table 1) report
R x C Fisher P values computed with R's two-sided definition: the total probability of every
table with the observed margins whose probability is at most the observed one, compared with a
relative tolerance of 1e-7. Every function here follows the R function named in its docstring,
including R's defaults (Yates' correction for 2 x 2 chi-square; exact Wilcoxon p values below
50 per group without ties, otherwise the normal approximation with continuity and tie
corrections).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from scipy.special import gammaln

from gistpath.stats._fisher_network import relative_threshold, tail_probability

RELATIVE_ERROR = 1e-7  # R: relErr <- 1 + 10^(-7)
DOUBLE_EPS = float(np.finfo(float).eps)
R_UNIROOT_TOL = DOUBLE_EPS**0.25  # uniroot()'s default tol: we reproduce its roots, not refine them


def _finite_or_none(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return float(value)


def _as_table(table: ArrayLike) -> NDArray[np.int64]:
    array = np.asarray(table)
    if array.ndim != 2 or min(array.shape) < 2:
        raise ValueError("a contingency table needs at least 2 rows and 2 columns")
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(array != np.round(array)):
        raise ValueError("a contingency table holds non-negative whole counts")
    return array.astype(np.int64)


# ------------------------------------------------------------------------------ Fisher


@dataclass(frozen=True)
class FisherResult:
    """``fisher.test``: two-sided p; for 2 x 2 also the conditional MLE odds ratio and its CI.

    An infinite odds ratio or CI limit (R prints ``Inf``) is ``inf`` here and ``null`` in JSON.
    """

    p: float
    odds_ratio: float | None = None
    conf_int: tuple[float, float] | None = None
    conf_level: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": "fisher",
            "p": self.p,
            "odds_ratio": _finite_or_none(self.odds_ratio),
            "conf_int": None
            if self.conf_int is None
            else [_finite_or_none(v) for v in self.conf_int],
            "conf_level": self.conf_level,
        }


def zeroin(
    function: Any, lower: float, upper: float, *, tol: float = R_UNIROOT_TOL, max_iter: int = 1000
) -> float:
    """Brent's root finder with R's ``uniroot`` defaults (tol = eps^0.25), so that estimates
    R finds with ``uniroot`` are reproduced to the last digit rather than refined.

    Keeps a bracket [b, c] with b the best guess; tries inverse quadratic (or secant)
    interpolation and falls back to bisection when the step would leave the bracket or shrink
    too slowly; stops when half the bracket is within 2 eps |b| + tol / 2.
    """
    a, b = lower, upper
    fa, fb = float(function(a)), float(function(b))
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    if fa * fb > 0:
        raise ValueError("the function has the same sign at both ends of the interval")
    c, fc = a, fa
    for _ in range(max_iter):
        previous_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * DOUBLE_EPS * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(previous_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:  # two points: secant
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:  # three points: inverse quadratic interpolation
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(previous_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = float(function(b))
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


class _NoncentralHypergeometric:
    """The conditional distribution of the top-left cell of a 2 x 2 table (R's dnhyper etc.)."""

    def __init__(self, table: NDArray[np.int64]) -> None:
        self.m = int(table[:, 0].sum())
        self.n = int(table[:, 1].sum())
        self.k = int(table[0, :].sum())
        self.x = int(table[0, 0])
        self.lo = max(0, self.k - self.n)
        self.hi = min(self.k, self.m)
        self.support = np.arange(self.lo, self.hi + 1)
        self.log_central = stats.hypergeom.logpmf(self.support, self.m + self.n, self.m, self.k)

    def density(self, ncp: float) -> NDArray[np.float64]:
        d = self.log_central + np.log(ncp) * self.support
        d = np.exp(d - d.max())
        return np.asarray(d / d.sum(), dtype=np.float64)

    def mean(self, ncp: float) -> float:
        if ncp == 0:
            return float(self.lo)
        if np.isinf(ncp):
            return float(self.hi)
        return float(self.support @ self.density(ncp))

    def cdf(self, q: int, ncp: float, *, upper: bool = False) -> float:
        if ncp == 0:
            return float(q <= self.lo) if upper else float(q >= self.lo)
        if np.isinf(ncp):
            return float(q <= self.hi) if upper else float(q >= self.hi)
        d = self.density(ncp)
        chosen = self.support >= q if upper else self.support <= q
        return float(d[chosen].sum())

    def two_sided_p(self) -> float:
        d = np.exp(self.log_central)
        observed = d[self.x - self.lo]
        return float(min(1.0, d[d <= observed * (1 + RELATIVE_ERROR)].sum()))

    def _root(self, function: Any, target: float) -> float:
        """Root in [0, 1] of function(t) - target."""
        return zeroin(lambda t: function(t) - target, 0.0, 1.0)

    def conditional_mle(self) -> float:
        x = self.x
        if x == self.lo:
            return 0.0
        if x == self.hi:
            return float("inf")
        mu = self.mean(1.0)
        if mu > x:
            return self._root(self.mean, x)
        if mu < x:
            return 1.0 / zeroin(lambda t: self.mean(1.0 / t) - x, DOUBLE_EPS, 1.0)
        return 1.0

    def upper_limit(self, alpha: float) -> float:
        x = self.x
        if x == self.hi:
            return float("inf")
        p = self.cdf(x, 1.0)
        if p < alpha:
            return self._root(lambda t: self.cdf(x, t), alpha)
        if p > alpha:
            return 1.0 / zeroin(lambda t: self.cdf(x, 1.0 / t) - alpha, DOUBLE_EPS, 1.0)
        return 1.0

    def lower_limit(self, alpha: float) -> float:
        x = self.x
        if x == self.lo:
            return 0.0
        p = self.cdf(x, 1.0, upper=True)
        if p > alpha:
            return self._root(lambda t: self.cdf(x, t, upper=True), alpha)
        if p < alpha:
            return 1.0 / zeroin(lambda t: self.cdf(x, 1.0 / t, upper=True) - alpha, DOUBLE_EPS, 1.0)
        return 1.0


def fisher_exact(table: ArrayLike, *, conf_level: float = 0.95) -> FisherResult:
    """R's ``fisher.test(table)`` (two-sided).

    2 x 2: p from the hypergeometric distribution, the conditional maximum-likelihood odds
    ratio and its exact confidence interval, found as R finds them: with ``uniroot``'s Brent
    iteration and its loose default tolerance (about 1e-4), so R's numbers are reproduced
    rather than refined. R x C: the exact network enumeration of
    :mod:`gistpath.stats._fisher_network`.
    """
    counts = _as_table(table)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if min(counts.shape) < 2:  # one non-empty row or column: every table is the observed one
        return FisherResult(p=1.0)
    if counts.shape == (2, 2):
        hyper = _NoncentralHypergeometric(counts)
        alpha = (1.0 - conf_level) / 2.0
        return FisherResult(
            p=hyper.two_sided_p(),
            odds_ratio=hyper.conditional_mle(),
            conf_int=(hyper.lower_limit(alpha), hyper.upper_limit(alpha)),
            conf_level=conf_level,
        )
    return FisherResult(p=fisher_rxc_p_value(counts))


def fisher_rxc_p_value(table: ArrayLike, *, relative_error: float = RELATIVE_ERROR) -> float:
    """Sum of the probabilities of all tables with the observed margins that are at most as
    probable as the observed table (times ``1 + relative_error``), as R's FEXACT."""
    counts = _as_table(table)
    if counts.shape[0] > counts.shape[1]:  # fewer rows = smaller network nodes
        counts = counts.T
    threshold = relative_threshold(counts.tolist(), relative_error)
    rows = tuple(int(v) for v in counts.sum(axis=1))
    columns = tuple(int(v) for v in counts.sum(axis=0))
    return tail_probability(rows, columns, threshold)


def table_probability(table: ArrayLike) -> float:
    """Probability of this table under independence given its margins (multivariate
    hypergeometric)."""
    counts = _as_table(table)
    n = counts.sum()
    log_p = (
        gammaln(counts.sum(axis=1) + 1).sum()
        + gammaln(counts.sum(axis=0) + 1).sum()
        - gammaln(n + 1)
        - gammaln(counts + 1).sum()
    )
    return float(np.exp(log_p))


# ------------------------------------------------------------------------------ chi-square


@dataclass(frozen=True)
class ChiSquareTableResult:
    """``chisq.test(table)``: statistic, df, p, expected counts, and R's warning if any."""

    statistic: float
    df: int
    p: float
    expected: tuple[tuple[float, ...], ...]
    yates: bool
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": "chisq",
            "statistic": self.statistic,
            "df": self.df,
            "p": _finite_or_none(self.p),
            "expected": [list(row) for row in self.expected],
            "yates": self.yates,
            "warnings": list(self.warnings),
        }


def chisq_test(table: ArrayLike, *, correct: bool = True) -> ChiSquareTableResult:
    """R's ``chisq.test(table, correct=correct)``: Pearson's test of independence, with
    Yates' continuity correction for 2 x 2 tables when ``correct`` (R's default)."""
    counts = _as_table(table).astype(np.float64)
    n = counts.sum()
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n
    yates = bool(correct and counts.shape == (2, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        if yates:
            shrink = np.minimum(0.5, np.abs(counts - expected))
            statistic = float((((np.abs(counts - expected) - shrink) ** 2) / expected).sum())
        else:
            statistic = float((((counts - expected) ** 2) / expected).sum())
    df = (counts.shape[0] - 1) * (counts.shape[1] - 1)
    warnings = ("Chi-squared approximation may be incorrect",) if np.any(expected < 5) else ()
    return ChiSquareTableResult(
        statistic=statistic,
        df=df,
        p=float(stats.chi2.sf(statistic, df)),
        expected=tuple(tuple(float(v) for v in row) for row in expected),
        yates=yates,
        warnings=warnings,
    )


# ------------------------------------------------------------------------------ rank tests


@dataclass(frozen=True)
class RankTestResult:
    """A rank test: statistic (R's W or Kruskal-Wallis chi-squared), p, and how p was found."""

    test: Literal["wilcoxon", "kruskal"]
    statistic: float
    p: float
    method: Literal["exact", "normal", "chisq"]
    df: int | None = None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "statistic": self.statistic,
            "p": self.p,
            "method": self.method,
            "df": self.df,
            "warnings": list(self.warnings),
        }


@lru_cache(maxsize=256)
def _mann_whitney_counts(m: int, n: int) -> tuple[float, ...]:
    """Number of arrangements giving each value 0..m*n of W (R's ``cwilcox`` counts)."""
    # counts[a][b] for a x-values and b y-values; W(a, b) = W(a-1, b) + b or W(a, b-1).
    previous = [np.ones(1) for _ in range(n + 1)]  # a = 0: one arrangement, W = 0
    for a in range(1, m + 1):
        current = [np.ones(1)]  # b = 0
        for b in range(1, n + 1):
            size = a * b + 1
            row = np.zeros(size)
            from_x = previous[b]  # last element is an x, larger than all b y's: adds b
            row[b : b + from_x.shape[0]] += from_x
            from_y = current[b - 1]  # last element is a y: adds nothing
            row[: from_y.shape[0]] += from_y
            current.append(row)
        previous = current
    return tuple(float(v) for v in previous[n])


def _pwilcox(q: float, m: int, n: int, *, upper: bool = False) -> float:
    """R's ``pwilcox(q, m, n, lower.tail = !upper)``."""
    counts = np.asarray(_mann_whitney_counts(m, n))
    total = counts.sum()
    q = float(np.floor(q + 1e-7))
    values = np.arange(counts.shape[0])
    if upper:
        return float(counts[values > q].sum() / total)
    return float(counts[values <= q].sum() / total)


def _clean(values: ArrayLike) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    return array[np.isfinite(array)]


def wilcoxon_rank_sum(
    x: ArrayLike, y: ArrayLike, *, exact: bool | None = None, correct: bool = True
) -> RankTestResult:
    """R's ``wilcox.test(x, y, exact=exact, correct=correct)`` (two-sided, mu = 0).

    W is the Mann-Whitney count for ``x``. The exact null distribution is used when
    ``exact`` is true, or by default when both groups have fewer than 50 values, and there are
    no ties; otherwise the normal approximation with tie-corrected variance and (if
    ``correct``) a continuity correction of 0.5, as R.
    """
    xs, ys = _clean(x), _clean(y)
    m, n = xs.shape[0], ys.shape[0]
    if m == 0 or n == 0:
        raise ValueError("both groups need at least one finite value")
    ranks = stats.rankdata(np.concatenate([xs, ys]))
    w = float(ranks[:m].sum() - m * (m + 1) / 2.0)
    use_exact = (m < 50 and n < 50) if exact is None else exact
    _, tie_sizes = np.unique(ranks, return_counts=True)
    has_ties = bool(np.any(tie_sizes > 1))
    warnings: list[str] = []
    if use_exact and not has_ties:
        p = _pwilcox(w - 1, m, n, upper=True) if w > m * n / 2.0 else _pwilcox(w, m, n)
        return RankTestResult("wilcoxon", w, min(2.0 * p, 1.0), "exact")
    if use_exact and has_ties:
        warnings.append("cannot compute exact p-value with ties")
    z = w - m * n / 2.0
    tie_term = float((tie_sizes**3 - tie_sizes).sum()) / ((m + n) * (m + n - 1))
    sigma = float(np.sqrt((m * n / 12.0) * ((m + n + 1) - tie_term)))
    correction = float(np.sign(z)) * 0.5 if correct else 0.0
    if sigma == 0:
        return RankTestResult("wilcoxon", w, float("nan"), "normal", None, tuple(warnings))
    z = (z - correction) / sigma
    p = 2.0 * min(float(stats.norm.cdf(z)), float(stats.norm.sf(z)))
    return RankTestResult("wilcoxon", w, p, "normal", None, tuple(warnings))


def kruskal_wallis(groups: Sequence[ArrayLike]) -> RankTestResult:
    """R's ``kruskal.test(list(...))``: tie-corrected Kruskal-Wallis chi-squared, k - 1 df."""
    cleaned = [_clean(g) for g in groups]
    cleaned = [g for g in cleaned if g.shape[0] > 0]
    if len(cleaned) < 2:
        raise ValueError("all observations are in the same group")
    values = np.concatenate(cleaned)
    total = values.shape[0]
    ranks = stats.rankdata(values)
    sizes = np.array([g.shape[0] for g in cleaned])
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    rank_sums = np.array([ranks[bounds[i] : bounds[i + 1]].sum() for i in range(len(cleaned))])
    h = 12.0 / (total * (total + 1)) * float((rank_sums**2 / sizes).sum()) - 3.0 * (total + 1)
    _, tie_sizes = np.unique(values, return_counts=True)
    h /= 1.0 - float((tie_sizes**3 - tie_sizes).sum()) / (total**3 - total)
    df = len(cleaned) - 1
    return RankTestResult("kruskal", h, float(stats.chi2.sf(h, df)), "chisq", df)
