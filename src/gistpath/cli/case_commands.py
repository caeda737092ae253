"""Commands on case files: ``validate`` and ``schema``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gistpath.case.load import iter_case_texts, parse_case
from gistpath.case.model import Case
from gistpath.cli.app import JSON_OPTION, app, console, emit_json, err_console
from gistpath.errors import CaseError

CASES_ARG = typer.Argument(
    ..., help="Case files, folders of case files, or JSON-lines files.", show_default=False
)


@app.command()
def validate(
    cases: Annotated[list[Path], CASES_ARG],
    as_json: bool = JSON_OPTION,
) -> None:
    """Check case files against the case contract; exit 2 if any case is bad."""
    good = 0
    bad: list[CaseError] = []
    for item in iter_case_texts(cases):
        try:
            parse_case(item.text, item.source)
            good += 1
        except CaseError as error:
            bad.append(error)
    if as_json:
        emit_json(
            {
                "valid": good,
                "invalid": [
                    {
                        "source": e.source,
                        "case_id": e.case_id,
                        "field": e.field,
                        "message": e.message,
                        "more": e.more,
                    }
                    for e in bad
                ],
            }
        )
    else:
        if bad:
            table = Table(title="Cases that break the contract", show_lines=False)
            for column in ("source", "case", "field", "problem"):
                table.add_column(column, overflow="fold")
            for e in bad:
                table.add_row(e.source or "", e.case_id or "-", e.field, e.message)
            err_console.print(table)
        console.print(f"{good} valid, {len(bad)} invalid")
    if bad:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the case format."""
    emit_json(Case.model_json_schema())
