"""Initial schema: cases, users, audit trail, trials, allocation list, dosing, crossover.

Revision ID: 0001
Revises:
Create Date: 2026-11-21

Besides the tables this creates the database-side guarantees:
- ``audit_log`` is append-only: UPDATE and DELETE (and TRUNCATE on PostgreSQL) raise;
- an allocation slot, once taken, never changes, and no slot or secret is ever deleted;
- every timestamp column holds UTC ISO-8601 text with microseconds and ``Z`` (CHECK).
Comparisons in the slot trigger are NULL-safe (``IS NOT`` on SQLite, ``IS DISTINCT FROM`` on
PostgreSQL): ``OLD.v <> NEW.v`` is NULL, never true, when either side is NULL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.String(27)
SQLITE_TS = (
    "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]"
    ".[0-9][0-9][0-9][0-9][0-9][0-9]Z"
)
PG_TS = r"^[0-9]{4}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}Z$"


def _utc(table: str, column: str) -> sa.CheckConstraint:
    """CHECK that ``column`` is NULL or a UTC ISO-8601 timestamp."""
    if op.get_bind().dialect.name == "postgresql":
        rule = f"{column} ~ '{PG_TS}'"
    else:
        rule = f"{column} GLOB '{SQLITE_TS}'"
    return sa.CheckConstraint(rule, name=f"ck_{table}_{column}_utc")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
        _utc("users", "created_at"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("document", DOCUMENT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("birth_date", sa.Date()),
        sa.Column("gene", sa.String(10), nullable=False),
        sa.Column("exon", sa.Integer()),
        sa.Column("variant", sa.String(80)),
        sa.Column("primary_site", sa.String(40)),
        sa.Column("current_line", sa.Integer(), nullable=False),
        sa.Column("current_drug", sa.String(60)),
        sa.Column("ecog", sa.Integer()),
        sa.Column("vital_status", sa.String(10)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        _utc("cases", "created_at"),
        _utc("cases", "updated_at"),
    )
    op.create_index("ix_cases_as_of", "cases", ["as_of"])
    op.create_index("ix_cases_sex", "cases", ["sex"])
    op.create_index("ix_cases_current_line", "cases", ["current_line"])
    op.create_index("ix_cases_current_drug", "cases", ["current_drug"])
    op.create_index("ix_cases_gene_exon", "cases", ["gene", "exon"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ts", TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity_type", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("old_value", DOCUMENT),
        sa.Column("new_value", DOCUMENT),
        sa.Column("reason", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        _utc("audit_log", "ts"),
    )
    op.create_index("ix_audit_log_ts", "audit_log", ["ts"])
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_type", "entity_id", "id"])

    op.create_table(
        "trials",
        sa.Column("id", sa.String(60), nullable=False),
        sa.Column("design_id", sa.String(60), nullable=False),
        sa.Column("design_version", sa.String(60), nullable=False),
        sa.Column("design_yaml", sa.Text(), nullable=False),
        sa.Column("design_sha256", sa.String(64), nullable=False),
        sa.Column("pseudonym_key", sa.String(64), nullable=False),
        sa.Column("list_hmac", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_trials"),
        _utc("trials", "created_at"),
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.String(80), nullable=False),
        sa.Column("trial_id", sa.String(60), nullable=False),
        sa.Column("case_id", sa.String(100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("enrolled_at", TS, nullable=False),
        sa.Column("enrolled_by", sa.String(100), nullable=False),
        sa.Column("stratum", sa.String(200)),
        sa.Column("randomised_on", sa.Date()),
        sa.Column("eligibility", DOCUMENT),
        sa.PrimaryKeyConstraint("id", name="pk_participants"),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], name="fk_participants_trial_id_trials"
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_participants_case_id_cases"),
        sa.UniqueConstraint("trial_id", "case_id", name="uq_participants_trial_id_case_id"),
        sa.UniqueConstraint("trial_id", "number", name="uq_participants_trial_id_number"),
        _utc("participants", "enrolled_at"),
    )
    op.create_table(
        "allocation_slots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trial_id", sa.String(60), nullable=False),
        sa.Column("stratum", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kit_code", sa.String(20), nullable=False),
        sa.Column("participant_id", sa.String(80)),
        sa.Column("allocated_at", TS),
        sa.Column("allocated_by", sa.String(100)),
        sa.PrimaryKeyConstraint("id", name="pk_allocation_slots"),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], name="fk_allocation_slots_trial_id_trials"
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name="fk_allocation_slots_participant_id_participants",
        ),
        sa.UniqueConstraint(
            "trial_id", "stratum", "seq", name="uq_allocation_slots_trial_id_stratum_seq"
        ),
        sa.UniqueConstraint("trial_id", "kit_code", name="uq_allocation_slots_trial_id_kit_code"),
        sa.UniqueConstraint("participant_id", name="uq_allocation_slots_participant_id"),
        _utc("allocation_slots", "allocated_at"),
    )
    op.create_table(
        "allocation_secrets",
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("arm", sa.String(80), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("block_size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("slot_id", name="pk_allocation_secrets"),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["allocation_slots.id"],
            name="fk_allocation_secrets_slot_id_allocation_slots",
        ),
    )
    op.create_table(
        "unblindings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("participant_id", sa.String(80), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_unblindings"),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name="fk_unblindings_participant_id_participants",
        ),
        _utc("unblindings", "at"),
    )
    op.create_table(
        "doses",
        sa.Column("participant_id", sa.String(80), nullable=False),
        sa.Column("first_dose_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("participant_id", name="pk_doses"),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name="fk_doses_participant_id_participants"
        ),
        _utc("doses", "recorded_at"),
    )
    op.create_table(
        "crossovers",
        sa.Column("participant_id", sa.String(80), nullable=False),
        sa.Column("progression_date", sa.Date(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("drug", sa.String(60), nullable=False),
        sa.Column("dose_mg", sa.Float(), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("participant_id", name="pk_crossovers"),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name="fk_crossovers_participant_id_participants",
        ),
        _utc("crossovers", "recorded_at"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_guards()
    else:
        _sqlite_guards()


_FROZEN_SLOT = (
    "OLD.participant_id IS NOT NULL"
    " OR NEW.trial_id {ne} OLD.trial_id"
    " OR NEW.stratum {ne} OLD.stratum"
    " OR NEW.seq {ne} OLD.seq"
    " OR NEW.kit_code {ne} OLD.kit_code"
)


def _sqlite_guards() -> None:
    for table in ("audit_log", "allocation_secrets"):
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    op.execute(
        "CREATE TRIGGER allocation_slots_frozen BEFORE UPDATE ON allocation_slots "
        f"WHEN {_FROZEN_SLOT.format(ne='IS NOT')} "
        "BEGIN SELECT RAISE(ABORT, 'an allocated slot cannot change'); END"
    )
    op.execute(
        "CREATE TRIGGER allocation_slots_no_delete BEFORE DELETE ON allocation_slots "
        "BEGIN SELECT RAISE(ABORT, 'allocation_slots is append-only'); END"
    )


def _postgresql_guards() -> None:
    op.execute(
        """
        CREATE FUNCTION gistpath_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
        END $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION gistpath_frozen_slot() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF {_FROZEN_SLOT.format(ne="IS DISTINCT FROM")} THEN
            RAISE EXCEPTION 'an allocated slot cannot change';
          END IF;
          RETURN NEW;
        END $$
        """
    )
    for table in ("audit_log", "allocation_secrets"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION gistpath_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION gistpath_append_only()"
        )
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER allocation_slots_frozen BEFORE UPDATE ON allocation_slots "
        "FOR EACH ROW EXECUTE FUNCTION gistpath_frozen_slot()"
    )
    op.execute(
        "CREATE TRIGGER allocation_slots_no_delete BEFORE DELETE ON allocation_slots "
        "FOR EACH ROW EXECUTE FUNCTION gistpath_append_only()"
    )
    op.execute(
        "CREATE TRIGGER allocation_slots_no_truncate BEFORE TRUNCATE ON allocation_slots "
        "FOR EACH STATEMENT EXECUTE FUNCTION gistpath_append_only()"
    )


def downgrade() -> None:
    # The audit trail is append-only by design; dropping it would destroy the record.
    raise RuntimeError(
        "the initial gistpath schema cannot be downgraded (it holds the audit trail)"
    )
