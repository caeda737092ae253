"""Commands of the treatment advisor: ``advise``, ``safety`` and ``evidence``.

I/O only: cases are read here, the pure core (:mod:`gistpath.pathway`, :mod:`gistpath.safety`)
does the reasoning, and the result is printed as JSON or as tables for a person.
"""

from __future__ import annotations

import difflib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from gistpath.case.load import load_cases
from gistpath.cli.app import JSON_OPTION, app, console, emit_json
from gistpath.cli.case_commands import CASES_ARG
from gistpath.errors import InputError
from gistpath.knowledge.evidence import evidence_registry, evidence_version
from gistpath.pathway.advisor import Advice, advise
from gistpath.safety.alerts import Alert
from gistpath.safety.report import SafetyReport, assess_safety


class Jurisdiction(StrEnum):
    EU = "EU"
    US = "US"


JURISDICTION_OPTION = typer.Option(
    Jurisdiction.EU,
    "--jurisdiction",
    help="Whose label where they differ (avapritinib intracranial haemorrhage): EU or US.",
)
_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}
_STRENGTH_STYLE = {"standard": "bold green", "option": "blue", "consider": "magenta"}


def _one_or_many(documents: list[dict[str, Any]]) -> None:
    emit_json(documents[0] if len(documents) == 1 else {"cases": documents})


@app.command(name="advise")
def advise_cmd(
    cases: Annotated[list[Path], CASES_ARG],
    jurisdiction: Jurisdiction = JURISDICTION_OPTION,
    no_trials: bool = typer.Option(False, "--no-trials", help="Skip trial eligibility."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Ranked, evidence-linked treatment options with safety alerts, as of each case's as_of."""
    results = [
        advise(case, jurisdiction=jurisdiction.value, trials=not no_trials)
        for case in load_cases(cases)
    ]
    if as_json:
        _one_or_many([r.to_dict() for r in results])
        return
    for result in results:
        _print_advice(result)


@app.command()
def safety(
    cases: Annotated[list[Path], CASES_ARG],
    jurisdiction: Jurisdiction = JURISDICTION_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """CTCAE grades, CYP3A4 interactions, label dose modifications and alerts for each case."""
    reports = [assess_safety(case, jurisdiction=jurisdiction.value) for case in load_cases(cases)]
    if as_json:
        _one_or_many([r.to_dict() for r in reports])
        return
    for report in reports:
        _print_safety(report)


@app.command()
def evidence(
    source_id: Annotated[
        str | None, typer.Argument(help="An evidence id such as GRID; omit to list all.")
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """List the evidence registry, or show one entry (unverified entries are flagged)."""
    registry = evidence_registry()
    if source_id is None:
        rows = [
            {
                "id": sid,
                "kind": e["kind"],
                "year": e["year"],
                "level": e.get("level"),
                "verified": e["verified"],
                "citation": " ".join(str(e["citation"]).split()),
            }
            for sid, e in registry.items()
        ]
        if as_json:
            emit_json({"version": evidence_version(), "entries": rows})
            return
        table = Table(title=f"Evidence registry ({evidence_version()})")
        for column in ("id", "kind", "year", "level", "citation"):
            table.add_column(column, overflow="fold")
        for row in rows:
            flag = "" if row["verified"] else " [yellow](unverified)[/yellow]"
            table.add_row(
                row["id"] + flag,
                row["kind"],
                str(row["year"]),
                str(row["level"] or "-"),
                escape(row["citation"][:120]),
            )
        console.print(table)
        return
    entry = registry.get(source_id)
    if entry is None:
        close = difflib.get_close_matches(source_id.upper(), list(registry), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InputError(f"no evidence entry {source_id!r}{hint}")
    document = {"id": source_id, **entry, "unverified": not entry["verified"]}
    if as_json:
        emit_json(document)
        return
    _print_entry(document)


# ------------------------------------------------------------------------------ printing


def _alerts(alerts: tuple[Alert, ...]) -> None:
    for alert in alerts:
        style = _SEVERITY_STYLE.get(alert.severity, "white")
        # an unverified alert already says so in its message ("[includes unverified knowledge]")
        console.print(
            f"[{style}]{alert.severity.upper():8}[/{style}] {alert.code}: {escape(alert.message)} "
            f"[dim]{escape('[' + ', '.join(alert.evidence) + ']')}[/dim]"
        )


def _print_advice(a: Advice) -> None:
    s = a.situation
    current = (
        f"{s.current_drug} {s.current_dose_mg:g} mg/day ({s.current_schedule})"
        if s.current_drug and s.current_dose_mg is not None
        else "none"
    )
    body = (
        f"line {s.line} - {s.kind.replace('_', ' ')} - {s.status_text}\n"
        f"genotype: {s.genotype}   current: {current}\n"
        f"last response: RECIST {s.last_response or '-'}, Choi {s.last_response_choi or '-'}"
        f"   pattern: {s.pattern or '-'}   prior drugs: {', '.join(sorted(s.exposed)) or '-'}"
    )
    console.print(Panel(escape(body), title=escape(f"{a.case_id} as of {a.as_of}"), expand=False))
    if a.alerts:
        _alerts(a.alerts)
    table = Table(title="Options", show_lines=True)
    for column in ("#", "action", "drug / dose", "strength", "rationale", "evidence"):
        table.add_column(column, overflow="fold")
    for o in a.options:
        dose = "" if o.dose_mg is None else f" {o.dose_mg:g} mg/day"
        sched = f" ({o.schedule})" if o.schedule else ""
        drug = (
            f"{o.drug}{' + ' + o.with_drug if o.with_drug else ''}{dose}{sched}" if o.drug else "-"
        )
        style = _STRENGTH_STYLE.get(o.strength, "white")
        rationale = escape(o.rationale)
        for caution in o.cautions:
            rationale += f"\n[yellow]! {escape(caution)}[/yellow]"
        if o.adjusted_dose_mg is not None:
            rationale += f"\n[yellow]label-adjusted dose: {o.adjusted_dose_mg:g} mg/day[/yellow]"
        unverified = set(o.unverified_evidence)
        ids = ", ".join(f"{i}*" if i in unverified else i for i in o.evidence)
        if not o.verified:
            ids += "\n[yellow](unverified)[/yellow]"
        table.add_row(
            str(o.rank), o.action, escape(drug), f"[{style}]{o.strength}[/{style}]", rationale, ids
        )
    if a.options:
        console.print(table)
    for note in a.notes:
        console.print(f"[dim]note:[/dim] {escape(note)}")
    for t in a.trials:
        if t.eligible is None:
            verdict = "[yellow]undecided[/yellow]"
        else:
            verdict = "[green]eligible[/green]" if t.eligible else "[red]not eligible[/red]"
        console.print(f"trial {t.trial_id}: {verdict}")
        for reason in t.unmet:
            console.print(f"   unmet: {reason}", markup=False)
        for reason in t.unknown:
            console.print(f"   unknown: {reason}", markup=False)
    console.print(f"[dim]* unverified source. knowledge {a.knowledge_version}[/dim]")


def _print_safety(r: SafetyReport) -> None:
    current = f"{r.current_drug} {r.current_dose_mg:g} mg/day" if r.current_drug else "none"
    title = escape(f"{r.case_id} as of {r.as_of}")
    console.print(Panel(f"current drug: {escape(current)}", title=title, expand=False))
    if r.alerts:
        _alerts(r.alerts)
    if r.labs:
        table = Table(title="Latest labs (CTCAE v5.0)")
        for column in ("test", "date", "value", "grade", "against"):
            table.add_column(column)
        for g in r.labs:
            limit = "" if g.limit is None else f" {g.limit:g}"
            against = f"{g.basis}{limit}" + (
                " (default limit)" if g.limit_source == "default" else ""
            )
            table.add_row(
                g.test, g.date.isoformat(), f"{g.value:g} {g.unit}", str(g.grade), against
            )
        console.print(table)
    for action in r.dose_actions:
        flag = "" if action.verified else " (unverified)"
        console.print(f"dose rule {action.rule}: {action.action}{flag}", markup=False)
    console.print(f"[dim]knowledge {r.knowledge_version}[/dim]")


def _print_entry(doc: dict[str, Any]) -> None:
    flag = " [yellow](unverified)[/yellow]" if doc["unverified"] else ""
    lines = [
        " ".join(str(doc["citation"]).split()),
        f"kind: {doc['kind']}   year: {doc['year']}   level: {doc.get('level', '-')}",
    ]
    if doc.get("setting"):
        lines.append(f"setting: {' '.join(str(doc['setting']).split())}")
    if doc.get("n"):
        lines.append(f"n: {doc['n']}")
    for arm in doc.get("arms", []):
        lines.append(f"arm: {arm}")
    for row in doc.get("results", []):
        extra = []
        if row.get("hr") is not None:
            extra.append(f"HR {row['hr']}")
        if row.get("ci"):
            extra.append(f"95% CI {row['ci'][0]}-{row['ci'][1]}")
        if row.get("p"):
            extra.append(f"p={row['p']}")
        mark = " (unverified)" if row.get("verified") is False else ""
        tail = f" [{', '.join(extra)}]" if extra else ""
        lines.append(f"- {row['endpoint']}: {row['value']}{tail}{mark}")
    if doc.get("url"):
        lines.append(str(doc["url"]))
    console.print(Panel(escape("\n".join(lines)), title=f"{escape(doc['id'])}{flag}", expand=False))
