"""Best overall response (BOR) of one treatment line, RECIST 1.1 section 4.4.

Time points count from the line's start up to and including the first PD. Unconfirmed BOR takes
the best of CR > PR > SD > NON_CR_NON_PD > PD > NE, where SD (and NON_CR_NON_PD) counts only at
least ``sd_min_days`` after the start. Confirmed BOR needs a CR confirmed by a CR, or a PR by a
PR or CR, at least ``confirm_min_days`` later, with at most ``max_ne_between`` NE (and SD only if
``accept_sd_between``) in between, following the admiralonco convention; an unconfirmed
response falls back to SD when the SD interval is met.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from gistpath.imaging.criteria import BestResponseRules

_RANK = {"CR": 5, "PR": 4, "SD": 3, "NON_CR_NON_PD": 2, "PD": 1, "NE": 0}
_STABLE = ("CR", "PR", "SD", "NON_CR_NON_PD")


def best_overall_response(
    timepoints: Sequence[tuple[date, str]],
    start: date,
    rules: BestResponseRules,
    *,
    confirm: bool = False,
) -> str | None:
    """BOR from ``(date, overall response)`` pairs in date order; None if there are none."""
    if not timepoints:
        return None
    points = _until_first_pd(timepoints)
    if confirm:
        return _confirmed(points, start, rules)
    best = "NE"
    for day, response in points:
        if response in ("SD", "NON_CR_NON_PD") and (day - start).days < rules.sd_min_days:
            continue
        if _RANK[response] > _RANK[best]:
            best = response
    return best


def _until_first_pd(timepoints: Sequence[tuple[date, str]]) -> list[tuple[date, str]]:
    points: list[tuple[date, str]] = []
    for day, response in timepoints:
        points.append((day, response))
        if response == "PD":
            break
    return points


def _confirmed(points: list[tuple[date, str]], start: date, rules: BestResponseRules) -> str:
    if any(
        _is_confirmed(points, i, ("CR",), rules) for i, (_, r) in enumerate(points) if r == "CR"
    ):
        return "CR"
    if any(
        _is_confirmed(points, i, ("CR", "PR"), rules)
        for i, (_, r) in enumerate(points)
        if r in ("CR", "PR")
    ):
        return "PR"
    stable = [r for day, r in points if r in _STABLE and (day - start).days >= rules.sd_min_days]
    if stable:
        return "NON_CR_NON_PD" if all(r == "NON_CR_NON_PD" for r in stable) else "SD"
    if any(r == "PD" for _, r in points):
        return "PD"
    return "NE"


def _is_confirmed(
    points: list[tuple[date, str]],
    index: int,
    confirming: tuple[str, ...],
    rules: BestResponseRules,
) -> bool:
    first_day = points[index][0]
    allowed_between = {"CR", "NE"} if confirming == ("CR",) else {"CR", "PR", "NE"}
    if rules.accept_sd_between and confirming != ("CR",):
        allowed_between.add("SD")
    ne_seen = 0
    for day, response in points[index + 1 :]:
        if (day - first_day).days >= rules.confirm_min_days and response in confirming:
            return True
        if response not in allowed_between:
            return False
        if response == "NE":
            ne_seen += 1
            if ne_seen > rules.max_ne_between:
                return False
    return False
