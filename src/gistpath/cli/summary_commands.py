"""``gistpath summary``: the HTML case summary (chart, responses, line history, advice)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gistpath.case.load import load_cases
from gistpath.cli.app import app, console
from gistpath.cli.case_commands import CASES_ARG
from gistpath.cli.response_commands import READER_OPTION, ReaderChoice
from gistpath.errors import InputError


@app.command()
def summary(
    cases: Annotated[list[Path], CASES_ARG],
    out: Path = typer.Option(Path("summary.html"), "--out", help="The HTML file to write."),
    reader: ReaderChoice = READER_OPTION,
    title: str = typer.Option("gistpath case summary", "--title"),
    with_advice: bool = typer.Option(True, "--advice/--no-advice", help="Include the options."),
) -> None:
    """Write one self-contained HTML page summarising the cases."""
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--out {out}: use an .html file name")
    from gistpath.report.build import advice_section, case_reports  # matplotlib: load on use
    from gistpath.report.case_summary import summary_page

    reports = case_reports(load_cases(cases), reader=reader.value)
    out.parent.mkdir(parents=True, exist_ok=True)
    advice = advice_section if with_advice else None
    out.write_text(summary_page(reports, title=title, advice=advice), encoding="utf-8")
    console.print(f"wrote the summary of {len(reports)} cases to {out}")
