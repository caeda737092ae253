"""``gistpath trial ...``: create a trial, enrol, randomise, dose, cross over, unblind, report.

Every command acts as a named user (``--user`` or ``$GISTPATH_USER``). Blinded users see kit
codes only; the arm appears only for the unblinded statistician and, for one participant, in
the answer to an emergency unblinding.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gistpath.cli.app import JSON_OPTION, app, console, emit_json
from gistpath.cli.store_commands import USER_OPTION, opened
from gistpath.errors import InputError
from gistpath.store.trials import TrialService, write_table
from gistpath.trial.analysis import POPULATIONS
from gistpath.trial.design import list_designs

trial_app = typer.Typer(
    help="Randomised trials: designs, enrolment, allocation, blinding.", no_args_is_help=True
)
app.add_typer(trial_app, name="trial")

TRIAL_ARG = typer.Argument(help="The trial id (see gistpath trial create).", show_default=False)
PARTICIPANT_ARG = typer.Argument(help="The participant id (from trial enrol).", show_default=False)


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def _report(document: dict[str, Any], as_json: bool, text: str) -> None:
    if as_json:
        emit_json(document)
    else:
        console.print(text, markup=False)


@trial_app.command("designs")
def designs(as_json: bool = JSON_OPTION) -> None:
    """List the packaged trial designs."""
    found = [
        {"id": d.id, "version": d.version, "title": d.title, "registry": d.registry}
        for d in list_designs()
    ]
    if as_json:
        emit_json({"designs": found})
        return
    for d in found:
        console.print(f"{d['id']} ({d['version']}): {d['title']}", markup=False)


@trial_app.command("create")
def create(
    design: Annotated[str, typer.Argument(help="A packaged design id (RIGHT) or a YAML file.")],
    trial_id: Annotated[
        str | None, typer.Option("--id", help="Trial id (default: the design id).")
    ] = None,
    slots: Annotated[
        int | None,
        typer.Option("--slots-per-stratum", help="List length per stratum (default: design's)."),
    ] = None,
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a trial and its allocation lists (unblinded statistician; lists never shown)."""
    with opened() as store:
        summary = TrialService(store).create_trial(user, design, trial_id, slots)
    strata = ", ".join(f"{k}: {v} slots" for k, v in summary["strata"].items())
    _report(summary, as_json, f"trial {summary['id']} created ({strata})")


@trial_app.command("enrol")
def enrol(
    trial_id: Annotated[str, TRIAL_ARG],
    case_id: Annotated[str, typer.Argument(help="A stored case id.")],
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Enrol a stored case (refused if an eligibility criterion is unmet)."""
    with opened() as store:
        done = TrialService(store).enrol(user, trial_id, case_id)
    unknown = done["eligibility"]["unknown"]
    tail = f"; still unknown: {'; '.join(unknown)}" if unknown else ""
    _report(done, as_json, f"case {case_id} enrolled as {done['participant']}{tail}")


@trial_app.command("randomise")
def randomise(
    trial_id: Annotated[str, TRIAL_ARG],
    participant: Annotated[str, PARTICIPANT_ARG],
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Randomise an enrolled participant: eligibility is checked, then the next slot taken."""
    with opened() as store:
        done = TrialService(store).randomise(user, trial_id, participant)
    _report(
        done,
        as_json,
        f"{participant} randomised: kit {done['kit_code']} (stratum {done['stratum']})",
    )


@trial_app.command("dose")
def dose(
    trial_id: Annotated[str, TRIAL_ARG],
    participant: Annotated[str, PARTICIPANT_ARG],
    on: Annotated[str, typer.Option("--date", help="First dose date (YYYY-MM-DD).")],
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the first dose of study drug."""
    with opened() as store:
        done = TrialService(store).dose(user, trial_id, participant, _date(on, "--date"))
    _report(done, as_json, f"{participant}: first dose on {done['first_dose_date']}")


@trial_app.command("crossover")
def crossover(
    trial_id: Annotated[str, TRIAL_ARG],
    participant: Annotated[str, PARTICIPANT_ARG],
    progression: Annotated[
        str,
        typer.Option("--progression-date", help="Investigator-assessed progression (YYYY-MM-DD)."),
    ],
    start: Annotated[str, typer.Option("--start", help="Open-label start date (YYYY-MM-DD).")],
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record crossover to open-label treatment after progression."""
    with opened() as store:
        done = TrialService(store).crossover(
            user,
            trial_id,
            participant,
            _date(progression, "--progression-date"),
            _date(start, "--start"),
        )
    _report(
        done,
        as_json,
        f"{participant}: open-label {done['drug']} {done['dose_mg']:g} mg "
        f"from {done['start_date']}",
    )


@trial_app.command("unblind")
def unblind(
    trial_id: Annotated[str, TRIAL_ARG],
    participant: Annotated[str, PARTICIPANT_ARG],
    reason: Annotated[str, typer.Option("--reason", help="Why (required, audited).")],
    confirm: Annotated[
        str, typer.Option("--confirm", help="Retype the participant id to confirm.")
    ],
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Emergency unblinding of one participant (investigator; reason required; audited)."""
    with opened() as store:
        done = TrialService(store).unblind(user, trial_id, participant, reason, confirm)
    _report(
        done,
        as_json,
        f"{participant} (kit {done['kit_code']}): {done['arm_label']} -- unblinding recorded",
    )


@trial_app.command("status")
def status(
    trial_id: Annotated[str, TRIAL_ARG],
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Enrolment, allocation per stratum, treated and crossed-over counts, participants."""
    with opened() as store:
        document = TrialService(store).status(user, trial_id)
    if as_json:
        emit_json(document)
        return
    counts = ", ".join(f"{k} {v}" for k, v in document["counts"].items())
    console.print(f"trial {trial_id}: {counts}", markup=False)
    if "arms" in document:
        console.print(f"arms: {json.dumps(document['arms'])}", markup=False)
    table = Table(title="strata")
    for column in ("stratum", "randomised", "remaining"):
        table.add_column(column)
    for row in document["strata"]:
        table.add_row(row["stratum"], str(row["randomised"]), str(row["remaining"]))
    console.print(table)
    people = Table(title="participants")
    columns = ("participant", "case_id", "status", "kit_code", "first_dose", "crossover_start")
    for column in columns:
        people.add_column(column)
    for row in document["participants"]:
        people.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    console.print(people)


@trial_app.command("export")
def export(
    trial_id: Annotated[str, TRIAL_ARG],
    out: Annotated[Path, typer.Option("--out", help="Analysis table: .csv or .parquet.")],
    population: Annotated[
        str | None,
        typer.Option(
            "--population",
            help=f"{', '.join(POPULATIONS)} (default: the design's analysis population).",
        ),
    ] = None,
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the analysis table (pseudonyms; arm only for the unblinded statistician)."""
    if out.suffix not in (".csv", ".parquet"):
        raise InputError(f"--out: {out.name}: write .csv or .parquet")
    with opened() as store:
        table, meta = TrialService(store).analysis_table(user, trial_id, population)
    write_table(table, out)
    meta = {**meta, "out": str(out), "columns": list(table[0]) if table else []}
    _report(meta, as_json, f"{meta['rows']} rows ({meta['population']}) written to {out}")
