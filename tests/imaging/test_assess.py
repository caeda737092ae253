"""Whole-case assessment: lines, baselines, windows, readers and the as_of cut."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from gistpath.case.load import parse_case
from gistpath.imaging.assess import AssessOptions, assess_case
from support.cases import ct, lesion, make_case, rx


def test_contract_example(contract_case: dict[str, Any]) -> None:
    """contracts/case-format.md example: sunitinib baseline 48 + 30 = 78 mm (2010-03-05);
    2013-01-10: 61 + 31 = 92 mm (+17.9%, SD by targets) with a new liver lesion L2 and a new
    intratumoral nodule in L1 -> PD; L1 grew 13 mm (+27%) -> two progressing lesions."""
    result = assess_case(parse_case(contract_case))
    [point] = result.timepoints
    assert point.line == 2
    assert point.recist is not None and point.choi is not None
    assert point.recist.target_sum_mm == 92
    assert point.recist.change_from_baseline_pct == pytest.approx(100 * 14 / 78)
    assert (point.recist.target, point.recist.non_target) == ("SD", "NON_CR_NON_PD")
    assert point.recist.overall == "PD"
    # Choi density: mean (70, 54) = 62 against mean (62, 55) = 58.5 -> +5.98%
    assert point.choi.density_change_pct == pytest.approx(100 * (62 - 58.5) / 58.5)
    assert point.choi.overall == "PD"
    assert point.progressing_lesions == ("L1", "L2")
    assert point.pattern == "generalized"
    line1, line2 = result.lines
    assert line1.baseline_date is None and line1.best_recist is None
    assert "not assessable" in line1.findings[0]
    assert line2.baseline_date == date(2010, 3, 5)
    assert line2.first_progression == date(2013, 1, 10)


def _two_line_case(**overrides: Any):  # type: ignore[no-untyped-def]
    return make_case(
        as_of=overrides.pop("as_of", "2012-01-01"),
        treatments=[
            rx("imatinib", 400, "2010-01-10", "2011-02-01", "toxicity"),
            rx("sunitinib", 50, "2011-03-01", schedule="4/2"),
        ],
        imaging=[
            ct("2010-01-05", lesion("L1", 50)),
            ct("2010-01-10", lesion("L1", 52)),  # on the start day: this is the baseline
            ct("2010-04-10", lesion("L1", 30)),
            ct("2011-02-20", lesion("L1", 40)),  # after the stop, before sunitinib: line 1
            ct("2011-05-01", lesion("L1", 46)),  # +15% over 40: SD
            ct("2011-05-01", lesion("L1", 70), reader="central"),
        ],
        **overrides,
    )


def test_baseline_is_the_last_scan_on_or_before_the_start() -> None:
    result = assess_case(_two_line_case())
    assert [line.baseline_date for line in result.lines] == [date(2010, 1, 10), date(2011, 2, 20)]
    first = result.timepoints[0]
    assert first.recist is not None
    # 52 -> 30 is -42.3% from the start-day baseline (not -40% from the earlier 50)
    assert first.recist.change_from_baseline_pct == pytest.approx(100 * (30 - 52) / 52)


def test_scan_after_stop_belongs_to_the_line_until_the_next_starts() -> None:
    """2011-02-20 follows the imatinib stop but precedes sunitinib: assessed for line 1,
    where 40 over the nadir 30 is +33% and +10 mm -> PD; it is also sunitinib's baseline."""
    result = assess_case(_two_line_case())
    lines_of = {(p.date, p.line) for p in result.timepoints}
    assert (date(2011, 2, 20), 1) in lines_of
    assert result.lines[0].first_progression == date(2011, 2, 20)
    assert result.lines[0].best_recist == "PR"


def test_reader_selects_the_scans() -> None:
    """The site reader sees SD on sunitinib (40 -> 46 mm); the central reader has no scan on or
    before sunitinib's start, so its 70 mm reading cannot be assessed and says why."""
    site = assess_case(_two_line_case())
    central = assess_case(_two_line_case(), AssessOptions(reader="central"))
    assert site.lines[1].first_progression is None
    assert site.lines[1].last_timepoint is not None
    assert site.lines[1].last_timepoint.response("recist1.1") == "SD"
    assert central.timepoints == ()
    assert "no central scan" in central.lines[1].findings[0]


def test_nothing_after_as_of_is_seen() -> None:
    result = assess_case(_two_line_case(as_of="2011-01-01"))
    assert len(result.lines) == 1
    assert result.lines[0].end is None  # stopped 2011-02-01, after as_of: still ongoing
    assert [p.date for p in result.timepoints] == [date(2010, 4, 10)]


def test_progression_by_choi_can_differ_from_recist() -> None:
    """+12% size with no density change: Choi PD (>= +10%) but RECIST SD (< +20%)."""
    case = make_case(
        as_of="2011-01-01",
        treatments=[rx("imatinib", 400, "2010-01-10")],
        imaging=[
            ct("2010-01-05", lesion("L1", 50, density_hu=60)),
            ct("2010-04-10", lesion("L1", 56, density_hu=60)),
        ],
    )
    assert assess_case(case).lines[0].first_progression is None
    by_choi = assess_case(case, AssessOptions(progression_by="choi"))
    assert by_choi.lines[0].first_progression == date(2010, 4, 10)
    assert by_choi.lines[0].best_choi == "PD"


def test_recist_1_0_only() -> None:
    """RIGHT used RECIST 1.0: 20 -> 24 mm is +20% (no 5 mm rule) -> PD."""
    case = make_case(
        as_of="2011-01-01",
        treatments=[rx("imatinib", 400, "2010-01-10")],
        imaging=[ct("2010-01-05", lesion("L1", 20)), ct("2010-04-10", lesion("L1", 24))],
    )
    result = assess_case(case, AssessOptions(criteria="recist1.0"))
    [point] = result.timepoints
    assert point.recist is not None and point.recist.version == "1.0"
    assert point.recist_1_0 is None and point.choi is None
    assert result.lines[0].first_progression == date(2010, 4, 10)
    assert assess_case(case).lines[0].first_progression is None  # RECIST 1.1: +4 mm only


def test_target_selection_problem_is_reported_not_fixed() -> None:
    case = make_case(
        as_of="2011-01-01",
        treatments=[rx("imatinib", 400, "2010-01-10")],
        imaging=[
            ct("2010-01-05", lesion("L1", 50), lesion("L2", 40), lesion("L3", 30)),
            ct("2010-04-10", lesion("L1", 50), lesion("L2", 40), lesion("L3", 30)),
        ],
    )
    result = assess_case(case)
    assert any("3 target lesions in liver" in f for f in result.findings)
    point = result.timepoints[0]
    assert point.recist is not None and point.recist.target_sum_mm == 120  # all three counted
