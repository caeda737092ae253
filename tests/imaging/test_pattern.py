"""Progression pattern: the per-lesion rule and focal versus generalised (DeMatteo 2007:
focal resistance = exactly one tumour growing; multifocal = more than one)."""

from __future__ import annotations

from gistpath.imaging.criteria import pattern_rules, with_overrides
from gistpath.imaging.pattern import assess_pattern
from support.scans import new, non_target, scan, target

RULES = pattern_rules()


def last(baseline, *followups, rules=RULES):  # type: ignore[no-untyped-def]
    return assess_pattern(baseline, list(followups), rules)[-1]


def test_one_lesion_growing_is_focal() -> None:
    """L1 40 -> 50 is +25% and +10 mm over its nadir; L2 and P1 controlled: focal."""
    base = scan(0, target("L1", 40), target("L2", 30), non_target("P1"))
    point = last(base, scan(56, target("L1", 50), target("L2", 29), non_target("P1")))
    assert point.progressing_lesions == ("L1",)
    assert point.pattern == "focal"


def test_two_lesions_growing_is_generalized() -> None:
    base = scan(0, target("L1", 40), target("L2", 30))
    point = last(base, scan(56, target("L1", 50), target("L2", 40)))
    assert point.progressing_lesions == ("L1", "L2")
    assert point.pattern == "generalized"


def test_nothing_growing_is_none() -> None:
    base = scan(0, target("L1", 40), target("L2", 30))
    assert last(base, scan(56, target("L1", 41), target("L2", 30))).pattern == "none"


def test_a_single_new_lesion_is_focal() -> None:
    base = scan(0, target("L1", 40))
    point = last(base, scan(56, target("L1", 38), new("L5")))
    assert (point.progressing_lesions, point.pattern) == (("L5",), "focal")


def test_a_new_intratumoral_nodule_is_a_progressing_lesion() -> None:
    """The nodule-within-a-mass pattern of GIST: the lesion does not grow, but progresses."""
    base = scan(0, target("L1", 40, hu=30), target("L2", 30))
    point = last(base, scan(56, target("L1", 40, hu=45, nodule="new"), target("L2", 30)))
    assert (point.progressing_lesions, point.pattern) == (("L1",), "focal")


def test_per_lesion_rule_is_against_the_lesion_nadir() -> None:
    """L1 40 -> 20 (nadir) -> 25: +25% and +5 mm over its own nadir: progressing, although
    still smaller than at baseline; 40 -> 20 -> 24 (+4 mm) is not."""
    base = scan(0, target("L1", 40), target("L2", 30))
    shrunk = scan(56, target("L1", 20), target("L2", 30))
    grew = last(base, shrunk, scan(112, target("L1", 25), target("L2", 30)))
    assert grew.progressing_lesions == ("L1",)
    not_enough = last(base, shrunk, scan(112, target("L1", 24), target("L2", 30)))
    assert not_enough.progressing_lesions == ()


def test_unequivocal_non_target_progression_counts() -> None:
    base = scan(0, target("L1", 40), non_target("P1"))
    point = last(base, scan(56, target("L1", 40), non_target("P1", "unequivocal_progression")))
    assert (point.progressing_lesions, point.pattern) == (("P1",), "focal")


def test_unmeasured_lesion_makes_focal_indeterminate() -> None:
    """One lesion grows but L2 was not measured: the rest is not known to be controlled."""
    base = scan(0, target("L1", 40), target("L2", 30))
    point = last(base, scan(56, target("L1", 50)))
    assert point.unevaluated_lesions == ("L2",)
    assert point.pattern == "indeterminate"


def test_two_growing_is_generalized_even_with_a_lesion_unmeasured() -> None:
    base = scan(0, target("L1", 40), target("L2", 30), target("L3", 30))
    assert last(base, scan(56, target("L1", 50), target("L2", 40))).pattern == "generalized"


def test_focal_threshold_is_configurable() -> None:
    """With focal_max_lesions = 2, two progressing lesions are still focal; three are not."""
    rules = with_overrides(RULES, focal_max_lesions=2)
    base = scan(0, target("L1", 40), target("L2", 30), target("L3", 30))
    two = last(base, scan(56, target("L1", 50), target("L2", 40), target("L3", 30)), rules=rules)
    assert two.pattern == "focal"
    three = last(base, scan(56, target("L1", 50), target("L2", 40), target("L3", 40)), rules=rules)
    assert three.pattern == "generalized"
