"""Model and table commands on analysis tables: ``cox`` (Cox PH) and ``table`` (baseline table).

Both read a CSV or Parquet table with the shared helpers of :mod:`gistpath.cli.table_input`
and call the pure statistics in :mod:`gistpath.stats`; bad input becomes one
:class:`~gistpath.errors.InputError` naming the file and the column (exit status 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from gistpath.cli.app import JSON_OPTION, app, console, emit_json, err_console
from gistpath.cli.table_input import drop_incomplete, read_table, require_columns, survival_table
from gistpath.errors import InputError
from gistpath.stats.cox import CoxResult, fit_cox
from gistpath.stats.design import build_design
from gistpath.stats.tables import BaselineTable, build_baseline_table

TABLE_ARG = typer.Argument(
    ..., help="CSV or Parquet table, one row per subject.", show_default=False
)


def _names(text: str | None, option: str) -> list[str]:
    """Comma-separated column names; an empty list when the option is absent."""
    if text is None:
        return []
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise InputError(f"{option} needs at least one column name (got {text!r})")
    return names


def _fmt(value: float | None, digits: int = 4) -> str:
    return "NA" if value is None else f"{value:.{digits}g}"


def _p(value: float | None) -> str:
    if value is None:
        return "NA"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


# ------------------------------------------------------------------------------------ cox


def fit_cox_table(
    frame: pd.DataFrame,
    *,
    time: str,
    event: str,
    covariates: list[str],
    strata: list[str],
    ties: str,
    conf_level: float,
    source: str,
) -> tuple[CoxResult, int]:
    """Check the columns, drop incomplete rows, code covariates as R does, fit; (fit, dropped)."""
    if ties not in ("efron", "breslow"):
        raise InputError(f"--ties must be efron or breslow (got {ties!r})")
    if not covariates:
        raise InputError("--covariates needs at least one column name")
    used = [time, event, *covariates, *strata]
    require_columns(frame, *used, source=source)
    kept, dropped = drop_incomplete(frame, used)
    if kept.empty:
        raise InputError(f"{source}: no rows with values in all of {', '.join(used)}")
    data = survival_table(kept, time=time, event=event, strata=strata, source=source)
    try:
        design = build_design({c: kept[c].to_numpy() for c in covariates}, covariates)
    except ValueError as error:
        raise InputError(f"{source}: {error}") from None
    try:
        result = fit_cox(
            data.time,
            data.event.astype(int),
            design.matrix,
            design.names,
            strata=data.strata,
            ties=ties,  # type: ignore[arg-type]
            conf_level=conf_level,
        )
    except ValueError as error:
        raise InputError(f"{source}: {error}") from None
    return result, dropped


def _print_cox(result: CoxResult, dropped: int, source: str) -> None:
    table = Table(
        title=f"Cox proportional hazards ({result.ties} ties) - {source}", show_lines=False
    )
    level = f"{100 * result.conf_level:g}%"
    for column in ("covariate", "coef", "SE", "HR", f"HR {level} CI", "z", "p"):
        table.add_column(column, justify="left" if column == "covariate" else "right")
    for c in result.coefficients:
        ci = f"{_fmt(c.hr_ci[0])} - {_fmt(c.hr_ci[1])}" if c.coef is not None else "NA"
        table.add_row(c.name, _fmt(c.coef), _fmt(c.se), _fmt(c.hr), ci, _fmt(c.z, 3), _p(c.p))
    console.print(table)
    strata = f", {result.n_strata} strata" if result.n_strata > 1 else ""
    console.print(
        f"n = {result.n}, events = {result.events}{strata}"
        + (f" ({dropped} rows with missing values dropped)" if dropped else "")
    )
    console.print(
        f"concordance = {_fmt(result.concordance, 3)}, log-likelihood = {result.loglik:.2f}"
    )
    for name, test in (
        ("Likelihood ratio", result.lr),
        ("Wald", result.wald),
        ("Score (log-rank)", result.score),
    ):
        console.print(f"{name} test = {test.chisq:.2f} on {test.df} df, p = {_p(test.p)}")
    for warning in result.warnings:
        err_console.print(f"warning: {warning}", markup=False)


@app.command("cox")
def cox(
    table: Annotated[Path, TABLE_ARG],
    time: Annotated[str, typer.Option("--time", help="Column with the follow-up time.")],
    event: Annotated[str, typer.Option("--event", help="Column with 1 = event, 0 = censored.")],
    covariates: Annotated[
        str,
        typer.Option(
            "--covariates",
            help="Comma-separated columns; text columns become indicators against the first "
            "level in sorted order, as R's factors.",
        ),
    ],
    strata: Annotated[
        list[str] | None,
        typer.Option("--strata", help="Stratify by this column (repeatable: their combination)."),
    ] = None,
    ties: Annotated[
        str, typer.Option("--ties", help="Tied event times: efron (R's default) or breslow.")
    ] = "efron",
    conf_level: Annotated[float, typer.Option("--conf-level", help="CI level.")] = 0.95,
    as_json: bool = JSON_OPTION,
) -> None:
    """Cox proportional hazards model, as R's coxph: HRs with Wald CIs, LR/Wald/score tests."""
    source = str(table)
    frame = read_table(table)
    strata_columns = list(strata or [])
    result, dropped = fit_cox_table(
        frame,
        time=time,
        event=event,
        covariates=_names(covariates, "--covariates"),
        strata=strata_columns,
        ties=ties,
        conf_level=conf_level,
        source=source,
    )
    if as_json:
        document: dict[str, Any] = result.to_dict()
        document.update({"source": source, "n_dropped": dropped, "strata": strata_columns})
        emit_json(document)
    else:
        _print_cox(result, dropped, source)


# ---------------------------------------------------------------------------------- table


def _print_baseline(result: BaselineTable, source: str) -> None:
    table = Table(title=f"Baseline characteristics by {result.by} - {source}", show_lines=False)
    table.add_column("characteristic")
    for group, n in zip(result.groups, result.group_sizes, strict=True):
        table.add_column(f"{group} (n={n})", justify="right")
    table.add_column("p", justify="right")
    table.add_column("test")
    for row in result.rows:
        table.add_row(row.variable, *[""] * len(result.groups), _p(row.p), row.test or "-")
        for level in row.levels:
            cells = [
                f"{count} ({percent:.0f}%)" if percent is not None else str(count)
                for count, percent in zip(level.counts, level.percents, strict=True)
            ]
            table.add_row(f"  {level.level}", *cells, "", "")
        if row.summaries:
            cells = [
                f"{_fmt(s.median)} ({_fmt(s.minimum)}-{_fmt(s.maximum)})" if s.n else "-"
                for s in row.summaries
            ]
            table.add_row("  median (range)", *cells, "", "")
        if any(row.missing):
            table.add_row("  missing", *[str(m) for m in row.missing], "", "")
    console.print(table)
    if result.excluded:
        console.print(f"{result.excluded} rows without a value of {result.by} left out")


@app.command("table")
def baseline_table(
    table: Annotated[Path, TABLE_ARG],
    by: Annotated[str, typer.Option("--by", help="Column defining the groups (e.g. arm).")],
    variables: Annotated[
        str, typer.Option("--vars", help="Comma-separated columns to summarise and test.")
    ],
    test: Annotated[
        str,
        typer.Option("--test", help="Test for categorical variables: fisher (default) or chisq."),
    ] = "fisher",
    categorical: Annotated[
        str | None, typer.Option("--categorical", help="Numeric columns to treat as categories.")
    ] = None,
    continuous: Annotated[
        str | None,
        typer.Option("--continuous", help="Whole-number columns to treat as continuous."),
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Baseline table by group: counts (%) or median (range), missing, and a p per variable."""
    if test not in ("fisher", "chisq"):
        raise InputError(f"--test must be fisher or chisq (got {test!r})")
    source = str(table)
    frame = read_table(table)
    names = _names(variables, "--vars")
    require_columns(frame, by, *names, source=source)
    try:
        result = build_baseline_table(
            {c: frame[c].to_numpy() for c in dict.fromkeys([by, *names])},
            by,
            names,
            categorical_test=test,  # type: ignore[arg-type]
            categorical=_names(categorical, "--categorical"),
            continuous=_names(continuous, "--continuous"),
        )
    except ValueError as error:
        raise InputError(f"{source}: {error}") from None
    if as_json:
        document = result.to_dict()
        document["source"] = source
        emit_json(document)
    else:
        _print_baseline(result, source)
