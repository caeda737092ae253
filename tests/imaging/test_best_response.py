"""Best overall response per line (RECIST 1.1 section 4.4; knowledge base section 3.1):
confirmation at >= 4 weeks, SD only at >= 6 weeks from the start (both configurable)."""

from __future__ import annotations

from dataclasses import replace

from gistpath.imaging.best_response import best_overall_response
from gistpath.imaging.criteria import best_response_rules
from support.scans import START, day

RULES = best_response_rules()


def bor(*points: tuple[int, str], confirm: bool = False, rules=RULES) -> str | None:  # type: ignore[no-untyped-def]
    return best_overall_response([(day(n), r) for n, r in points], START, rules, confirm=confirm)


def test_no_assessments_gives_none() -> None:
    assert bor() is None


def test_unconfirmed_best_is_the_best_before_pd() -> None:
    assert bor((56, "SD"), (112, "PR"), (168, "PD")) == "PR"


def test_responses_after_the_first_pd_do_not_count() -> None:
    assert bor((56, "PD"), (112, "PR")) == "PD"


def test_sd_before_six_weeks_does_not_count() -> None:
    """SD at day 28 (< 42) then PD: the SD minimum is not met -> PD."""
    assert bor((28, "SD"), (56, "PD")) == "PD"


def test_sd_at_exactly_six_weeks_counts() -> None:
    assert bor((42, "SD"), (84, "PD")) == "SD"


def test_early_sd_then_not_evaluable_is_ne() -> None:
    assert bor((28, "SD"), (56, "NE")) == "NE"


def test_sd_minimum_is_configurable() -> None:
    """With an 8-week minimum (56 days), SD at day 49 no longer counts."""
    assert bor((49, "SD"), (98, "PD"), rules=replace(RULES, sd_min_days=56)) == "PD"


def test_confirmed_pr_needs_a_second_pr_four_weeks_later() -> None:
    assert bor((56, "PR"), (84, "PR"), confirm=True) == "PR"


def test_pr_confirmed_too_early_falls_back_to_sd() -> None:
    """PR at day 56 and day 77 (21 days later), then PD: unconfirmed; SD minimum met -> SD."""
    assert bor((56, "PR"), (77, "PR"), (120, "PD"), confirm=True) == "SD"
    assert bor((56, "PR"), (77, "PR"), (120, "PD")) == "PR"


def test_confirmed_cr_needs_cr() -> None:
    """CR then PR 4+ weeks later: CR is not confirmed, PR is (CR or PR confirms a PR)."""
    assert bor((56, "CR"), (112, "CR"), confirm=True) == "CR"
    assert bor((56, "CR"), (112, "PR"), confirm=True) == "PR"


def test_sd_between_breaks_pr_confirmation() -> None:
    """admiralonco default accept_sd = FALSE: PR, SD, PR does not confirm -> SD."""
    assert bor((56, "PR"), (84, "SD"), (112, "PR"), confirm=True) == "SD"
    assert (
        bor(
            (56, "PR"),
            (84, "SD"),
            (112, "PR"),
            confirm=True,
            rules=replace(RULES, accept_sd_between=True),
        )
        == "PR"
    )


def test_one_ne_between_is_allowed() -> None:
    assert bor((56, "PR"), (84, "NE"), (112, "PR"), confirm=True) == "PR"
    assert bor((56, "PR"), (70, "NE"), (84, "NE"), (112, "PR"), confirm=True) == "SD"


def test_non_target_only_disease() -> None:
    assert bor((56, "NON_CR_NON_PD"), (112, "NON_CR_NON_PD")) == "NON_CR_NON_PD"
    assert bor((56, "NON_CR_NON_PD"), confirm=True) == "NON_CR_NON_PD"


def test_only_not_evaluable_is_ne() -> None:
    assert bor((56, "NE"), (112, "NE"), confirm=True) == "NE"
