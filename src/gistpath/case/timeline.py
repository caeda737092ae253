"""A case's course as of its decision date: treatment lines, scans, performance status.

A treatment *line* is a run of consecutive treatment rows of the same drug: a dose change or an
interruption of the same drug stays in the line (imatinib 400 -> 800 is dose escalation within
first line, as in S-PDQ), a different drug starts the next line, and a drug given again after
another one (imatinib rechallenge) is a new line. Only what is dated on or before ``as_of`` is
seen; a row that ends after ``as_of`` is treated as ongoing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gistpath.case.model import Case, Imaging, Treatment

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True, slots=True)
class Line:
    """One line of therapy: consecutive rows of one drug."""

    number: int
    drug: str
    rows: tuple[Treatment, ...]
    start: date
    end: date | None  # None while ongoing at as_of
    stop_reason: str | None

    @property
    def start_dose_mg(self) -> float:
        return self.rows[0].dose_mg

    @property
    def current(self) -> Treatment:
        return self.rows[-1]

    @property
    def ongoing(self) -> bool:
        return self.end is None

    def covers(self, day: date) -> bool:
        """True if ``day`` falls after the start and on or before the end (or is ongoing)."""
        return self.start < day and (self.end is None or day <= self.end)


def treatment_lines(case: Case, as_of: date | None = None) -> tuple[Line, ...]:
    """The lines of therapy started on or before ``as_of`` (default: the case's ``as_of``)."""
    cut = as_of or case.as_of
    rows = sorted((t for t in case.treatments if t.start <= cut), key=lambda t: t.start)
    lines: list[Line] = []
    group: list[Treatment] = []
    for row in rows:
        if group and row.drug != group[-1].drug:
            lines.append(_line(len(lines) + 1, group, cut))
            group = []
        group.append(row)
    if group:
        lines.append(_line(len(lines) + 1, group, cut))
    return tuple(lines)


def _line(number: int, rows: list[Treatment], cut: date) -> Line:
    last = rows[-1]
    ended = last.end is not None and last.end <= cut
    return Line(
        number=number,
        drug=rows[0].drug,
        rows=tuple(rows),
        start=rows[0].start,
        end=last.end if ended else None,
        stop_reason=last.stop_reason if ended else None,
    )


def scans(case: Case, reader: str | None = None, as_of: date | None = None) -> list[Imaging]:
    """Imaging on or before ``as_of`` from ``reader`` (any reader if None), oldest first."""
    cut = as_of or case.as_of
    found = [s for s in case.imaging if s.date <= cut and (reader is None or s.reader == reader)]
    return sorted(found, key=lambda s: s.date)


def baseline_scan(line: Line, readings: list[Imaging]) -> Imaging | None:
    """The last scan on or before the line's start (the line's RECIST/Choi baseline)."""
    found = None
    for scan in readings:
        if scan.date <= line.start:
            found = scan
        else:
            break
    return found


def ecog_at(case: Case, day: date) -> int | None:
    """The latest ECOG performance status recorded on or before ``day``."""
    best: tuple[date, int] | None = None
    for ps in case.performance_status:
        if ps.date <= day and (best is None or ps.date >= best[0]):
            best = (ps.date, ps.ecog)
    return None if best is None else best[1]


def age_at(case: Case, day: date) -> int | None:
    """Age in whole years on ``day``."""
    birth = case.patient.birth_date
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def months_between(start: date, end: date) -> float:
    """Elapsed months (days / 30.4375), the unit the GIST literature reports."""
    return (end - start).days / DAYS_PER_MONTH


def genotype_label(case: Case) -> str:
    """``KIT exon 11``, ``PDGFRA exon 18 D842V``, ``wild type (SDH-deficient)``, ``unknown``."""
    g = case.tumour.genotype
    if g.gene == "unknown":
        return "unknown"
    if g.gene == "none":
        return f"wild type ({g.subtype})" if g.subtype else "wild type"
    parts: list[str] = [g.gene]
    if g.exon is not None:
        parts.append(f"exon {g.exon}")
    if g.variant:
        parts.append(g.variant)
    return " ".join(parts)
