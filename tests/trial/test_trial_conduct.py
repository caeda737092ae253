"""Conduct rules (pure): first dose, crossover and unblinding requests."""

from __future__ import annotations

from datetime import date

import pytest

from gistpath.errors import InputError
from gistpath.trial.conduct import check_crossover, check_first_dose, check_unblinding
from gistpath.trial.design import design_from_text, design_text, load_design
from gistpath.trial.errors import TrialRefused

RIGHT = load_design("RIGHT")
DAY0 = date(2011, 6, 1)


def test_first_dose() -> None:
    check_first_dose("P", DAY0, DAY0, None)
    with pytest.raises(InputError, match=r"^--date: 2011-05-31 is before randomisation"):
        check_first_dose("P", DAY0, date(2011, 5, 31), None)
    with pytest.raises(TrialRefused, match="first dose already recorded \\(2011-06-02\\)"):
        check_first_dose("P", DAY0, date(2011, 6, 3), date(2011, 6, 2))


def test_crossover_gives_the_designs_open_label_treatment() -> None:
    drug = check_crossover(
        RIGHT,
        "P",
        DAY0,
        treated=True,
        crossed_over=False,
        progression=date(2011, 8, 1),
        start=date(2011, 8, 1),
    )
    assert (drug.drug, drug.dose_mg, drug.schedule) == ("imatinib", 400, "daily")


@pytest.mark.parametrize(
    ("treated", "crossed", "progression", "start", "error", "message"),
    [
        (True, False, date(2011, 5, 1), date(2011, 8, 1), InputError, "--progression-date"),
        (True, False, date(2011, 8, 1), date(2011, 7, 1), InputError, "--start"),
        (False, False, date(2011, 8, 1), date(2011, 8, 2), TrialRefused, "no first dose"),
        (True, True, date(2011, 8, 1), date(2011, 8, 2), TrialRefused, "already recorded"),
    ],
)
def test_crossover_refusals(
    treated: bool, crossed: bool, progression: date, start: date, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        check_crossover(
            RIGHT,
            "P",
            DAY0,
            treated=treated,
            crossed_over=crossed,
            progression=progression,
            start=start,
        )


def test_a_design_without_crossover_refuses_it() -> None:
    text = design_text("RIGHT")
    start = text.index("crossover:\n")
    end = text.index("endpoints:\n")
    design = design_from_text(text[:start] + text[end:])
    with pytest.raises(TrialRefused, match="allows no crossover"):
        check_crossover(
            design,
            "P",
            DAY0,
            treated=True,
            crossed_over=False,
            progression=date(2011, 8, 1),
            start=date(2011, 8, 2),
        )


def test_unblinding_needs_a_reason_and_the_retyped_id() -> None:
    check_unblinding("RIGHT-0001", "SAE: hepatitis", "RIGHT-0001")
    with pytest.raises(InputError, match=r"^--reason"):
        check_unblinding("RIGHT-0001", " \t", "RIGHT-0001")
    with pytest.raises(InputError, match=r"^--confirm: retype the participant id \(RIGHT-0001\)"):
        check_unblinding("RIGHT-0001", "SAE", "RIGHT-0010")
