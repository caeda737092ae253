"""Lines of therapy, scans, baselines and small helpers, as of the case's decision date."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from gistpath.case.load import parse_case
from gistpath.case.model import Case
from gistpath.case.timeline import (
    age_at,
    baseline_scan,
    ecog_at,
    genotype_label,
    months_between,
    scans,
    treatment_lines,
)


def _row(
    drug: str, dose: float, start: str, end: str | None = None, why: str | None = None
) -> dict[str, Any]:
    return {"drug": drug, "dose_mg": dose, "start": start, "end": end, "stop_reason": why}


def _scan(day: str, reader: str = "site") -> dict[str, Any]:
    lesion = {"id": "L1", "organ": "liver", "role": "target", "diameter_mm": 40}
    return {"date": day, "reader": reader, "lesions": [lesion]}


def _case(rows: list[dict[str, Any]], as_of: str = "2016-01-01", **more: Any) -> Case:
    data = {"id": "tl", "as_of": as_of, "patient": {"sex": "male"}, "treatments": rows, **more}
    return parse_case(data)


COURSE = [
    _row("imatinib", 400, "2010-01-04", "2012-03-05", "progression"),
    _row("imatinib", 800, "2012-03-06", "2012-09-03", "progression"),
    _row("sunitinib", 50, "2012-09-17", "2013-06-03", "progression"),
    _row("imatinib", 400, "2013-06-17", "2014-01-06", "progression"),
    _row("regorafenib", 160, "2014-01-20"),
]


def test_consecutive_rows_of_one_drug_form_one_line() -> None:
    first = treatment_lines(_case(COURSE))[0]
    assert (first.number, first.drug, len(first.rows)) == (1, "imatinib", 2)
    assert (first.start, first.end) == (date(2010, 1, 4), date(2012, 9, 3))
    assert (first.start_dose_mg, first.current.dose_mg) == (400, 800)
    assert first.stop_reason == "progression"


def test_an_interruption_of_the_same_drug_stays_in_the_line() -> None:
    rows = [
        _row("imatinib", 400, "2010-01-04", "2011-05-02", "other"),
        _row("imatinib", 400, "2011-06-01"),
    ]
    (line,) = treatment_lines(_case(rows))
    assert (line.start, line.end, line.ongoing) == (date(2010, 1, 4), None, True)


def test_rechallenge_is_a_new_line() -> None:
    lines = treatment_lines(_case(COURSE))
    assert [(ln.number, ln.drug) for ln in lines] == [
        (1, "imatinib"),
        (2, "sunitinib"),
        (3, "imatinib"),
        (4, "regorafenib"),
    ]
    assert lines[2].start == date(2013, 6, 17)


def test_rows_starting_after_as_of_are_invisible() -> None:
    lines = treatment_lines(_case(COURSE, as_of="2013-06-16"))
    assert [ln.drug for ln in lines] == ["imatinib", "sunitinib"]


def test_a_row_ending_after_as_of_is_ongoing() -> None:
    lines = treatment_lines(_case(COURSE, as_of="2013-01-01"))
    last = lines[-1]
    assert (last.drug, last.ongoing, last.end, last.stop_reason) == ("sunitinib", True, None, None)
    ended = treatment_lines(_case(COURSE, as_of="2013-06-03"))[-1]
    assert (ended.end, ended.stop_reason) == (date(2013, 6, 3), "progression")


def test_as_of_argument_overrides_the_case() -> None:
    case = _case(COURSE)
    assert len(treatment_lines(case)) == 4
    assert len(treatment_lines(case, as_of=date(2012, 1, 1))) == 1


def test_no_treatment_means_no_line() -> None:
    assert treatment_lines(_case([])) == ()


def test_covers_excludes_the_start_day_and_includes_the_end_day() -> None:
    first = treatment_lines(_case(COURSE))[0]
    assert not first.covers(date(2010, 1, 4))
    assert first.covers(date(2010, 1, 5))
    assert first.covers(date(2012, 9, 3))
    assert not first.covers(date(2012, 9, 4))


def test_scans_by_reader_sorted_and_cut_at_as_of() -> None:
    imaging = [_scan("2011-03-01"), _scan("2010-01-02", "central"), _scan("2010-01-02"),
               _scan("2016-02-01")]  # fmt: skip
    case = _case(COURSE, imaging=imaging)
    assert [s.date.isoformat() for s in scans(case)] == ["2010-01-02", "2010-01-02", "2011-03-01"]
    site = scans(case, "site")
    assert [s.date.isoformat() for s in site] == ["2010-01-02", "2011-03-01"]
    assert [s.reader for s in scans(case, "central")] == ["central"]
    assert len(scans(case, "site", as_of=date(2017, 1, 1))) == 3


def test_baseline_is_the_last_scan_on_or_before_the_line_start() -> None:
    imaging = [_scan("2009-12-01"), _scan("2010-01-04"), _scan("2012-09-10"), _scan("2012-11-26")]
    case = _case(COURSE, imaging=imaging)
    lines = treatment_lines(case)
    readings = scans(case, "site")
    first_base = baseline_scan(lines[0], readings)
    second_base = baseline_scan(lines[1], readings)
    assert first_base is not None and first_base.date == date(2010, 1, 4)
    assert second_base is not None and second_base.date == date(2012, 9, 10)
    assert baseline_scan(lines[0], readings[2:]) is None


def test_ecog_at_takes_the_latest_on_or_before_the_day() -> None:
    ps = [{"date": "2012-01-01", "ecog": 0}, {"date": "2013-01-01", "ecog": 2}]
    case = _case([], performance_status=ps)
    assert ecog_at(case, date(2011, 12, 31)) is None
    assert ecog_at(case, date(2012, 12, 31)) == 0
    assert ecog_at(case, date(2013, 1, 1)) == 2


def test_age_turns_on_the_birthday() -> None:
    case = parse_case(
        {"id": "a", "as_of": "2016-01-01", "patient": {"sex": "male", "birth_date": "1960-03-15"}}
    )
    assert age_at(case, date(2015, 3, 14)) == 54
    assert age_at(case, date(2015, 3, 15)) == 55
    assert age_at(_case([]), date(2015, 3, 15)) is None


def test_months_between_uses_the_average_month() -> None:
    assert months_between(date(2012, 1, 1), date(2013, 1, 1)) == pytest.approx(366 / 30.4375)
    assert months_between(date(2012, 1, 1), date(2012, 1, 1)) == 0.0


@pytest.mark.parametrize(
    ("genotype", "label"),
    [
        ({"gene": "KIT", "exon": 11, "variant": "p.W557_K558del"}, "KIT exon 11 p.W557_K558del"),
        ({"gene": "PDGFRA", "exon": 18, "variant": "D842V"}, "PDGFRA exon 18 D842V"),
        ({"gene": "KIT", "exon": 9}, "KIT exon 9"),
        ({"gene": "none", "subtype": "SDH-deficient"}, "wild type (SDH-deficient)"),
        ({"gene": "none"}, "wild type"),
        ({"gene": "unknown"}, "unknown"),
    ],
)
def test_genotype_label(genotype: dict[str, Any], label: str) -> None:
    case = _case([], tumour={"genotype": genotype})
    assert genotype_label(case) == label
