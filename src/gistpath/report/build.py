"""Assemble :class:`CaseReport` objects for cases (assessment + endpoints in one pass), and
render the advisor's options for the summary page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from gistpath.case.model import Case
from gistpath.imaging.assess import AssessOptions, CaseAssessment, assess_case
from gistpath.outcomes.endpoints import line_endpoints
from gistpath.report.case_summary import CaseReport


def case_reports(
    cases: Iterable[Case], reader: Literal["site", "central"] = "site"
) -> list[CaseReport]:
    out = []
    for case in cases:
        assessment = assess_case(case, AssessOptions(criteria="all", reader=reader))
        rows = line_endpoints(case, reader=reader, assessment=assessment)
        out.append(CaseReport(case=case, assessment=assessment, endpoints=rows))
    return out


def advice_section(case: Case, assessment: CaseAssessment) -> str:
    """The advisor's options, alerts and trial eligibility at ``as_of``, as an HTML fragment."""
    from gistpath.pathway.advisor import advise
    from gistpath.pathway.render import advice_html

    return advice_html(advise(case, assessment=assessment))
