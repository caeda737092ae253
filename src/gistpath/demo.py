"""``make demo``: the whole pipeline on the example cases, written to ``out/``.

Validates every example case, assesses response (RECIST 1.1/1.0, Choi, pattern), derives the
endpoints table, advises each case, writes a readable HTML summary per case and a PFS report
on the example cohort; prints where they are.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

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
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame.to_csv(cohort, index=False)
    console.print(f"[green]✓[/green] endpoints: {len(rows)} case-lines -> {cohort}")
    stats_page = out / "report.html"
    stats_page.write_text(_cohort_report(frame), encoding="utf-8")
    console.print(f"[green]✓[/green] PFS report (first vs later lines) -> {stats_page}")

    page = out / "index.html"
    link = (
        "<p>Cohort statistics: <a href='report.html'>PFS of first versus later lines</a> "
        "(Kaplan-Meier, log-rank, Cox, baseline table) · <a href='cohort.csv'>the endpoints "
        "table</a></p>"
    )
    html = summary_page(
        reports, title="gistpath demo: example cases", advice=advice_section, extra_sections=[link]
    )
    page.write_text(html, encoding="utf-8")
    console.print(f"[green]✓[/green] HTML summary -> {page}")
    console.print(f"\nOpen [bold]{page.resolve()}[/bold] in a browser (it links the report).")
    return 0


def _cohort_report(frame: Any) -> str:
    """PFS of first versus later lines in the example cohort, with a Cox model and Table 1."""
    import numpy as np

    from gistpath.report.survival_report import ReportSpec, SurvivalData, survival_report
    from gistpath.stats.cox import fit_cox
    from gistpath.stats.tables import build_baseline_table

    group = np.where(frame["line"].to_numpy() == 1, "first line", "later lines").astype(object)
    time = frame["pfs_months"].to_numpy(dtype=float)
    event = frame["pfs_event"].to_numpy(dtype=bool)
    later = (group == "later lines").astype(float)
    cox = fit_cox(time, event, later[:, None], ["later lines"])
    columns = {
        "line group": group,
        "sex": frame["sex"].to_numpy(),
        "gene": frame["gene"].to_numpy(),
    }
    columns["age"] = frame["age"].to_numpy(dtype=float)
    baseline = build_baseline_table(columns, "line group", ["sex", "age", "gene"])
    spec = ReportSpec(
        title="gistpath demo: PFS by line in the example cohort",
        source="out/cohort.csv (gistpath endpoints on examples/cases, RECIST 1.1, site reader)",
        endpoint="PFS",
        landmarks=(6, 12),
    )
    return survival_report(SurvivalData(time, event, group), spec, cox=cox, baseline=baseline)


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
