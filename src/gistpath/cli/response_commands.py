"""Commands on response and endpoints: ``assess`` and ``endpoints``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gistpath.case.load import iter_case_texts, load_cases, parse_case
from gistpath.cli.app import JSON_OPTION, app, console, emit_json, err_console
from gistpath.cli.case_commands import CASES_ARG
from gistpath.errors import InputError
from gistpath.imaging.assess import AssessOptions, CaseAssessment, assess_case
from gistpath.outcomes.endpoints import COLUMNS, line_endpoints


class CriteriaChoice(StrEnum):
    recist11 = "recist1.1"
    recist10 = "recist1.0"
    choi = "choi"
    all = "all"


class ProgressionChoice(StrEnum):
    recist11 = "recist1.1"
    recist10 = "recist1.0"
    choi = "choi"


class ReaderChoice(StrEnum):
    site = "site"
    central = "central"


READER_OPTION = typer.Option(ReaderChoice.site, "--reader", help="Whose reading: site or central.")


@app.command()
def assess(
    cases: Annotated[list[Path], CASES_ARG],
    criteria: CriteriaChoice = typer.Option(CriteriaChoice.all, "--criteria"),
    reader: ReaderChoice = READER_OPTION,
    progression_by: ProgressionChoice | None = typer.Option(
        None, "--progression-by", help="Criterion that dates progression (default: RECIST 1.1)."
    ),
    sd_min_days: int | None = typer.Option(
        None, "--sd-min-days", min=0, help="Minimum days from the start for SD (default 42)."
    ),
    focal_max: int | None = typer.Option(
        None, "--focal-max", min=1, help="Most progressing lesions still called focal (default 1)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Assess response (RECIST 1.1/1.0, Choi) and the pattern of progression per time point."""
    options = AssessOptions(
        criteria=criteria.value,  # type: ignore[arg-type]
        reader=reader.value,  # type: ignore[arg-type]
        progression_by=None if progression_by is None else progression_by.value,  # type: ignore[arg-type]
        sd_min_days=sd_min_days,
        focal_max_lesions=focal_max,
    )
    results = [assess_case(case, options) for case in load_cases(cases)]
    if as_json:
        documents = [r.to_dict() for r in results]
        emit_json(documents[0] if len(documents) == 1 else {"cases": documents})
        return
    for result in results:
        _print_assessment(result)


def _print_assessment(result: CaseAssessment) -> None:
    table = Table(
        title=f"{result.case_id}: response by time point ({result.options.reader} reader)"
    )
    table.add_column("date")
    table.add_column("line", justify="right")
    table.add_column("target sum (vs base / nadir)")
    table.add_column("RECIST (T / NT / new)")
    table.add_column("Choi (size / HU)")
    table.add_column("pattern")
    for point in result.timepoints:
        r, c = point.recist, point.choi
        recist_sum = (
            f"{_fmt(r.target_sum_mm)} mm ({_pct(r.change_from_baseline_pct)} / "
            f"{_pct(r.change_from_nadir_pct)})"
            if r and r.target_sum_mm is not None
            else "-"
        )
        recist = (
            f"{_code(r.overall)} ({r.target or '-'} / {_short(r.non_target)} / "
            f"{'new' if r.new_lesions else 'none'})"
            if r
            else "-"
        )
        choi = (
            f"{_code(c.overall)} ({_pct(c.size_change_pct)} / {_pct(c.density_change_pct)})"
            if c
            else "-"
        )
        lesions = f" {', '.join(point.progressing_lesions)}" if point.progressing_lesions else ""
        table.add_row(
            point.date.isoformat(),
            str(point.line),
            recist_sum,
            recist,
            choi,
            point.pattern + lesions,
        )
    console.print(table)
    lines = Table(title="Best overall response per line")
    for column in ("line", "drug", "start", "baseline", "RECIST", "confirmed", "Choi", "PD on"):
        lines.add_column(column)
    for line in result.lines:
        lines.add_row(
            str(line.line),
            line.drug,
            line.start.isoformat(),
            line.baseline_date.isoformat() if line.baseline_date else "none",
            _code(line.best_recist),
            _code(line.best_recist_confirmed),
            _code(line.best_choi),
            line.first_progression.isoformat() if line.first_progression else "-",
        )
    console.print(lines)
    for finding in result.findings:
        console.print(f"[yellow]note:[/yellow] {finding}")


def _short(code: str | None) -> str:
    return {"NON_CR_NON_PD": "non-CR/non-PD", None: "-"}.get(code, code or "-")


_COLOURS = {"CR": "green", "PR": "green", "SD": "cyan", "PD": "red", "NE": "yellow"}


def _code(code: str | None) -> str:
    if code is None:
        return "-"
    colour = _COLOURS.get(code)
    return f"[{colour}]{code}[/{colour}]" if colour else code


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"


@app.command()
def endpoints(
    cases: Annotated[list[Path], CASES_ARG],
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Write the cohort table here (.csv or .parquet); default: CSV on stdout.",
    ),
    reader: ReaderChoice = READER_OPTION,
    criteria: ProgressionChoice = typer.Option(
        ProgressionChoice.recist11, "--criteria", help="Criterion that defines progression for PFS."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """One row per case and line: PFS, TTF, OS, best response and baseline covariates."""
    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"--out {out}: use a .csv or .parquet file name")
    texts = list(iter_case_texts(cases))
    rows: list[dict[str, Any]] = []
    with Progress(
        TextColumn("endpoints"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=len(texts) < 50,
    ) as progress:
        task = progress.add_task("cases", total=len(texts))
        for item in texts:
            case = parse_case(item.text, item.source)
            rows.extend(
                r.to_row()
                for r in line_endpoints(case, reader=reader.value, criteria=criteria.value)  # type: ignore[arg-type]
            )
            progress.advance(task)
    frame = _frame(rows)
    if out is None:
        if as_json:
            emit_json({"cases": len(texts), "rows": frame.to_dict(orient="records")})
        else:
            frame.to_csv(console.file, index=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_csv(out, index=False)
    summary = {"cases": len(texts), "rows": len(frame), "out": str(out)}
    if as_json:
        emit_json(summary)
    else:
        console.print(f"wrote {len(frame)} rows for {len(texts)} cases to {out}")


def _frame(rows: list[dict[str, Any]]) -> Any:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({"exon": "Int64", "age": "Int64", "ecog": "Int64"})
