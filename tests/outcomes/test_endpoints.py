"""Endpoints per line, each value computed by hand (months = days / 30.4375)."""

from __future__ import annotations

from datetime import date

import pytest

from gistpath.outcomes.endpoints import COLUMNS, cohort_rows, line_endpoints
from support.cases import ct, lesion, make_case, rx

M = 30.4375


def months(a: str, b: str) -> float:
    return (date.fromisoformat(b) - date.fromisoformat(a)).days / M


def _course(sunitinib_end: tuple[str, str] | None = None, **extra):  # type: ignore[no-untyped-def]
    """Imatinib 2010-01-10 -> PD on 2010-10-01 (+30% over nadir 40), stopped 2010-10-05;
    sunitinib from 2010-10-20, ongoing; alive at last contact 2011-06-01 unless overridden."""
    fields = {
        "follow_up": {"last_contact": "2011-06-01", "vital_status": "alive", "death_date": None},
        "performance_status": [
            {"date": "2010-01-02", "ecog": 1},
            {"date": "2010-10-15", "ecog": 2},
        ],
    }
    fields.update(extra)
    return make_case(
        as_of=fields.pop("as_of", "2011-07-01"),
        treatments=[
            rx("imatinib", 400, "2010-01-10", "2010-10-05", "progression"),
            rx("sunitinib", 50, "2010-10-20", *(sunitinib_end or ()), schedule="4/2"),
        ],
        imaging=[
            ct("2010-01-05", lesion("L1", 60), lesion("L2", 40)),
            ct("2010-04-01", lesion("L1", 25), lesion("L2", 15)),  # 40 mm: -60%, PR
            ct("2010-07-01", lesion("L1", 25)),  # L2 unmeasured: NE
            ct("2010-10-01", lesion("L1", 35), lesion("L2", 17)),  # 52: +30% and +12 mm: PD
            ct("2011-01-15", lesion("L1", 35), lesion("L2", 17)),  # sunitinib: SD
            ct("2011-04-15", lesion("L1", 36), lesion("L2", 17)),  # SD
        ],
        **fields,
    )


def test_pfs_event_at_first_progression() -> None:
    first, _ = line_endpoints(_course())
    assert first.pfs_event == 1
    assert first.pfs_months == pytest.approx(months("2010-01-10", "2010-10-01"))
    assert first.best_recist == "PR"


def test_pfs_censored_at_last_evaluable_assessment() -> None:
    """Sunitinib: no PD, alive: censored at the last assessment (2011-04-15), not at as_of."""
    _, second = line_endpoints(_course())
    assert second.pfs_event == 0
    assert second.pfs_months == pytest.approx(months("2010-10-20", "2011-04-15"))
    assert second.best_recist == "SD"


def test_ttf_counts_a_progression_stop_and_censors_an_ongoing_line() -> None:
    first, second = line_endpoints(_course())
    assert (first.ttf_event, first.ttf_months) == (
        1,
        pytest.approx(months("2010-01-10", "2010-10-05")),
    )
    assert second.ttf_event == 0
    assert second.ttf_months == pytest.approx(months("2010-10-20", "2011-06-01"))


def test_os_censored_at_last_contact() -> None:
    first, second = line_endpoints(_course())
    assert (first.os_event, second.os_event) == (0, 0)
    assert first.os_months == pytest.approx(months("2010-01-10", "2011-06-01"))
    assert second.os_months == pytest.approx(months("2010-10-20", "2011-06-01"))


def test_death_is_an_event_for_os_ttf_and_pfs_of_the_current_line() -> None:
    case = _course(
        ("2011-05-20", "death"),
        follow_up={
            "last_contact": "2011-05-20",
            "vital_status": "dead",
            "death_date": "2011-05-20",
        },
    )
    first, second = line_endpoints(case)
    assert (second.os_event, second.ttf_event, second.pfs_event) == (1, 1, 1)
    assert second.pfs_months == pytest.approx(months("2010-10-20", "2011-05-20"))
    assert first.os_months == pytest.approx(months("2010-01-10", "2011-05-20"))


def test_death_after_as_of_is_not_seen() -> None:
    case = _course(
        ("2011-05-20", "death"),
        as_of="2011-05-01",
        follow_up={
            "last_contact": "2011-05-20",
            "vital_status": "dead",
            "death_date": "2011-05-20",
        },
    )
    _, second = line_endpoints(case)
    assert second.os_event == 0
    assert second.os_months == pytest.approx(months("2010-10-20", "2011-05-01"))


def test_toxicity_stop_is_a_ttf_event_completed_is_not() -> None:
    case = make_case(
        as_of="2012-01-01",
        treatments=[
            rx("imatinib", 400, "2010-01-10", "2010-06-01", "toxicity"),
            rx("sunitinib", 50, "2010-07-01", "2011-01-01", "completed"),
        ],
        imaging=[],
    )
    first, second = line_endpoints(case)
    assert (first.ttf_event, second.ttf_event) == (1, 0)
    assert second.ttf_months == pytest.approx(months("2010-07-01", "2011-01-01"))
    # no imaging at all: PFS censored at the start (0 months)
    assert (first.pfs_event, first.pfs_months) == (0, 0.0)


def test_covariates() -> None:
    first, second = line_endpoints(_course())
    assert (first.age, first.ecog, first.sex, first.genotype) == (49, 1, "female", "KIT exon 11")
    assert (second.ecog, second.prior_lines) == (2, 1)
    assert first.first_line_months == pytest.approx(months("2010-01-10", "2010-10-05"))
    assert first.baseline_target_sum_mm == 100
    assert second.baseline_target_sum_mm == 52


def test_choi_criteria_change_pfs() -> None:
    """Choi: 100 -> 52 on 2010-10-01 is still -48% from baseline -> PR, so imatinib's PFS is
    censored at 2010-10-01 by Choi but an event by RECIST."""
    first, _ = line_endpoints(_course(), criteria="choi")
    assert first.pfs_event == 0
    assert first.pfs_months == pytest.approx(months("2010-01-10", "2010-10-01"))
    assert first.criteria == "choi"


def test_rows_follow_the_column_contract() -> None:
    rows = list(cohort_rows([_course()]))
    assert [list(r) for r in rows] == [list(COLUMNS)] * 2
    assert rows[0]["pfs_months"] == round(months("2010-01-10", "2010-10-01"), 3)
