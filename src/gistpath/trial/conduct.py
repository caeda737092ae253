"""Rules of trial conduct (pure): what screening, dosing, crossover and unblinding must satisfy.

The store's trial service gathers the facts (dates, what is already recorded) and calls these;
each rule raises :class:`~gistpath.trial.errors.TrialRefused` or an
:class:`~gistpath.errors.InputError` naming the option, and returns what the request records.
"""

from __future__ import annotations

from datetime import date

from gistpath.case.model import Case
from gistpath.errors import InputError
from gistpath.imaging.assess import AssessOptions, CaseAssessment, assess_case
from gistpath.trial.design import OpenLabel, TrialDesign
from gistpath.trial.eligibility import EligibilityResult
from gistpath.trial.errors import TrialRefused


def screening_assessment(case: Case) -> CaseAssessment:
    """The response assessment behind "prior benefit" at screening: the site's reading (the
    investigator screens; central review is the primary endpoint's reader, after randomisation)."""
    return assess_case(case, AssessOptions(reader="site"))


def require_eligible(result: EligibilityResult, participant_id: str, case_id: str) -> None:
    """Randomisation needs every criterion met: an unmet or unknown one refuses it."""
    if result.eligible is True:
        return
    problems = [f"unmet: {text}" for text in result.unmet]
    problems += [f"unknown: {text}" for text in result.unknown]
    raise TrialRefused(
        f"participant {participant_id} (case {case_id!r}): not randomised, eligibility "
        f"{'fails' if result.eligible is False else 'is not established'}: {'; '.join(problems)}"
    )


def check_first_dose(
    participant_id: str, randomised_on: date, first_dose: date, recorded: date | None
) -> None:
    """A first dose is on or after randomisation, and recorded once."""
    if first_dose < randomised_on:
        raise InputError(f"--date: {first_dose} is before randomisation ({randomised_on})")
    if recorded is not None:
        raise TrialRefused(
            f"participant {participant_id}: first dose already recorded ({recorded})"
        )


def check_crossover(
    design: TrialDesign,
    participant_id: str,
    randomised_on: date,
    *,
    treated: bool,
    crossed_over: bool,
    progression: date,
    start: date,
) -> OpenLabel:
    """Crossover follows progression on study drug, once; returns the open-label treatment."""
    if design.crossover is None:
        raise TrialRefused(f"trial design {design.id} allows no crossover")
    if progression < randomised_on:
        raise InputError(
            f"--progression-date: {progression} is before randomisation ({randomised_on})"
        )
    if start < progression:
        raise InputError(f"--start: {start} is before the progression ({progression})")
    if not treated:
        raise TrialRefused(
            f"participant {participant_id}: no first dose recorded; crossover follows "
            "progression on study drug"
        )
    if crossed_over:
        raise TrialRefused(f"participant {participant_id}: crossover already recorded")
    return design.crossover.open_label


def check_unblinding(participant_id: str, reason: str, confirm: str) -> None:
    """Emergency unblinding needs a typed reason and the participant id typed again."""
    if not reason.strip():
        raise InputError("--reason: emergency unblinding needs a reason")
    if confirm != participant_id:
        raise InputError(
            f"--confirm: retype the participant id ({participant_id}) to confirm unblinding"
        )
