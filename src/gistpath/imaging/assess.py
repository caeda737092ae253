"""A case's response assessment: every follow-up scan of every line, by the chosen criteria.

Each line's baseline is the last scan (of the chosen reader) on or before the line's start. A
scan is assessed for the line whose window holds it: after the line's start and up to the next
line's start (so progression found after a drug was stopped, before anything else began, still
counts for that line), or up to ``as_of`` for the last line. Only data on or before the case's
``as_of`` is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, NamedTuple

from gistpath.case.model import Case, Imaging
from gistpath.case.timeline import Line, baseline_scan, scans, treatment_lines
from gistpath.imaging.best_response import best_overall_response
from gistpath.imaging.choi import ChoiTimepoint, choi_timepoints
from gistpath.imaging.criteria import (
    best_response_rules,
    choi_rules,
    criteria_version,
    pattern_rules,
    recist_rules,
    with_overrides,
)
from gistpath.imaging.lesions import read_scans
from gistpath.imaging.pattern import PatternTimepoint, pattern_timepoints
from gistpath.imaging.recist import RecistTimepoint, check_target_selection, recist_timepoints

Criteria = Literal["recist1.1", "recist1.0", "choi", "all"]


@dataclass(frozen=True, slots=True)
class AssessOptions:
    """What to assess and how. None means the default from ``criteria.yaml``."""

    criteria: Criteria = "all"
    reader: Literal["site", "central"] = "site"
    progression_by: Literal["recist1.1", "recist1.0", "choi"] | None = None
    sd_min_days: int | None = None
    confirm_min_days: int | None = None
    focal_max_lesions: int | None = None

    @property
    def primary(self) -> str:
        """The criterion that dates progression (for PFS): RECIST 1.0 or Choi when asked."""
        if self.progression_by is not None:
            return self.progression_by
        if self.criteria in ("recist1.0", "choi"):
            return self.criteria
        return "recist1.1"


class Timepoint(NamedTuple):  # a NamedTuple for the reason given in RecistTimepoint
    date: date
    line: int
    recist: RecistTimepoint | None
    recist_1_0: RecistTimepoint | None
    choi: ChoiTimepoint | None
    progressing_lesions: tuple[str, ...]
    pattern: str

    def response(self, criterion: str) -> str | None:
        """The overall response by ``recist1.1``, ``recist1.0`` or ``choi`` (None if not run)."""
        if criterion == "choi":
            return None if self.choi is None else self.choi.overall
        version = criterion.removeprefix("recist")
        for found in (self.recist, self.recist_1_0):
            if found is not None and found.version == version:
                return found.overall
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"date": self.date.isoformat(), "line": self.line}
        if self.recist is not None:
            out["recist"] = self.recist.to_dict()
        if self.recist_1_0 is not None:
            out["recist_1_0"] = self.recist_1_0.to_dict()
        if self.choi is not None:
            out["choi"] = self.choi.to_dict()
        out["progressing_lesions"] = list(self.progressing_lesions)
        out["pattern"] = self.pattern
        return out


@dataclass(frozen=True, slots=True)
class LineResponse:
    line: int
    drug: str
    start: date
    end: date | None
    baseline_date: date | None
    best_recist: str | None
    best_recist_confirmed: str | None
    best_recist_1_0: str | None
    best_choi: str | None
    first_progression: date | None
    baseline_target_sum_mm: float | None
    timepoints: tuple[Timepoint, ...] = ()
    findings: tuple[str, ...] = ()

    @property
    def last_timepoint(self) -> Timepoint | None:
        return self.timepoints[-1] if self.timepoints else None

    def last_evaluable(self, criterion: str) -> Timepoint | None:
        """The latest time point with a response other than NE by ``criterion``."""
        for point in reversed(self.timepoints):
            if point.response(criterion) not in (None, "NE"):
                return point
        return None

    def to_dict(self) -> dict[str, Any]:
        best: dict[str, Any] = {}
        if self.best_recist is not None or self.best_recist_confirmed is not None:
            best["recist"] = self.best_recist
            best["recist_confirmed"] = self.best_recist_confirmed
        if self.best_recist_1_0 is not None:
            best["recist_1_0"] = self.best_recist_1_0
        if self.best_choi is not None:
            best["choi"] = self.best_choi
        return {
            "line": self.line,
            "drug": self.drug,
            "start": self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "baseline_date": None if self.baseline_date is None else self.baseline_date.isoformat(),
            "baseline_target_sum_mm": self.baseline_target_sum_mm,
            "best_overall_response": best,
            "first_progression": (
                None if self.first_progression is None else self.first_progression.isoformat()
            ),
            "findings": list(self.findings),
        }


@dataclass(frozen=True, slots=True)
class CaseAssessment:
    case_id: str
    as_of: date
    options: AssessOptions
    timepoints: tuple[Timepoint, ...]
    lines: tuple[LineResponse, ...]
    findings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "as_of": self.as_of.isoformat(),
            "reader": self.options.reader,
            "criteria": self.options.criteria,
            "progression_by": self.options.primary,
            "criteria_version": criteria_version(),
            "timepoints": [t.to_dict() for t in self.timepoints],
            "lines": [line.to_dict() for line in self.lines],
            "findings": list(self.findings),
        }


def assess_case(case: Case, options: AssessOptions | None = None) -> CaseAssessment:
    """Assess every line of ``case`` as of its ``as_of``."""
    opts = options or AssessOptions()
    readings = scans(case, opts.reader)
    lines = treatment_lines(case)
    all_points: list[Timepoint] = []
    responses: list[LineResponse] = []
    findings: list[str] = []
    for index, line in enumerate(lines):
        next_start = lines[index + 1].start if index + 1 < len(lines) else None
        followups = [s for s in readings if line.start < s.date and _before(s.date, next_start)]
        baseline = baseline_scan(line, readings)
        points, line_findings = _assess_line(line, baseline, followups, opts)
        all_points.extend(points)
        responses.append(_line_response(line, baseline, points, line_findings, opts))
        findings.extend(f"line {line.number}: {f}" for f in line_findings)
    if not lines and readings:
        findings.append("no treatment on or before as_of: scans are baselines only")
    return CaseAssessment(
        case_id=case.id,
        as_of=case.as_of,
        options=opts,
        timepoints=tuple(all_points),
        lines=tuple(responses),
        findings=tuple(findings),
    )


def _before(day: date, limit: date | None) -> bool:
    return limit is None or day <= limit


def _wants(opts: AssessOptions, criterion: str) -> bool:
    return opts.criteria == criterion or opts.criteria == "all" or opts.primary == criterion


def _assess_line(
    line: Line, baseline: Imaging | None, followups: list[Imaging], opts: AssessOptions
) -> tuple[list[Timepoint], list[str]]:
    if baseline is None:
        if not followups:
            return [], []
        return [], [f"no {opts.reader} scan on or before the start ({line.start}): not assessable"]
    if not followups:
        return [], []
    findings: list[str] = []
    disease, views = read_scans(baseline, followups, recist_rules("1.1").node_normal_below_mm)
    r11 = r10 = None
    if _wants(opts, "recist1.1"):
        rules = recist_rules("1.1")
        r11 = recist_timepoints(disease, views, rules)
        findings.extend(check_target_selection(baseline, rules))
    if _wants(opts, "recist1.0"):
        rules10 = recist_rules("1.0")
        r10 = recist_timepoints(disease, views, rules10)
        if r11 is None:
            findings.extend(check_target_selection(baseline, rules10))
    choi = choi_timepoints(disease, views, choi_rules()) if _wants(opts, "choi") else None
    prules = with_overrides(pattern_rules(), focal_max_lesions=opts.focal_max_lesions)
    patterns: list[PatternTimepoint] = pattern_timepoints(baseline, disease, views, prules)
    main, extra = (r11, r10) if r11 is not None else (r10, None)
    points = [
        Timepoint(
            date=scan.date,
            line=line.number,
            recist=main[i] if main is not None else None,
            recist_1_0=extra[i] if extra is not None else None,
            choi=choi[i] if choi is not None else None,
            progressing_lesions=patterns[i].progressing_lesions,
            pattern=patterns[i].pattern,
        )
        for i, scan in enumerate(followups)
    ]
    return points, findings


def _line_response(
    line: Line,
    baseline: Imaging | None,
    points: list[Timepoint],
    findings: list[str],
    opts: AssessOptions,
) -> LineResponse:
    rules = with_overrides(
        best_response_rules(),
        sd_min_days=opts.sd_min_days,
        confirm_min_days=opts.confirm_min_days,
    )

    main = [(p.date, p.recist.overall) for p in points if p.recist is not None]
    extra = [(p.date, p.recist_1_0.overall) for p in points if p.recist_1_0 is not None]
    choi = [(p.date, p.choi.overall) for p in points if p.choi is not None]
    recist_key = "recist1.0" if opts.criteria == "recist1.0" else "recist1.1"
    series = {recist_key: main, "choi": choi}
    if extra:
        series["recist1.0"] = extra
    progression = next((day for day, r in series.get(opts.primary, ()) if r == "PD"), None)
    return LineResponse(
        line=line.number,
        drug=line.drug,
        start=line.start,
        end=line.end,
        baseline_date=None if baseline is None else baseline.date,
        best_recist=best_overall_response(main, line.start, rules),
        best_recist_confirmed=best_overall_response(main, line.start, rules, confirm=True),
        best_recist_1_0=best_overall_response(extra, line.start, rules),
        best_choi=best_overall_response(choi, line.start, rules),
        first_progression=progression,
        baseline_target_sum_mm=(
            None
            if baseline is None
            else sum(les.diameter_mm or 0.0 for les in baseline.lesions if les.role == "target")
        ),
        timepoints=tuple(points),
        findings=tuple(findings),
    )
