"""Commands on case files: ``validate`` and ``schema``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
    seen: dict[str, str] = {}
    for item in iter_case_texts(cases):
        try:
            case = parse_case(item.text, item.source)
        except CaseError as error:
            bad.append(error)
            continue
        if case.id in seen:
            message = f"the same id is already used by {seen[case.id]}"
            bad.append(CaseError(case.id, "id", message, source=item.source))
            continue
        seen[case.id] = item.source
        good += 1
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
        for error in bad:  # one line per bad case, never wrapped: easy to grep and to read
            err_console.print(str(error), markup=False, highlight=False, soft_wrap=True)
        console.print(f"{good} valid, {len(bad)} invalid")
    if bad:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the case format."""
    emit_json(Case.model_json_schema())
