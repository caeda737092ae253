"""Choi criteria worked examples (Choi et al., J Clin Oncol 2007; knowledge base section 3.2).

PR: size -10% OR density -15%; PD: size +10% without a density response, a new lesion, or a new
or enlarging intratumoral nodule; both changes from baseline.
"""

from __future__ import annotations

import pytest

from gistpath.imaging.choi import assess_choi
from gistpath.imaging.criteria import choi_rules
from support.scans import new, non_target, scan, target

RULES = choi_rules()


def one(baseline, follow):  # type: ignore[no-untyped-def]
    [point] = assess_choi(baseline, [follow], RULES)
    return point


def test_density_fall_of_15_percent_is_pr_even_when_size_grows() -> None:
    """Density 60 -> 51 HU is -15.0%; size 50 -> 56 is +12%: PR by density."""
    point = one(scan(0, target("L1", 50, hu=60)), scan(56, target("L1", 56, hu=51)))
    assert point.density_change_pct == pytest.approx(-15.0)
    assert point.size_change_pct == pytest.approx(12.0)
    assert point.overall == "PR"


def test_size_fall_of_10_percent_is_pr() -> None:
    """Size 50 -> 45 is -10.0% with unchanged density: PR by size."""
    assert one(scan(0, target("L1", 50, hu=60)), scan(56, target("L1", 45, hu=60))).overall == "PR"


def test_size_fall_of_9_percent_and_density_fall_of_14_percent_is_sd() -> None:
    """-9% size (100 -> 91) and -14% density (50 -> 43): neither threshold met: SD."""
    point = one(scan(0, target("L1", 100, hu=50)), scan(56, target("L1", 91, hu=43)))
    assert point.overall == "SD"


def test_size_growth_of_10_percent_without_density_response_is_pd() -> None:
    """Size 50 -> 55 (+10%) with density -10% (60 -> 54): no density response: PD."""
    assert one(scan(0, target("L1", 50, hu=60)), scan(56, target("L1", 55, hu=54))).overall == "PD"


def test_size_growth_with_density_response_is_pr() -> None:
    """Size +10% but density -20% (60 -> 48): the density response makes it PR."""
    assert one(scan(0, target("L1", 50, hu=60)), scan(56, target("L1", 55, hu=48))).overall == "PR"


def test_new_lesion_is_pd_despite_density_response() -> None:
    point = one(scan(0, target("L1", 50, hu=60)), scan(56, target("L1", 40, hu=40), new("L2")))
    assert point.overall == "PD"
    assert "new lesion L2" in point.notes


@pytest.mark.parametrize("nodule", ["new", "enlarging"])
def test_intratumoral_nodule_is_pd(nodule: str) -> None:
    """'New intratumoral nodules or increase in the size of existing intratumoral nodules'."""
    point = one(
        scan(0, target("L1", 50, hu=60)),
        scan(56, target("L1", 45, hu=40, nodule=nodule)),
    )
    assert point.overall == "PD"


def test_nodule_none_is_not_pd() -> None:
    point = one(scan(0, target("L1", 50, hu=60)), scan(56, target("L1", 50, hu=60, nodule="none")))
    assert point.overall == "SD"


def test_missing_density_is_size_only_and_says_so() -> None:
    """No HU on the follow-up: size alone decides (+4%: SD) and the note says so."""
    point = one(scan(0, target("L1", 50, hu=60)), scan(56, target("L1", 52)))
    assert point.size_only is True
    assert point.density_change_pct is None
    assert point.overall == "SD"
    assert any("size alone" in n for n in point.notes)


def test_density_from_paired_lesions_only() -> None:
    """L2 has no HU at baseline, so density is L1 alone: 80 -> 60 = -25%, from 1 of 2."""
    base = scan(0, target("L1", 40, hu=80), target("L2", 40))
    point = one(base, scan(56, target("L1", 40, hu=60), target("L2", 40, hu=90)))
    assert point.density_change_pct == pytest.approx(-25.0)
    assert point.density_lesions == 1
    assert "density from 1 of 2 targets" in point.notes
    assert point.overall == "PR"


def test_density_is_mean_of_lesion_means() -> None:
    """Mean of (60, 40) = 50 -> mean of (45, 40) = 42.5: -15.0% -> PR."""
    base = scan(0, target("L1", 40, hu=60), target("L2", 40, hu=40))
    point = one(base, scan(56, target("L1", 40, hu=45), target("L2", 40, hu=40)))
    assert point.density_change_pct == pytest.approx(-15.0)
    assert point.overall == "PR"


def test_complete_response() -> None:
    base = scan(0, target("L1", 30, hu=60), non_target("P1"))
    follow = scan(56, target("L1", 0), non_target("P1", "absent"))
    assert one(base, follow).overall == "CR"


def test_missing_target_is_not_evaluable() -> None:
    base = scan(0, target("L1", 30, hu=60), target("L2", 30, hu=60))
    assert one(base, scan(56, target("L1", 30, hu=60))).overall == "NE"


def test_unequivocal_non_target_progression_is_pd() -> None:
    base = scan(0, target("L1", 30, hu=60), non_target("P1"))
    follow = scan(56, target("L1", 20, hu=40), non_target("P1", "unequivocal_progression"))
    assert one(base, follow).overall == "PD"
