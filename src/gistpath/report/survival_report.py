"""The publication-style survival report: one self-contained HTML page.

Kaplan-Meier curves with censoring marks and numbers at risk under the axis, the median table
(with landmark rates), the log-rank test (stratified when strata are given), median follow-up,
a Cox model with its forest plot, and the baseline table. The numbers come from
:mod:`gistpath.stats`; this module only draws and lays them out (no file I/O).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter
from numpy.typing import NDArray

from gistpath.report.case_summary import CSS
from gistpath.stats.cox import CoxResult
from gistpath.stats.logrank import LogRankResult, log_rank
from gistpath.stats.survival import KaplanMeier, kaplan_meier, median_follow_up
from gistpath.stats.tables import BaselineTable

_COLOURS = ("#0b3954", "#c81d25", "#087e8b", "#ff9f1c", "#6a4c93", "#2e933c")


@dataclass(frozen=True)
class SurvivalData:
    """The analysis columns after incomplete rows were dropped."""

    time: NDArray[np.float64]
    event: NDArray[np.bool_]
    group: NDArray[np.object_] | None = None
    strata: NDArray[np.intp] | None = None
    dropped: int = 0


@dataclass(frozen=True)
class ReportSpec:
    """What the page is about and what to show."""

    title: str
    source: str
    endpoint: str = "survival"
    time_unit: str = "months"
    landmarks: Sequence[float] = ()
    strata_names: Sequence[str] = field(default_factory=tuple)


def survival_report(
    data: SurvivalData,
    spec: ReportSpec,
    *,
    cox: CoxResult | None = None,
    baseline: BaselineTable | None = None,
) -> str:
    """The whole HTML document."""
    curves = _curves(data)
    test = _test(data)
    parts = [
        f"<p class='facts'>{escape(spec.source)} · {data.time.size} subjects"
        f"{f', {data.dropped} rows with a missing value left out' if data.dropped else ''}"
        f" · generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by gistpath</p>",
        f"<h2>Kaplan-Meier estimate of {escape(spec.endpoint)}</h2>",
        f"<div class='chart'>{km_plot(curves, spec)}</div>",
        "<h3>Medians and landmarks</h3>",
        _median_table(curves, spec),
        _follow_up(data, spec),
    ]
    if test is not None:
        parts += ["<h3>Comparison</h3>", _test_table(test, spec)]
    if cox is not None:
        parts += ["<h2>Cox proportional hazards</h2>", _cox_table(cox)]
        parts.append(f"<div class='chart'>{forest_plot(cox)}</div>")
    if baseline is not None:
        parts += ["<h2>Baseline characteristics</h2>", _baseline_table(baseline)]
    parts.append(
        "<p class='note'>Kaplan-Meier with Greenwood standard errors and log-transformed 95% "
        "confidence intervals; medians by R's rule (survival package); log-rank with the "
        "hypergeometric variance; Cox with Efron ties and Wald intervals; Fisher's exact test "
        "for categorical and Wilcoxon rank-sum for continuous baseline variables.</p>"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(spec.title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(spec.title)}</h1></header><main>" + "".join(parts) + "</main>"
        "</body></html>"
    )


def _curves(data: SurvivalData) -> dict[str, KaplanMeier]:
    if data.group is None:
        return {"all": kaplan_meier(data.time, data.event)}
    labels = sorted({str(g) for g in data.group})
    groups = np.asarray([str(g) for g in data.group], dtype=object)
    return {
        label: kaplan_meier(data.time[groups == label], data.event[groups == label])
        for label in labels
    }


def _test(data: SurvivalData) -> LogRankResult | None:
    if data.group is None or len({str(g) for g in data.group}) < 2:
        return None
    groups = np.asarray([str(g) for g in data.group], dtype=object)
    return log_rank(data.time, data.event, groups, strata=data.strata)


def km_plot(curves: dict[str, KaplanMeier], spec: ReportSpec) -> str:
    """Step curves with censoring marks; numbers at risk under the axis. Returns ``<svg>``."""
    horizon = max(float(c.time.max()) for c in curves.values() if c.time.size)
    ticks = _ticks(horizon)
    fig, (axis, table) = plt.subplots(
        2,
        1,
        figsize=(8.4, 4.6 + 0.28 * len(curves)),
        height_ratios=(5, 0.55 + 0.32 * len(curves)),
        layout="constrained",
    )
    for index, (label, curve) in enumerate(curves.items()):
        colour = _COLOURS[index % len(_COLOURS)]
        xs = np.concatenate(([0.0], curve.time))
        ys = np.concatenate(([1.0], curve.surv))
        axis.step(xs, ys, where="post", color=colour, linewidth=1.8, label=label)
        low = np.concatenate(([1.0], np.nan_to_num(curve.lower, nan=0.0)))
        high = np.concatenate(([1.0], np.nan_to_num(curve.upper, nan=1.0)))
        axis.fill_between(xs, low, high, step="post", color=colour, alpha=0.09, linewidth=0)
        censored = curve.n_censor > 0
        axis.plot(
            curve.time[censored],
            curve.surv[censored],
            linestyle="none",
            marker="|",
            markersize=8,
            color=colour,
        )
    axis.set_xlim(0, ticks[-1])
    axis.set_ylim(0, 1.02)
    axis.set_xticks(ticks)
    axis.set_ylabel(f"{spec.endpoint} probability")
    axis.set_xlabel(f"time ({spec.time_unit})")
    axis.grid(alpha=0.25)
    axis.spines[["top", "right"]].set_visible(False)
    if len(curves) > 1:
        axis.legend(frameon=False, loc="upper right")
    table.set_xlim(axis.get_xlim())
    table.set_ylim(-0.5, len(curves) - 0.5)
    table.set_title("Number at risk", loc="left", fontsize=9, color="#57606a")
    # group names as y tick labels, so the layout makes room for them left of the axis
    table.set_yticks(range(len(curves)), list(reversed(curves)), fontsize=8.5)
    table.set_xticks([])
    table.tick_params(left=False, pad=14)
    table.spines[:].set_visible(False)
    for row, (_, curve) in enumerate(curves.items()):
        y = len(curves) - 1 - row
        for tick, at_risk in zip(ticks, _at_risk(curve, ticks), strict=True):
            table.text(tick, y, str(at_risk), ha="center", va="center", fontsize=8.5)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _ticks(horizon: float) -> list[float]:
    """Six to ten round ticks from 0 past the last time."""
    for nice in (1, 2, 3, 6, 12, 24, 30, 60, 90, 180, 365, 730):
        if horizon / nice <= 10:
            return [float(nice * k) for k in range(int(np.ceil(horizon / nice)) + 1)]
    size = float(10 ** np.floor(np.log10(horizon)))
    return [size * k for k in range(int(np.ceil(horizon / size)) + 1)]


def _at_risk(curve: KaplanMeier, ticks: Sequence[float]) -> list[int]:
    """Subjects still at risk at each tick (time >= tick)."""
    times = np.repeat(curve.time, (curve.n_event + curve.n_censor).astype(np.int64))
    ordered = np.sort(times)
    return [int(ordered.size - np.searchsorted(ordered, t, side="left")) for t in ticks]


def _fmt(value: float | None, digits: int = 2) -> str:
    return "NA" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return "NA"
    return "&lt;0.001" if value < 0.001 else f"{value:.3f}"


def _p_is(value: float | None) -> str:
    """``p = 0.012`` or ``p &lt; 0.001``."""
    return "p &lt; 0.001" if value is not None and value < 0.001 else f"p = {_p(value)}"


def _median_table(curves: dict[str, KaplanMeier], spec: ReportSpec) -> str:
    marks = list(spec.landmarks)
    head = "".join(
        f"<th>{escape(spec.endpoint)} at {m:g} {escape(spec.time_unit)}</th>" for m in marks
    )
    rows = []
    for label, curve in curves.items():
        median = curve.median()
        cells = ""
        if marks:
            found = {row.time: row for row in curve.at(marks, extend=True)}
            for m in marks:
                row = found.get(float(m))
                if row is None:
                    cells += "<td>-</td>"
                else:
                    band = f"{_pct(row.lower)}–{_pct(row.upper)}"
                    cells += f"<td class='num'>{100 * row.surv:.0f}% ({band})</td>"
        rows.append(
            f"<tr><td>{escape(label)}</td><td class='num'>{curve.n}</td>"
            f"<td class='num'>{curve.events}</td><td class='num'>{_fmt(median.time)} "
            f"({_fmt(median.lower)}–{_fmt(median.upper)})</td>{cells}</tr>"
        )
    return (
        f"<table><tr><th>group</th><th>n</th><th>events</th><th>median, {escape(spec.time_unit)}"
        f" (95% CI)</th>{head}</tr>" + "".join(rows) + "</table>"
    )


def _pct(value: float | None) -> str:
    return "NA" if value is None else f"{100 * value:.0f}%"


def _follow_up(data: SurvivalData, spec: ReportSpec) -> str:
    follow = median_follow_up(data.time, data.event)
    return (
        f"<p>Median follow-up (reverse Kaplan-Meier): {_fmt(follow.time)} {escape(spec.time_unit)}"
        f" (95% CI {_fmt(follow.lower)}–{_fmt(follow.upper)}).</p>"
    )


def _test_table(test: LogRankResult, spec: ReportSpec) -> str:
    kind = "stratified log-rank" if test.stratified else "log-rank"
    strata = f" (strata: {escape(', '.join(spec.strata_names))})" if spec.strata_names else ""
    rows = "".join(
        f"<tr><td>{escape(g.group)}</td><td class='num'>{g.n}</td>"
        f"<td class='num'>{g.observed:g}</td><td class='num'>{g.expected:.2f}</td></tr>"
        for g in test.groups
    )
    return (
        f"<p>{kind}{strata}: χ² = {test.chisq:.2f} on {test.df} df, {_p_is(test.p)}</p>"
        "<table><tr><th>group</th><th>n</th><th>observed</th><th>expected</th></tr>"
        + rows
        + "</table>"
    )


def _cox_table(cox: CoxResult) -> str:
    rows = "".join(
        f"<tr><td>{escape(c.name)}</td><td class='num'>{_fmt(c.hr)}</td>"
        f"<td class='num'>{_fmt(c.hr_ci[0])}–{_fmt(c.hr_ci[1])}</td>"
        f"<td class='num'>{_p(c.p)}</td></tr>"
        for c in cox.coefficients
    )
    tests = "; ".join(
        f"{name} χ² {test.chisq:.2f} on {test.df} df, {_p_is(test.p)}"
        for name, test in (("likelihood ratio", cox.lr), ("Wald", cox.wald), ("score", cox.score))
    )
    concordance = "" if cox.concordance is None else f"; concordance {cox.concordance:.3f}"
    warnings = "".join(f"<p class='note'>{escape(w)}</p>" for w in cox.warnings)
    return (
        f"<p>n = {cox.n}, events = {cox.events}{concordance}. {tests}.</p>{warnings}"
        "<table><tr><th>covariate</th><th>hazard ratio</th><th>95% CI</th><th>p</th></tr>"
        + rows
        + "</table>"
    )


def forest_plot(cox: CoxResult) -> str:
    """Hazard ratios with their confidence intervals on a log axis. Returns ``<svg>``."""
    rows = [c for c in cox.coefficients if c.hr is not None]
    fig, axis = plt.subplots(figsize=(7.2, 0.8 + 0.34 * max(1, len(rows))), layout="constrained")
    for y, c in enumerate(reversed(rows)):
        hr = float(c.hr or 1.0)
        low = hr if c.hr_ci[0] is None else float(c.hr_ci[0])
        high = hr if c.hr_ci[1] is None else float(c.hr_ci[1])
        axis.plot([low, high], [y, y], color="#0b3954", linewidth=1.6)
        axis.plot([hr], [y], marker="s", color="#0b3954", markersize=7)
    axis.axvline(1.0, color="#57606a", linestyle="--", linewidth=1)
    axis.set_xscale("log")
    axis.xaxis.set_major_locator(FixedLocator(_hr_ticks(axis.get_xlim())))
    axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.xaxis.set_minor_locator(FixedLocator([]))
    axis.set_yticks(range(len(rows)), [c.name for c in reversed(rows)], fontsize=9)
    axis.tick_params(axis="x", labelsize=9)
    axis.set_ylim(-0.6, len(rows) - 0.4)
    axis.set_xlabel("hazard ratio (95% CI), log scale", fontsize=9)
    axis.spines[["top", "right"]].set_visible(False)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _hr_ticks(limits: tuple[float, float]) -> list[float]:
    """Doubling ticks (…, 0.25, 0.5, 1, 2, 4, …) inside the axis limits, always with 1."""
    low, high = limits
    candidates = [2.0**k for k in range(-8, 9)]
    ticks = [t for t in candidates if low <= t <= high]
    return ticks if 1.0 in ticks else sorted({*ticks, 1.0})


def _baseline_table(table: BaselineTable) -> str:
    head = "".join(
        f"<th>{escape(g)} (n = {n})</th>"
        for g, n in zip(table.groups, table.group_sizes, strict=True)
    )
    rows = []
    for row in table.rows:
        tail = f"<td>{_p(row.p)}</td><td>{escape(row.test or '')}</td>"
        if row.kind == "categorical":
            blank = "<td></td>" * len(table.groups)
            rows.append(f"<tr><td><b>{escape(row.variable)}</b>, n (%)</td>{blank}{tail}</tr>")
            for level in row.levels:
                counts = "".join(
                    f"<td class='num'>{count} ({'-' if pct is None else f'{pct:.0f}%'})</td>"
                    for count, pct in zip(level.counts, level.percents, strict=True)
                )
                rows.append(
                    f"<tr><td>&nbsp;&nbsp;{escape(level.level)}</td>{counts}<td></td><td></td></tr>"
                )
        else:
            cells = "".join(
                f"<td class='num'>{_fmt(g.median, 1)} ({_range(g.minimum, g.maximum)})</td>"
                for g in row.summaries
            )
            rows.append(
                f"<tr><td><b>{escape(row.variable)}</b>, median (range)</td>{cells}{tail}</tr>"
            )
        if any(row.missing):
            missing = "".join(f"<td class='num'>{m}</td>" for m in row.missing)
            rows.append(f"<tr><td>&nbsp;&nbsp;missing</td>{missing}<td></td><td></td></tr>")
    return (
        f"<table><tr><th>variable</th>{head}<th>p</th><th>test</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _range(low: float | None, high: float | None) -> str:
    return f"{_fmt(low, 1)}–{_fmt(high, 1)}"
