"""CTCAE v5.0 lab grading: one test per grading rule, each naming its source (CTCAE-5.0,
clinical-knowledge.md §4); the default reference limits are a GISTPATH-CONVENTION."""

from __future__ import annotations

from datetime import date

import pytest

from gistpath.case.model import Lab
from gistpath.safety.ctcae import grade_case_labs, grade_lab
from pathway.case_builders import case, lab, tx

DAY = date(2020, 3, 2)


def L(
    test: str, value: float, unit: str, uln: float | None = None, lln: float | None = None
) -> Lab:
    return Lab(date=DAY, test=test, value=value, unit=unit, uln=uln, lln=lln)


def grade(test: str, value: float, unit: str, **kw: float) -> int:
    g = grade_lab(L(test, value, unit, kw.get("uln"), kw.get("lln")))
    assert g is not None
    return g.grade


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (12.5, "g/dL", 0),  # >= LLN 12.0
        (11.9, "g/dL", 1),  # < LLN and >= 10.0
        (10.0, "g/dL", 1),  # 10.0 is the lower edge of grade 1 ("<LLN - 10.0")
        (9.99, "g/dL", 2),
        (8.0, "g/dL", 2),  # "<10.0 - 8.0"
        (7.9, "g/dL", 3),  # "<8.0"; lab-only grading stops at 3
        (4.0, "g/dL", 3),
        (100, "g/L", 1),
        (99, "g/L", 2),
        (79, "g/L", 3),
        (6.2, "mmol/L", 1),  # graded in mmol/L: 6.2 x 1.6114 = 9.99 g/dL would read grade 2
        (6.1, "mmol/L", 2),
        (4.9, "mmol/L", 2),
        (4.8, "mmol/L", 3),
    ],
)
def test_anaemia_cut_offs_in_each_reported_unit(value: float, unit: str, expected: int) -> None:
    """CTCAE-5.0 anaemia: <LLN-10.0 g/dL (100 g/L, 6.2 mmol/L) G1; <10.0-8.0 G2; <8.0 G3."""
    lln = {"g/dL": 12.0, "g/L": 120.0, "mmol/L": 7.45}[unit]
    assert grade("hemoglobin", value, unit, lln=lln) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (2000, "/mm3", 0),
        (1500, "/mm3", 1),  # the pitfall: ">=1500 and <LLN" is grade 1, not grade 2
        (1499, "/mm3", 2),
        (1000, "/mm3", 2),
        (999, "/mm3", 3),
        (500, "/mm3", 3),
        (499, "/mm3", 4),
        (1.5, "10^9/L", 1),
        (1.49, "10^9/L", 2),
        (0.49, "10^9/L", 4),
    ],
)
def test_neutrophil_count_decreased_and_the_1500_pitfall(
    value: float, unit: str, expected: int
) -> None:
    """CTCAE-5.0: <LLN-1500/mm3 G1; <1500-1000 G2; <1000-500 G3; <500 G4."""
    lln = 1800 if unit == "/mm3" else 1.8
    assert grade("neutrophils", value, unit, lln=lln) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (149, "10^9/L", 1),
        (75, "10^9/L", 1),
        (74, "10^9/L", 2),
        (49, "10^9/L", 3),
        (24, "10^9/L", 4),
        (75000, "/mm3", 1),
        (74999, "/mm3", 2),
    ],
)
def test_platelet_count_decreased(value: float, unit: str, expected: int) -> None:
    """CTCAE-5.0: <LLN-75,000/mm3 G1; <75,000-50,000 G2; <50,000-25,000 G3; <25,000 G4."""
    lln = 150 if unit == "10^9/L" else 150000
    assert grade("platelets", value, unit, lln=lln) == expected


@pytest.mark.parametrize(("value", "expected"), [(3.5, 1), (3.0, 1), (2.9, 2), (1.9, 3), (0.9, 4)])
def test_white_blood_cell_decreased(value: float, expected: int) -> None:
    """CTCAE-5.0: <LLN-3000/mm3 G1; <3000-2000 G2; <2000-1000 G3; <1000 G4."""
    assert grade("wbc", value, "10^9/L", lln=4.0) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.0, 0), (1.2, 0), (1.21, 1), (1.8, 1), (1.81, 2), (3.6, 2), (3.61, 3), (12.0, 3), (12.1, 4)],
)
def test_bilirubin_with_normal_baseline_uses_uln(value: float, expected: int) -> None:
    """CTCAE-5.0: >ULN-1.5xULN G1; >1.5-3.0 G2; >3.0-10.0 G3; >10.0 G4 (ULN 1.2 mg/dL)."""
    assert grade("bilirubin", value, "mg/dL", uln=1.2) == expected


def test_bilirubin_with_abnormal_baseline_uses_baseline_multiples() -> None:
    """CTCAE-5.0 'baseline abnormal' rule: >1.0-1.5 x baseline G1, >1.5-3.0 x baseline G2."""
    base = L("bilirubin", 2.0, "mg/dL", uln=1.2)
    now = Lab(date=date(2020, 4, 1), test="bilirubin", value=2.9, unit="mg/dL", uln=1.2)
    g = grade_lab(now, baseline=base)
    assert g is not None
    # 2.9 = 1.45 x baseline -> G1 (against the ULN it would be 2.4 x ULN -> G2)
    assert (g.grade, g.basis, g.baseline_abnormal) == (1, "baseline", True)
    later = Lab(date=date(2020, 5, 1), test="bilirubin", value=3.1, unit="mg/dL", uln=1.2)
    assert grade_lab(later, baseline=base).grade == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("test", ["alt", "ast"])
@pytest.mark.parametrize(
    ("value", "expected"),
    [(40, 0), (41, 1), (120, 1), (121, 2), (200, 2), (201, 3), (800, 3), (801, 4)],
)
def test_transaminases_with_normal_baseline(test: str, value: float, expected: int) -> None:
    """CTCAE-5.0 ALT/AST increased: >ULN-3.0 G1; >3.0-5.0 G2; >5.0-20.0 G3; >20.0 G4 (ULN 40)."""
    assert grade(test, value, "U/L", uln=40) == expected


def test_transaminases_with_abnormal_baseline_start_grade_1_at_1_5_times_baseline() -> None:
    """CTCAE-5.0: baseline abnormal -> G1 is >1.5-3.0 x baseline (liver metastases, ALT 80)."""
    base = L("alt", 80, "U/L", uln=40)
    now = Lab(date=date(2020, 4, 1), test="alt", value=110, unit="U/L", uln=40)
    assert grade_lab(now, baseline=base).grade == 0  # type: ignore[union-attr]  # 1.375 x baseline
    higher = Lab(date=date(2020, 4, 1), test="alt", value=130, unit="U/L", uln=40)
    assert grade_lab(higher, baseline=base).grade == 1  # type: ignore[union-attr]  # 1.63 x baseline
    g3 = Lab(date=date(2020, 4, 1), test="alt", value=420, unit="U/L", uln=40)
    assert grade_lab(g3, baseline=base).grade == 3  # type: ignore[union-attr]  # 5.25 x baseline


def test_creatinine_takes_the_higher_of_uln_and_baseline_grades() -> None:
    """CTCAE-5.0 creatinine: G2 >1.5-3.0 x baseline or x ULN; the higher grade wins (admiral)."""
    base = L("creatinine", 0.6, "mg/dL", uln=1.2)
    now = Lab(date=date(2020, 4, 1), test="creatinine", value=1.0, unit="mg/dL", uln=1.2)
    g = grade_lab(now, baseline=base)
    assert g is not None and (g.grade, g.basis) == (2, "baseline")  # 1.67 x baseline, < ULN
    no_base = grade_lab(now)
    assert no_base is not None and no_base.grade == 0
    assert grade("creatinine", 7.3, "mg/dL", uln=1.2) == 4  # > 6 x ULN


def test_units_are_converted_for_multiples_of_uln() -> None:
    """Bilirubin 70 umol/L with ULN 21 umol/L = 3.33 x ULN -> grade 3 (CTCAE-5.0)."""
    assert grade("bilirubin", 70, "umol/L", uln=21) == 3


def test_default_limits_are_flagged_unverified() -> None:
    """Without a lab ULN the GISTPATH-CONVENTION default (ALT 35 U/L, female) is used and said."""
    g = grade_lab(L("alt", 200, "U/L"), sex="female")
    assert g is not None
    assert (g.grade, g.limit, g.limit_source, g.verified) == (3, 35.0, "default", False)
    with_own = grade_lab(L("alt", 200, "U/L", uln=40))
    assert with_own is not None and (with_own.grade, with_own.verified) == (2, True)


def test_albumin_is_not_graded() -> None:
    assert grade_lab(L("albumin", 2.0, "g/dL")) is None


def test_case_grading_uses_latest_value_and_line_baseline() -> None:
    """The latest value of each test on or before as_of, against the value at the line's start."""
    c = case(
        as_of="2020-06-01",
        treatments=[tx("imatinib", 400, "2020-01-06")],
        labs=[
            lab("2020-01-02", "alt", 90, "U/L", uln=40),  # abnormal baseline
            lab("2020-05-20", "alt", 150, "U/L", uln=40),
            lab("2020-07-01", "alt", 900, "U/L", uln=40),  # after as_of: ignored
        ],
    )
    (g,) = grade_case_labs(c, baseline_day=date(2020, 1, 6))
    assert (g.value, g.grade, g.basis) == (150, 1, "baseline")
