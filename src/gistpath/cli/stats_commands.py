"""Survival commands on analysis tables: ``km`` (Kaplan-Meier) and ``compare`` (log-rank)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gistpath.cli.app import JSON_OPTION, app, console, emit_json
from gistpath.cli.table_input import SurvivalTable, read_table, survival_table
from gistpath.errors import InputError
from gistpath.stats._counting import level_label
from gistpath.stats._km_math import check_conf_type
from gistpath.stats.logrank import LogRankResult, log_rank
from gistpath.stats.survival import (
    KaplanMeierSummary,
    kaplan_meier,
    median_follow_up,
    summarize,
)

TABLE_ARG = typer.Argument(
    ..., help="CSV or Parquet table, one row per subject.", show_default=False
)
TIME_OPTION = typer.Option(
    ..., "--time", help="Column with the follow-up time.", show_default=False
)
EVENT_OPTION = typer.Option(
    ..., "--event", help="Column with 1 = event, 0 = censored.", show_default=False
)


def _load(path: Path, time: str, event: str, group: str | None, strata: list[str]) -> SurvivalTable:
    return survival_table(read_table(path), time=time, event=event, group=group, strata=strata)


def _parse_times(text: str | None) -> list[float]:
    if not text:
        return []
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--times must be comma-separated numbers (got {text!r})") from None


def _fmt(value: float | None, digits: int = 4) -> str:
    return "NA" if value is None else f"{value:.{digits}g}"


def _ci(pair: list[float | None]) -> str:
    return f"{_fmt(pair[0])} - {_fmt(pair[1])}"


@app.command("km")
def km(
    table: Annotated[Path, TABLE_ARG],
    time: Annotated[str, TIME_OPTION],
    event: Annotated[str, EVENT_OPTION],
    group: Annotated[
        str | None, typer.Option("--group", help="Column defining the curves (one per value).")
    ] = None,
    conf_type: Annotated[
        str, typer.Option("--conf-type", help="CI transform: log (R's default), log-log, plain.")
    ] = "log",
    conf_level: Annotated[float, typer.Option("--conf-level", help="CI level.")] = 0.95,
    times: Annotated[
        str | None, typer.Option("--times", help="Comma-separated times to report S(t) at.")
    ] = None,
    rmean: Annotated[
        float | None, typer.Option("--rmean", help="Report the restricted mean up to this time.")
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Kaplan-Meier medians, quantiles and CIs per group, as R's survfit."""
    kind = check_conf_type(conf_type)
    landmarks = _parse_times(times)
    data = _load(table, time, event, group, [])
    if data.group is None:
        parts: list[tuple[str | None, Any]] = [(None, slice(None))]
    else:
        labels = sorted(set(data.group.tolist()))
        parts = [(level_label(v), data.group == v) for v in labels]
    summaries: list[KaplanMeierSummary] = []
    for label, rows in parts:
        curve = kaplan_meier(
            data.time[rows], data.event[rows], conf_type=kind, conf_level=conf_level
        )
        follow_up = median_follow_up(
            data.time[rows], data.event[rows], conf_type=kind, conf_level=conf_level
        )
        summaries.append(
            summarize(curve, group=label, follow_up=follow_up, times=landmarks, tau=rmean)
        )
    if as_json:
        emit_json(
            {
                "columns": {"time": time, "event": event, "group": group},
                "conf_type": kind,
                "conf_level": conf_level,
                "n": data.n,
                "dropped": data.dropped,
                "groups": [s.to_dict() for s in summaries],
            }
        )
        return
    _print_km(summaries, data, conf_level)


def _print_km(summaries: list[KaplanMeierSummary], data: SurvivalTable, level: float) -> None:
    percent = f"{100 * level:g}%"
    table = Table(title=f"Kaplan-Meier ({data.source})")
    for column in ("group", "n", "events", "median", f"{percent} CI", "25%", "75%", "follow-up"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for s in summaries:
        d = s.to_dict()
        table.add_row(
            "all" if s.group is None else s.group,
            str(s.n),
            str(s.events),
            _fmt(d["median"]),
            _ci(d["median_ci"]),
            _fmt(d["quantiles"].get("25")),
            _fmt(d["quantiles"].get("75")),
            _fmt(d.get("median_follow_up")),
        )
    console.print(table)
    for s in summaries:
        if s.landmarks:
            at = Table(title=f"Survival at times ({'all' if s.group is None else s.group})")
            for column in ("time", "at risk", "events", "S(t)", "std.err", f"{percent} CI"):
                at.add_column(column, justify="right")
            for row in s.landmarks:
                at.add_row(
                    f"{row.time:g}",
                    str(row.n_risk),
                    str(row.n_event),
                    _fmt(row.surv),
                    _fmt(row.std_err),
                    _ci([row.lower, row.upper]),
                )
            console.print(at)
        if s.restricted_mean is not None:
            r = s.restricted_mean
            console.print(
                f"restricted mean to {r.tau:g} ({'all' if s.group is None else s.group}): "
                f"{r.rmean:.4g} (se {r.se:.4g})"
            )
    if data.dropped:
        console.print(f"{data.dropped} rows with a missing value were dropped")


@app.command("compare")
def compare(
    table: Annotated[Path, TABLE_ARG],
    time: Annotated[str, TIME_OPTION],
    event: Annotated[str, EVENT_OPTION],
    group: Annotated[str, typer.Option(..., "--group", help="Column with the groups to compare.")],
    strata: Annotated[
        list[str] | None,
        typer.Option("--strata", help="Stratify by this column (repeatable), as R's strata()."),
    ] = None,
    rho: Annotated[
        float, typer.Option("--rho", help="Fleming-Harrington weight S(t-)^rho; 0 = log-rank.")
    ] = 0.0,
    as_json: bool = JSON_OPTION,
) -> None:
    """Log-rank test of 2+ groups, optionally stratified, as R's survdiff."""
    data = _load(table, time, event, group, list(strata or []))
    assert data.group is not None
    levels = sorted(set(data.group.tolist()))
    if len(levels) < 2:
        raise InputError(
            f"{data.source}: column {group!r} has only one group ({level_label(levels[0])}); "
            "the log-rank test needs two or more"
        )
    result = log_rank(data.time, data.event, data.group, strata=data.strata, rho=rho)
    if data.strata is not None:
        result = dataclasses.replace(result, strata=tuple(data.strata_names))
    if as_json:
        document = result.to_dict()
        document.update(
            {
                "columns": {"time": time, "event": event, "group": group, "strata": strata or []},
                "n": data.n,
                "dropped": data.dropped,
            }
        )
        emit_json(document)
        return
    _print_compare(result, data)


def _print_compare(result: LogRankResult, data: SurvivalTable) -> None:
    name = "Log-rank" if result.rho == 0 else f"Fleming-Harrington (rho = {result.rho:g})"
    strata = f", stratified by {len(result.strata)} strata" if result.stratified else ""
    table = Table(title=f"{name} test ({data.source}){strata}")
    for column in ("group", "n", "observed", "expected", "(O-E)^2/E"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for g in result.groups:
        ratio = (g.observed - g.expected) ** 2 / g.expected if g.expected > 0 else None
        table.add_row(g.group, str(g.n), f"{g.observed:.4g}", f"{g.expected:.4g}", _fmt(ratio, 3))
    console.print(table)
    console.print(f"Chisq = {result.chisq:.4g} on {result.df} df, p = {result.p:.3g}")
    if data.dropped:
        console.print(f"{data.dropped} rows with a missing value were dropped")
