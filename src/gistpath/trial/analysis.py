"""The trial's analysis table (pure): populations, PFS by the design's reader, OS, crossover.

Time zero is the randomisation date. PFS and OS come from :mod:`gistpath.outcomes.endpoints`,
applied to a view of the case in which the study treatment is one line that starts at
randomisation (its drug stays hidden) and ends where the next recorded treatment or the
crossover starts; progression is read by the design's primary-endpoint reader and criteria
(RIGHT: masked central review, RECIST 1.0). A crossover therefore ends the PFS window: without a
progression before it, PFS is censored at the last evaluable assessment.

Populations: ``randomised`` (intention to treat), ``treated`` (at least one dose of study drug:
the RIGHT analysis set) and ``per_protocol`` (treated, and not crossed over before a progression
on the primary-endpoint reading).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args

from gistpath.case.model import Case, Treatment
from gistpath.outcomes.endpoints import line_endpoints
from gistpath.trial.blinding import pseudonym
from gistpath.trial.design import TrialDesign, parse_stratum_key

Population = Literal["randomised", "treated", "per_protocol"]
POPULATIONS: tuple[str, ...] = get_args(Population)
#: The drug name of the blinded study line in the endpoint view (never exported).
STUDY_LINE = "blinded-study-drug"


@dataclass(frozen=True, slots=True)
class ParticipantRecord:
    """What the store knows about one randomised participant (``arm`` None when blinded)."""

    participant_id: str
    kit_code: str
    arm: str | None
    stratum: str
    randomised_on: date
    first_dose: date | None
    crossover_start: date | None
    case: Case


@dataclass(frozen=True, slots=True)
class TrialEndpoints:
    pfs_months: float
    pfs_event: int
    os_months: float
    os_event: int


def trial_endpoints(
    case: Case, randomised_on: date, design: TrialDesign, crossover_start: date | None = None
) -> TrialEndpoints:
    """PFS (design's reader and criteria) and OS in months from randomisation."""
    before = [_cut(t, randomised_on) for t in case.treatments if t.start < randomised_on]
    later = sorted(
        {t.start for t in case.treatments if t.start > randomised_on}
        | ({crossover_start} if crossover_start is not None else set())
    )
    window_end = later[0] if later else None
    study = Treatment.model_construct(
        drug=STUDY_LINE,
        dose_mg=1.0,
        schedule="daily",
        start=randomised_on,
        end=window_end,
        stop_reason="other" if window_end is not None else None,
    )
    after: list[Treatment] = []
    if window_end is not None:
        after.append(
            Treatment.model_construct(
                drug="after-study", dose_mg=1.0, schedule="daily", start=window_end
            )
        )
    view = case.model_copy(update={"treatments": (*before, study, *after)})
    primary = design.endpoints.primary
    rows = line_endpoints(view, reader=primary.reader, criteria=primary.criteria)
    row = next(r for r in rows if r.drug == STUDY_LINE)
    return TrialEndpoints(
        round(row.pfs_months, 3), row.pfs_event, round(row.os_months, 3), row.os_event
    )


def _cut(row: Treatment, day: date) -> Treatment:
    if row.end is None or row.end > day:
        return row.model_copy(update={"end": day, "stop_reason": row.stop_reason or "other"})
    return row


def in_population(record: ParticipantRecord, endpoints: TrialEndpoints, population: str) -> bool:
    treated = record.first_dose is not None
    if population == "randomised":
        return True
    if population == "treated":
        return treated
    return treated and (record.crossover_start is None or endpoints.pfs_event == 1)


def analysis_table(
    records: Iterable[ParticipantRecord],
    design: TrialDesign,
    key: bytes,
    population: str,
    *,
    unblinded: bool,
) -> list[dict[str, Any]]:
    """One row per participant in ``population``, sorted by pseudonym; ``arm`` only unblinded."""
    table: list[dict[str, Any]] = []
    for record in records:
        ends = trial_endpoints(record.case, record.randomised_on, design, record.crossover_start)
        if not in_population(record, ends, population):
            continue
        row: dict[str, Any] = {"participant": pseudonym(key, record.participant_id)}
        if unblinded:
            row["arm"] = record.arm
        row["kit_code"] = record.kit_code
        row["stratum"] = record.stratum
        for factor, level in parse_stratum_key(record.stratum).items():
            row[f"stratum_{factor}"] = level
        row.update(
            pfs_months=ends.pfs_months,
            pfs_event=ends.pfs_event,
            os_months=ends.os_months,
            os_event=ends.os_event,
            crossover=int(record.crossover_start is not None),
            treated=int(record.first_dose is not None),
            per_protocol=int(in_population(record, ends, "per_protocol")),
        )
        table.append(row)
    return sorted(table, key=lambda r: str(r["participant"]))
