"""``gistpath report``: a self-contained HTML survival report from an analysis table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gistpath.cli.app import app, console
from gistpath.errors import InputError


def _list(text: str | None, option: str) -> list[str]:
    if text is None:
        return []
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise InputError(f"{option} needs at least one value (got {text!r})")
    return names


def _numbers(text: str | None, option: str) -> list[float]:
    values = []
    for part in _list(text, option):
        try:
            values.append(float(part))
        except ValueError:
            raise InputError(f"{option}: {part!r} is not a number") from None
    return values


@app.command()
def report(
    table: Annotated[Path, typer.Argument(help="CSV or Parquet table, one row per subject.")],
    time: Annotated[str, typer.Option("--time", help="Column with the follow-up time.")],
    event: Annotated[str, typer.Option("--event", help="Column with 1 = event, 0 = censored.")],
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    group: Annotated[
        str | None, typer.Option("--group", help="Column whose groups get one curve each.")
    ] = None,
    strata: Annotated[
        list[str] | None, typer.Option("--strata", help="Stratify the log-rank and Cox by this.")
    ] = None,
    covariates: Annotated[
        str | None, typer.Option("--covariates", help="Cox covariates, comma-separated.")
    ] = None,
    variables: Annotated[
        str | None, typer.Option("--vars", help="Baseline-table variables (by --group).")
    ] = None,
    landmarks: Annotated[
        str | None, typer.Option("--landmarks", help="Times for survival rates, e.g. 6,12.")
    ] = None,
    endpoint: Annotated[str, typer.Option("--endpoint", help="What the time measures.")] = (
        "survival"
    ),
    time_unit: Annotated[str, typer.Option("--time-unit")] = "months",
    title: Annotated[str | None, typer.Option("--title")] = None,
) -> None:
    """Write Kaplan-Meier plots (numbers at risk under the axis), the median table, the tests,
    a Cox forest plot and the baseline table as one HTML file."""
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--out {out}: use an .html file name")
    if variables is not None and group is None:
        raise InputError("--vars needs --group: the baseline table compares the groups")
    from gistpath.cli.model_commands import fit_cox_table
    from gistpath.cli.table_input import read_table, require_columns, survival_table
    from gistpath.report.survival_report import ReportSpec, SurvivalData, survival_report
    from gistpath.stats.tables import build_baseline_table

    source = str(table)
    frame = read_table(table)
    strata = strata or []
    data = survival_table(frame, time=time, event=event, group=group, strata=strata, source=source)
    cox = None
    names = _list(covariates, "--covariates")
    if names:
        cox, _ = fit_cox_table(
            frame,
            time=time,
            event=event,
            covariates=names,
            strata=strata,
            ties="efron",
            conf_level=0.95,
            source=source,
        )
    baseline = None
    wanted = _list(variables, "--vars")
    if wanted and group is not None:
        require_columns(frame, group, *wanted, source=source)
        try:
            baseline = build_baseline_table(
                {c: frame[c].to_numpy() for c in dict.fromkeys([group, *wanted])}, group, wanted
            )
        except ValueError as error:
            raise InputError(f"{source}: {error}") from None
    spec = ReportSpec(
        title=title or f"{endpoint} report: {table.name}",
        source=source,
        endpoint=endpoint,
        time_unit=time_unit,
        landmarks=_numbers(landmarks, "--landmarks"),
        strata_names=tuple(strata),
    )
    page = survival_report(
        SurvivalData(data.time, data.event, data.group, data.strata, data.dropped),
        spec,
        cox=cox,
        baseline=baseline,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    console.print(f"wrote the {endpoint} report ({data.n} subjects) to {out}")
