"""Store commands: ``db init/check``, ``import``, ``export``, ``cases``, ``audit``, ``users``.

The store is ``$GISTPATH_DB`` (a file path or a ``postgresql://`` URL) or ``./gistpath.db``. Each
command acts as a named user (``--user`` or ``$GISTPATH_USER``) whose role must allow it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gistpath.case.load import LINES_SUFFIXES, iter_case_texts, parse_case
from gistpath.cli.app import JSON_OPTION, app, console, emit_json, err_console
from gistpath.errors import CaseError, InputError
from gistpath.store import audit
from gistpath.store.cases import (
    CaseFilter,
    delete_case,
    get_document,
    iter_documents,
    list_cases,
    save_case,
)
from gistpath.store.engine import Store, describe_url, open_store, sqlite_pragmas
from gistpath.store.integrity import check_integrity
from gistpath.store.migrate import current_revision
from gistpath.store.users import add_user, authorise, list_users, role_of
from gistpath.trial.blinding import ROLES, is_blinded

USER_OPTION = typer.Option(
    None,
    "--user",
    envvar="GISTPATH_USER",
    help="The user you act as (or set GISTPATH_USER).",
    show_default=False,
)

db_app = typer.Typer(help="Create, upgrade and check the store.", no_args_is_help=True)
cases_app = typer.Typer(help="Cases kept in the store.", no_args_is_help=True)
users_app = typer.Typer(help="Users of the store and their roles.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(cases_app, name="cases")
app.add_typer(users_app, name="users")


@contextmanager
def opened() -> Iterator[Store]:
    store = open_store()
    try:
        yield store
    finally:
        store.close()


# --- db ----------------------------------------------------------------------------------------


@db_app.command("init")
def db_init(
    admin: Annotated[
        str | None, typer.Option("--admin", help="Also create this first admin user.")
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create the store (or upgrade its schema) and report where it is."""
    with opened() as store:
        with store.read() as conn:
            revision = current_revision(conn)
        created = add_user(store, None, admin, "admin") if admin else None
        document: dict[str, Any] = {
            "database": describe_url(store.url),
            "dialect": store.dialect,
            "revision": revision,
        }
        if store.is_sqlite:
            document["pragmas"] = sqlite_pragmas(store)
        if admin:
            document["admin"] = {"name": admin, "outcome": created}
    if as_json:
        emit_json(document)
    else:
        console.print(f"store ready: {document['database']} (schema revision {revision})")
        if admin:
            console.print(f"admin user {admin}: {created}")


@db_app.command("check")
def db_check(user: str | None = USER_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Check that every data row matches its audit trail and the allocations are sound."""
    with opened() as store:
        _, role = authorise(store, user, "read_audit")
        # The list's HMAC needs the arms: only the unblinded statistician's check reads them.
        report = check_integrity(store, verify_list=not is_blinded(role))
    if as_json:
        emit_json(report.to_dict())
    else:
        counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
        console.print(f"{'OK' if report.ok else 'PROBLEMS'}: {counts}")
        for problem in report.problems:
            console.print(f"  - {problem}", markup=False)
    if not report.ok:
        raise typer.Exit(1)


# --- import / export ---------------------------------------------------------------------------


def _error_dict(error: CaseError) -> dict[str, Any]:
    return {
        "source": error.source,
        "case_id": error.case_id,
        "field": error.field,
        "message": error.message,
    }


@app.command("import")
def import_cases(
    cases: Annotated[
        list[Path],
        typer.Argument(help="Case files, folders of case files, or JSON-lines files."),
    ],
    user: str | None = USER_OPTION,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (recorded with every edit).")
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Store cases, each in its own transaction; bad cases are reported and skipped (exit 2).

    Re-importing a changed case is an audited edit (old and new document).
    """
    with opened() as store:
        actor, _ = authorise(store, user, "write_cases")
        texts = list(iter_case_texts(cases))  # a missing path fails here, before any write
        bad: list[CaseError] = []
        seen: dict[str, str] = {}
        outcomes = {"created": 0, "updated": 0, "unchanged": 0}
        progress = Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=as_json,
        )
        with progress:
            task = progress.add_task("import", total=len(texts))
            for item in texts:
                progress.advance(task)
                try:
                    case = parse_case(item.text, item.source)
                except CaseError as error:
                    bad.append(error)
                    continue
                if case.id in seen:  # as in validate: one run may not use a case id twice
                    message = f"the same id is already used by {seen[case.id]}"
                    bad.append(CaseError(case.id, "id", message, source=item.source))
                    continue
                seen[case.id] = item.source
                outcomes[save_case(store, case, actor, reason)] += 1
    if as_json:
        emit_json({**outcomes, "rejected": [_error_dict(e) for e in bad]})
    else:
        for problem in bad:
            err_console.print(f"rejected: {problem}", markup=False, soft_wrap=True)
        console.print(
            f"{outcomes['created']} created, {outcomes['updated']} updated, "
            f"{outcomes['unchanged']} unchanged, {len(bad)} rejected"
        )
    if bad:
        raise typer.Exit(2)


@app.command("export")
def export_cases(
    out: Annotated[
        Path | None, typer.Option("--out", help="JSON-lines file (default: stdout).")
    ] = None,
    user: str | None = USER_OPTION,
) -> None:
    """Write every stored case as JSON lines (one case per line, by id)."""
    with opened() as store:
        authorise(store, user, "read_cases")
        if out is not None and out.suffix not in LINES_SUFFIXES:
            raise InputError(f"--out: {out.name}: cases are exported as .jsonl")
        handle = out.open("w", encoding="utf-8") if out is not None else sys.stdout
        count = 0
        try:
            for document in iter_documents(store):
                handle.write(json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        finally:
            if out is not None:
                handle.close()
    if out is not None:
        err_console.print(f"{count} cases written to {out}")


# --- cases -------------------------------------------------------------------------------------


@cases_app.command("list")
def cases_list(
    gene: Annotated[str | None, typer.Option(help="KIT, PDGFRA, none or unknown.")] = None,
    exon: Annotated[int | None, typer.Option(help="Exon number.")] = None,
    sex: Annotated[str | None, typer.Option(help="female, male, other or unknown.")] = None,
    line: Annotated[int | None, typer.Option(help="Number of treatment lines so far.")] = None,
    drug: Annotated[str | None, typer.Option(help="Drug of the ongoing line.")] = None,
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List stored cases (indexed columns), optionally filtered."""
    with opened() as store:
        authorise(store, user, "read_cases")
        found = list_cases(store, CaseFilter(gene, exon, sex, line, drug))
    if as_json:
        emit_json({"cases": found})
        return
    table = Table(title=f"{len(found)} cases")
    columns = ("id", "as_of", "sex", "gene", "exon", "current_line", "current_drug", "ecog")
    for column in columns:
        table.add_column(column)
    for row in found:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    console.print(table)


@cases_app.command("show")
def cases_show(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Rebuild the case as it was at this UTC time (audit)."),
    ] = None,
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one stored case (now, or as stored at a past time)."""
    with opened() as store:
        authorise(store, user, "read_cases")
        if as_of is None:
            document = get_document(store, case_id)
        else:
            when = audit.parse_as_of(as_of)
            with store.read() as conn:
                document = audit.state_at(conn, "case", case_id, when)
            if document is None:
                raise InputError(f"case {case_id!r}: did not exist at {when}")
    if as_json:
        emit_json(document)
    else:
        console.print_json(json.dumps(document))


@cases_app.command("delete")
def cases_delete(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required, audited).")],
    user: str | None = USER_OPTION,
) -> None:
    """Delete a case (audited with its last content); refused for trial participants."""
    with opened() as store:
        actor, _ = authorise(store, user, "write_cases")
        delete_case(store, case_id, actor, reason)
    console.print(f"case {case_id} deleted")


# --- audit -------------------------------------------------------------------------------------


def _parse_entity(value: str | None) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    kind, _, ident = value.partition(":")
    if not kind:
        raise InputError(f"--entity: {value!r}: give TYPE or TYPE:ID (e.g. case:demo-017)")
    return kind, ident or None


@app.command("audit")
def audit_command(
    entity: Annotated[
        str | None,
        typer.Option("--entity", help="TYPE or TYPE:ID (case, user, trial, participant, ...)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="A UTC time (2026-05-01T12:00:00Z; a date means its end). With --entity "
            "TYPE:ID, rebuild that record's state then; otherwise list rows up to then.",
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N rows.")] = None,
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the audit trail, or rebuild a record's state at a past time by replaying it."""
    kind, ident = _parse_entity(entity)
    when = audit.parse_as_of(as_of) if as_of is not None else None
    with opened() as store:
        _, role = authorise(store, user, "read_audit")
        blinded = is_blinded(role)
        with store.read() as conn:
            if kind is not None and ident is not None and when is not None:
                state = audit.state_at(conn, kind, ident, when)
                document: dict[str, Any] = {
                    "entity_type": kind,
                    "entity_id": ident,
                    "as_of": when,
                    "exists": state is not None,
                    "state": audit.redact(state) if blinded else state,
                }
                found = None
            else:
                found = [
                    r.to_dict(blinded=blinded)
                    for r in audit.rows(
                        conn, entity_type=kind, entity_id=ident, until=when, limit=limit
                    )
                ]
                document = {"rows": found}
    if as_json:
        emit_json(document)
    elif found is None:
        console.print(f"{kind}:{ident} at {when}: {'exists' if document['exists'] else 'absent'}")
        console.print_json(json.dumps(document["state"]))
    else:
        table = Table(title=f"audit trail ({len(found)} rows)")
        for column in ("ts", "actor", "action", "entity", "reason"):
            table.add_column(column, overflow="fold")
        for row in found:
            table.add_row(
                row["ts"],
                row["actor"],
                row["action"],
                f"{row['entity_type']}:{row['entity_id']}",
                row["reason"] or "",
            )
        console.print(table)


# --- users -------------------------------------------------------------------------------------


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The new user's name.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a user (or change a role). The first user must be an admin; then admins only."""
    with opened() as store:
        outcome = add_user(store, user, name, role)
    if as_json:
        emit_json({"name": name, "role": role, "outcome": outcome})
    else:
        console.print(f"user {name} ({role}): {outcome}")


@users_app.command("list")
def users_list(user: str | None = USER_OPTION, as_json: bool = JSON_OPTION) -> None:
    """List users and roles."""
    with opened() as store:
        role_of(store, user)  # any user of the store may see who else is
        found = list_users(store)
    if as_json:
        emit_json({"users": found})
        return
    table = Table(title="users")
    for column in ("name", "role", "created_at", "created_by"):
        table.add_column(column)
    for row in found:
        table.add_row(row["name"], row["role"], row["created_at"], row["created_by"])
    console.print(table)
