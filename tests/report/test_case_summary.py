"""The HTML case summary and the demo pipeline, checked on real example cases."""

from __future__ import annotations

import csv
from pathlib import Path

from rich.console import Console

from gistpath.case.load import load_cases
from gistpath.demo import run
from gistpath.report.build import case_reports
from gistpath.report.case_summary import summary_page

EXAMPLES = Path(__file__).parents[2] / "examples" / "cases"
FOCAL = EXAMPLES / "ex-07-focal-progression-resection.json"


def test_page_shows_chart_responses_and_line_history() -> None:
    [report] = case_reports(load_cases([FOCAL]))
    page = summary_page([report], title="focal <case>")
    assert page.startswith("<!doctype html>")
    assert "<title>focal &lt;case&gt;</title>" in page  # escaped
    assert page.count("<svg") == 1
    assert f"id='{report.case.id}'" in page
    # the focal progression time point is in the response table with its pattern
    focal = [p for p in report.assessment.timepoints if p.pattern == "focal"]
    assert focal, "the focal example must show a focal time point"
    assert f"<td>{focal[0].date.isoformat()}</td>" in page
    assert "focal (" in page
    assert "surgery" in page


def test_advice_renderer_is_called_per_case() -> None:
    reports = case_reports(load_cases([FOCAL]))
    page = summary_page(reports, advice=lambda case, _: f"<p>advice for {case.id}</p>")
    assert f"<p>advice for {reports[0].case.id}</p>" in page


def test_demo_writes_the_cohort_and_the_page(tmp_path: Path) -> None:
    console = Console(file=open(tmp_path / "log.txt", "w"))  # noqa: SIM115
    assert run(EXAMPLES, tmp_path / "out", console) == 0
    page = (tmp_path / "out" / "index.html").read_text()
    case_files = sorted(EXAMPLES.glob("*.json"))
    assert page.count("<svg") == len(case_files)
    assert "href='report.html'" in page
    report = (tmp_path / "out" / "report.html").read_text()
    assert "Kaplan-Meier estimate of PFS" in report and "first line" in report
    with open(tmp_path / "out" / "cohort.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["case_id"] for row in rows} <= {p.stem for p in case_files}
    assert all(row["pfs_event"] in ("0", "1") for row in rows)
