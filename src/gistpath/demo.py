"""``make demo``: the whole pipeline on the example cases, written to ``out/``.

Validates every example case, assesses response (RECIST 1.1/1.0, Choi, pattern), derives the
endpoints table, advises each case, and writes a readable HTML summary; prints where it is.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from gistpath.case.load import iter_case_texts, parse_case
from gistpath.errors import GistpathError
from gistpath.outcomes.endpoints import COLUMNS
from gistpath.report.build import advice_section, case_reports
from gistpath.report.case_summary import summary_page


def run(cases_dir: Path, out: Path, console: Console) -> int:
    out.mkdir(parents=True, exist_ok=True)
    texts = list(iter_case_texts([cases_dir]))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("validating and assessing", total=len(texts))
        cases = []
        for item in texts:
            cases.append(parse_case(item.text, item.source))
            progress.advance(task)
        reports = case_reports(cases)
    console.print(f"[green]✓[/green] {len(cases)} example cases valid and assessed")

    import pandas as pd

    rows = [row.to_row() for report in reports for row in report.endpoints]
    cohort = out / "cohort.csv"
    pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(cohort, index=False)
    console.print(f"[green]✓[/green] endpoints: {len(rows)} case-lines -> {cohort}")

    page = out / "index.html"
    html = summary_page(reports, title="gistpath demo: example cases", advice=advice_section)
    page.write_text(html, encoding="utf-8")
    console.print(f"[green]✓[/green] HTML summary -> {page}")
    console.print(f"\nOpen [bold]{page.resolve()}[/bold] in a browser.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=Path, default=Path("examples/cases"))
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args(argv)
    console = Console()
    try:
        return run(args.cases, args.out, console)
    except GistpathError as error:
        Console(stderr=True).print(f"gistpath demo: error: {error}", markup=False)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
