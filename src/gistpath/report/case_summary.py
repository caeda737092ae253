"""One self-contained HTML page summarising cases: chart, response table, line history, advice.

Pure string building (everything escaped); the caller writes the file. The advice section is
filled by a renderer passed in, so this module needs nothing from the advisor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from gistpath.case.model import Case
from gistpath.case.timeline import age_at, ecog_at, genotype_label, treatment_lines
from gistpath.imaging.assess import CaseAssessment, Timepoint
from gistpath.outcomes.endpoints import LineEndpoints
from gistpath.report.charts import lesion_chart

AdviceRenderer = Callable[[Case, CaseAssessment], str]

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2328}
header{background:#0b3954;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;opacity:.85}
main{max-width:1080px;margin:0 auto;padding:12px 28px 60px}
section.case{border-top:3px solid #0b3954;margin-top:36px;padding-top:6px}
h2{margin:8px 0 2px;font-size:19px} h3{font-size:15px;margin:18px 0 6px}
.facts{color:#57606a;margin:0 0 8px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:4px 0 10px}
th,td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.r-CR,.r-PR{color:#1a7f37;font-weight:600}.r-SD,.r-NON_CR_NON_PD{color:#0969da;font-weight:600}
.r-PD{color:#cf222e;font-weight:700}.r-NE{color:#9a6700}
.note{color:#9a6700;margin:2px 0}
.chart svg{width:100%;height:auto}
.disclaimer{background:#fff8c5;border:1px solid #d4a72c;padding:8px 12px;border-radius:6px}
a{color:#0969da}
"""


@dataclass(frozen=True, slots=True)
class CaseReport:
    """What the page shows for one case."""

    case: Case
    assessment: CaseAssessment
    endpoints: Sequence[LineEndpoints]


def summary_page(
    reports: Sequence[CaseReport],
    *,
    title: str = "gistpath case summary",
    advice: AdviceRenderer | None = None,
    extra_sections: Sequence[str] = (),
) -> str:
    """The whole HTML document."""
    body = [
        _index(reports),
        *extra_sections,
        *(_case_section(r, advice) for r in reports),
    ]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>Response by RECIST 1.1 and Choi, pattern of "
        "progression, line history and evidence-linked options. Decision support: the "
        "clinician decides.</p></header><main>" + "".join(body) + "</main></body></html>"
    )


def _index(reports: Sequence[CaseReport]) -> str:
    rows = []
    for r in reports:
        last = r.assessment.timepoints[-1] if r.assessment.timepoints else None
        drugs = " &rarr; ".join(escape(line.drug) for line in treatment_lines(r.case)) or "none"
        rows.append(
            f"<tr><td><a href='#{escape(r.case.id)}'>{escape(r.case.id)}</a></td>"
            f"<td>{escape(genotype_label(r.case))}</td><td>{drugs}</td>"
            f"<td>{_response(last.recist.overall if last and last.recist else None)}</td>"
            f"<td>{escape(last.pattern) if last else '-'}</td></tr>"
        )
    return (
        "<h2>Cases</h2><table><tr><th>case</th><th>genotype</th><th>lines</th>"
        "<th>latest RECIST</th><th>pattern</th></tr>" + "".join(rows) + "</table>"
    )


def _case_section(report: CaseReport, advice: AdviceRenderer | None) -> str:
    case, assessment = report.case, report.assessment
    parts = [
        f"<section class='case' id='{escape(case.id)}'><h2>{escape(case.id)}</h2>",
        f"<p class='facts'>{_facts(case)}</p>",
        f"<div class='chart'>{lesion_chart(case, assessment)}</div>",
        "<h3>Line history</h3>",
        _lines_table(case, assessment, report.endpoints),
    ]
    if assessment.timepoints:
        parts += ["<h3>Response at each time point</h3>", _timepoints_table(assessment.timepoints)]
    parts += [f"<p class='note'>note: {escape(f)}</p>" for f in assessment.findings]
    events = _events(case)
    if events:
        parts += ["<h3>Events and adverse events</h3>", events]
    if advice is not None:
        parts += ["<h3>Options at the decision date</h3>", advice(case, assessment)]
    parts.append("</section>")
    return "".join(parts)


def _facts(case: Case) -> str:
    age = age_at(case, case.as_of)
    ecog = ecog_at(case, case.as_of)
    sites = ", ".join(case.tumour.metastatic_sites) or "not recorded"
    bits = [
        case.patient.sex,
        f"{age} years" if age is not None else "age unknown",
        genotype_label(case),
        f"primary {case.tumour.primary_site.replace('_', ' ')}",
        f"metastases: {sites}",
        f"ECOG {ecog}" if ecog is not None else "ECOG not recorded",
        f"as of {case.as_of.isoformat()}",
    ]
    return escape(" · ".join(bits))


def _lines_table(case: Case, assessment: CaseAssessment, endpoints: Sequence[LineEndpoints]) -> str:
    lines = treatment_lines(case)
    if not lines:
        return "<p>No treatment on or before the decision date.</p>"
    by_line = {e.line: e for e in endpoints}
    rows = []
    for line, response in zip(lines, assessment.lines, strict=True):
        doses = "<br>".join(
            f"{row.dose_mg:g} mg {escape(row.schedule)} from {row.start.isoformat()}"
            for row in line.rows
        )
        ends = _day(line.end) + (f" ({escape(line.stop_reason)})" if line.stop_reason else "")
        point = by_line.get(line.number)
        pfs = f"{point.pfs_months:.1f}{'' if point.pfs_event else '+'}" if point else "-"
        rows.append(
            f"<tr><td>{line.number}</td><td>{escape(line.drug)}</td><td>{doses}</td>"
            f"<td>{ends if line.end else 'ongoing'}</td>"
            f"<td>{_response(response.best_recist)} / {_response(response.best_recist_confirmed)}"
            f"</td><td>{_response(response.best_choi)}</td>"
            f"<td>{_day(response.first_progression)}</td><td class='num'>{pfs}</td></tr>"
        )
    return (
        "<table><tr><th>line</th><th>drug</th><th>dose</th><th>ended</th>"
        "<th>best RECIST (unconfirmed / confirmed)</th><th>best Choi</th><th>first PD</th>"
        "<th>PFS months (+ censored)</th></tr>" + "".join(rows) + "</table>"
    )


def _timepoints_table(points: Sequence[Timepoint]) -> str:
    rows = []
    for p in points:
        r, c = p.recist, p.choi
        lesions = f" ({escape(', '.join(p.progressing_lesions))})" if p.progressing_lesions else ""
        rows.append(
            f"<tr><td>{p.date.isoformat()}</td><td class='num'>{p.line}</td>"
            f"<td class='num'>{_num(r.target_sum_mm if r else None)}</td>"
            f"<td class='num'>{_pct(r.change_from_baseline_pct if r else None)}</td>"
            f"<td class='num'>{_pct(r.change_from_nadir_pct if r else None)}</td>"
            f"<td>{_response(r.overall if r else None)}</td>"
            f"<td class='num'>{_pct(c.size_change_pct if c else None)} / "
            f"{_pct(c.density_change_pct if c else None)}</td>"
            f"<td>{_response(c.overall if c else None)}</td>"
            f"<td>{escape(p.pattern)}{lesions}</td></tr>"
        )
    return (
        "<table><tr><th>date</th><th>line</th><th>sum mm</th><th>vs baseline</th>"
        "<th>vs nadir</th><th>RECIST 1.1</th><th>Choi size / HU</th><th>Choi</th>"
        "<th>pattern (progressing)</th></tr>" + "".join(rows) + "</table>"
    )


def _events(case: Case) -> str:
    items = [
        f"<li>{e.date.isoformat()}: {escape(e.type.replace('_', ' '))}"
        f"{': ' + escape(e.detail) if e.detail else ''}</li>"
        for e in case.events
        if e.date <= case.as_of
    ]
    items += [
        f"<li>{a.date.isoformat()}: {escape(a.term)} grade {a.grade}"
        f"{' (' + escape(a.drug) + ')' if a.drug else ''}</li>"
        for a in case.adverse_events
        if a.date <= case.as_of
    ]
    return f"<ul>{''.join(items)}</ul>" if items else ""


def _response(code: str | None) -> str:
    if code is None:
        return "-"
    label = "non-CR/non-PD" if code == "NON_CR_NON_PD" else code
    return f"<span class='r-{escape(code)}'>{escape(label)}</span>"


def _day(day: date | None) -> str:
    return "-" if day is None else day.isoformat()


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"
