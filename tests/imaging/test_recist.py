"""RECIST 1.1 and 1.0 worked examples; each expected value is computed by hand from the rule.

Rules quoted from Eisenhauer et al., Eur J Cancer 2009 (RECIST 1.1) and Therasse et al.,
JNCI 2000 (RECIST 1.0), as summarised in reference/clinical-knowledge.md section 3.1.
"""

from __future__ import annotations

import pytest

from gistpath.case.model import Lesion
from gistpath.imaging.criteria import recist_rules
from gistpath.imaging.recist import assess_recist, check_target_selection
from support.scans import new, non_target, scan, target

R11 = recist_rules("1.1")
R10 = recist_rules("1.0")


def overall(baseline, *followups, rules=R11):  # type: ignore[no-untyped-def]
    return [p.overall for p in assess_recist(baseline, list(followups), rules)]


def test_pr_at_exactly_minus_30_percent() -> None:
    """PR: 'at least a 30% decrease in the sum of diameters, taking as reference the baseline
    sum'. 50+50=100 -> 35+35=70 is -30.0%: PR."""
    base = scan(0, target("L1", 50), target("L2", 50))
    [point] = assess_recist(base, [scan(56, target("L1", 35), target("L2", 35))], R11)
    assert point.target_sum_mm == 70
    assert point.change_from_baseline_pct == pytest.approx(-30.0)
    assert point.target == "PR"
    assert point.overall == "PR"


def test_minus_29_percent_is_stable() -> None:
    """100 -> 71 is -29%: short of the 30% PR threshold, and no growth: SD."""
    base = scan(0, target("L1", 50), target("L2", 50))
    assert overall(base, scan(56, target("L1", 36), target("L2", 35))) == ["SD"]


def test_pd_needs_five_millimetres_under_1_1_but_not_1_0() -> None:
    """PD: '+20% over the nadir AND an absolute increase of at least 5 mm' (1.1); RECIST 1.0
    has no absolute rule. Nadir 20 -> 24 is +20% but only +4 mm."""
    base = scan(0, target("L1", 20))
    follow = scan(56, target("L1", 24))
    assert overall(base, follow, rules=R11) == ["SD"]
    assert overall(base, follow, rules=R10) == ["PD"]


def test_pd_needs_twenty_percent() -> None:
    """100 -> 119 is +19 mm but only +19%: SD; 100 -> 120 is +20% and +20 mm: PD."""
    base = scan(0, target("L1", 60), target("L2", 40))
    assert overall(base, scan(56, target("L1", 79), target("L2", 40))) == ["SD"]
    assert overall(base, scan(56, target("L1", 80), target("L2", 40))) == ["PD"]


def test_pd_is_measured_from_the_nadir_not_the_baseline() -> None:
    """Baseline 100 -> 60 (PR, nadir 60) -> 72: +20% and +12 mm over the nadir is PD even
    though it is still -28% from baseline."""
    base = scan(0, target("L1", 100))
    points = assess_recist(base, [scan(56, target("L1", 60)), scan(112, target("L1", 72))], R11)
    assert [p.overall for p in points] == ["PR", "PD"]
    assert points[1].nadir_mm == 60
    assert points[1].change_from_nadir_pct == pytest.approx(20.0)
    assert points[1].change_from_baseline_pct == pytest.approx(-28.0)


def test_nadir_includes_the_baseline() -> None:
    """'The smallest sum on study, including the baseline': 50 -> 55 (SD) -> 60 is +20% and
    +10 mm over the baseline nadir 50: PD."""
    base = scan(0, target("L1", 50))
    assert overall(base, scan(56, target("L1", 55)), scan(112, target("L1", 60))) == ["SD", "PD"]


def test_complete_response_with_nodes_below_10_mm() -> None:
    """CR: all non-nodal targets gone and every nodal target short axis < 10 mm; the sum may
    stay above 0 (node 9 mm)."""
    base = scan(0, target("L1", 20), target("N1", 16, organ="lymph_node"))
    [point] = assess_recist(
        base, [scan(56, target("L1", 0), target("N1", 9, organ="lymph_node"))], R11
    )
    assert point.target == "CR"
    assert point.target_sum_mm == 9
    assert point.overall == "CR"


def test_node_of_10_mm_is_not_complete_response() -> None:
    """A nodal target at exactly 10 mm is not normal (< 10 mm): 36 -> 10 is -72%: PR."""
    base = scan(0, target("L1", 20), target("N1", 16, organ="lymph_node"))
    follow = scan(56, target("L1", 0), target("N1", 10, organ="lymph_node"))
    assert overall(base, follow) == ["PR"]


def test_target_cr_with_persisting_non_target_is_pr() -> None:
    """Table 1: target CR, non-target non-CR/non-PD, no new lesion -> overall PR."""
    base = scan(0, target("L1", 20), non_target("P1"))
    [point] = assess_recist(base, [scan(56, target("L1", 0), non_target("P1"))], R11)
    assert (point.target, point.non_target, point.overall) == ("CR", "NON_CR_NON_PD", "PR")


def test_target_cr_with_non_target_not_evaluated_is_pr() -> None:
    """Table 1: target CR, non-target not evaluated -> PR."""
    base = scan(0, target("L1", 20), non_target("P1"))
    [point] = assess_recist(base, [scan(56, target("L1", 0))], R11)
    assert (point.target, point.non_target, point.overall) == ("CR", "NE", "PR")


def test_unequivocal_non_target_progression_is_pd() -> None:
    """Table 1: any target response with non-target PD -> PD (here targets are PR)."""
    base = scan(0, target("L1", 50), non_target("P1"))
    follow = scan(56, target("L1", 30), non_target("P1", "unequivocal_progression"))
    [point] = assess_recist(base, [follow], R11)
    assert (point.target, point.non_target, point.overall) == ("PR", "PD", "PD")


def test_new_lesion_is_pd_whatever_the_targets_do() -> None:
    """Table 1: any new lesion -> PD (targets -40% here)."""
    base = scan(0, target("L1", 50))
    [point] = assess_recist(base, [scan(56, target("L1", 30), new("L9"))], R11)
    assert (point.target, point.new_lesions, point.overall) == ("PR", True, "PD")


def test_lesion_absent_from_baseline_counts_as_new_and_says_so() -> None:
    """A lesion id not on the baseline scan is new even if labelled non-target."""
    base = scan(0, target("L1", 50))
    [point] = assess_recist(base, [scan(56, target("L1", 50), non_target("P7"))], R11)
    assert point.overall == "PD"
    assert any("P7 was not on the baseline scan" in n for n in point.notes)


def test_missing_target_is_not_evaluable() -> None:
    """A target not measured: the time point is NE ..."""
    base = scan(0, target("L1", 50), target("L2", 50))
    [point] = assess_recist(base, [scan(56, target("L1", 50))], R11)
    assert (point.target, point.overall) == ("NE", "NE")


def test_missing_target_still_pd_when_the_rest_already_progressed() -> None:
    """... unless the measured targets alone already meet PD: nadir 60 (30 + 30), then L1
    alone measures 75, which is +25% and +15 mm over the nadir -> PD."""
    base = scan(0, target("L1", 50), target("L2", 50))
    points = assess_recist(
        base, [scan(56, target("L1", 30), target("L2", 30)), scan(112, target("L1", 75))], R11
    )
    assert [p.overall for p in points] == ["PR", "PD"]


def test_incomplete_time_point_does_not_set_the_nadir() -> None:
    """Nadir comes from fully measured time points only: baseline 100, an NE scan with 40 mm
    measured, then 75: compared with nadir 100 that is SD, not PD over 40."""
    base = scan(0, target("L1", 50), target("L2", 50))
    points = assess_recist(
        base,
        [scan(56, target("L1", 40)), scan(112, target("L1", 40), target("L2", 35))],
        R11,
    )
    assert [p.overall for p in points] == ["NE", "SD"]
    assert points[1].nadir_mm == 100


def test_non_target_disease_only() -> None:
    """Table 2: non-target only -> NON_CR_NON_PD while present, CR when all absent."""
    base = scan(0, non_target("P1"), non_target("P2"))
    assert overall(base, scan(56, non_target("P1"), non_target("P2", "absent"))) == [
        "NON_CR_NON_PD"
    ]
    assert overall(base, scan(56, non_target("P1", "absent"), non_target("P2", "absent"))) == ["CR"]


def test_missing_non_target_with_stable_targets_is_sd() -> None:
    """Table 1: target SD, non-target not all evaluated -> SD."""
    base = scan(0, target("L1", 50), non_target("P1"))
    [point] = assess_recist(base, [scan(56, target("L1", 48))], R11)
    assert (point.target, point.non_target, point.overall) == ("SD", "NE", "SD")


def test_disease_seen_again_after_complete_response_is_pd() -> None:
    """Table 3 footnote: after a true CR, any disease seen again is PD, even a 4 mm lesion
    that would be PR against the baseline."""
    base = scan(0, target("L1", 50))
    points = assess_recist(base, [scan(56, target("L1", 0)), scan(112, target("L1", 4))], R11)
    assert [p.overall for p in points] == ["CR", "PD"]


def test_target_selection_limits_1_1() -> None:
    """RECIST 1.1: at most 5 targets and 2 per organ; measurable >= 10 mm; nodes >= 15 mm."""
    base = scan(
        0,
        target("L1", 30),
        target("L2", 25),
        target("L3", 8),
        target("P1", 30, organ="peritoneum"),
        target("N1", 12, organ="lymph_node"),
        target("N2", 20, organ="lymph_node"),
    )
    problems = check_target_selection(base, R11)
    assert any("6 target lesions" in p and "at most 5" in p for p in problems)
    assert any("3 target lesions in liver" in p for p in problems)
    assert any("target L3 measures 8 mm" in p for p in problems)
    assert any("target N1 is a lymph node of 12 mm" in p and "pathological" in p for p in problems)
    assert not any("N2" in p for p in problems)
    assert len(problems) == 4


def test_target_selection_limits_1_0() -> None:
    """RECIST 1.0: up to 10 targets and 5 per organ: six targets, three in the liver pass."""
    base = scan(
        0,
        target("L1", 30),
        target("L2", 25),
        target("L3", 18),
        target("P1", 30, organ="peritoneum"),
        target("P2", 22, organ="peritoneum"),
        target("M1", 20, organ="mesentery"),
    )
    assert check_target_selection(base, R10) == []


def test_non_target_node_below_10_mm_is_normal_for_complete_response() -> None:
    """RECIST 1.1 non-target CR: 'all lymph nodes non-pathological (< 10 mm short axis)'. A
    non-target node still reported present at 8 mm does not block CR under 1.1; RECIST 1.0 has
    no nodal size rule, so there it is persisting disease: target CR + non-target -> PR."""
    node = non_target("N1", organ="lymph_node")
    base = scan(0, target("L1", 20), node)
    shrunk = Lesion(id="N1", organ="lymph_node", role="non-target", status="present", diameter_mm=8)
    follow = scan(56, target("L1", 0), shrunk)
    [v11] = assess_recist(base, [follow], R11)
    [v10] = assess_recist(base, [follow], R10)
    assert (v11.non_target, v11.overall) == ("CR", "CR")
    assert (v10.non_target, v10.overall) == ("NON_CR_NON_PD", "PR")


def test_non_target_node_at_10_mm_persists() -> None:
    base = scan(0, target("L1", 20), non_target("N1", organ="lymph_node"))
    node = Lesion(id="N1", organ="lymph_node", role="non-target", status="present", diameter_mm=10)
    [point] = assess_recist(base, [scan(56, target("L1", 0), node)], R11)
    assert (point.non_target, point.overall) == ("NON_CR_NON_PD", "PR")
