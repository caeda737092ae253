"""The database schema (SQLAlchemy Core). Migrations in ``migrations/versions`` create it.

Cases are validated JSON documents with indexed columns for querying. Every change writes one
row to ``audit_log`` in the same transaction; database triggers (created by the migration) make
``audit_log`` append-only and freeze an allocation slot once it is taken. The allocation list is
split in two: ``allocation_slots`` (kit code, who took it, when) is what blinded code paths read;
``allocation_secrets`` (arm, block) is read only for the unblinded statistician and for one
participant's emergency unblinding. Timestamps are UTC ISO-8601 text
(``2026-05-01T12:00:00.000000Z``), identical on both backends and checked by the database.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql

#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
Document = JSON().with_variant(postgresql.JSONB(), "postgresql")
#: UTC ISO-8601 timestamps with microseconds: ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (27 characters).
Timestamp = String(27)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("role", String(40), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("created_by", String(100), nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("document", Document, nullable=False),
    Column("version", Integer, nullable=False),
    Column("as_of", Date, nullable=False, index=True),
    Column("sex", String(10), nullable=False, index=True),
    Column("birth_date", Date),
    Column("gene", String(10), nullable=False),
    Column("exon", Integer),
    Column("variant", String(80)),
    Column("primary_site", String(40)),
    Column("current_line", Integer, nullable=False, index=True),
    Column("current_drug", String(60), index=True),
    Column("ecog", Integer),
    Column("vital_status", String(10)),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_cases_gene_exon", "gene", "exon"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Timestamp, nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("entity_type", String(40), nullable=False),
    Column("entity_id", String(200), nullable=False),
    Column("old_value", Document),
    Column("new_value", Document),
    Column("reason", Text),
    Index("ix_audit_log_entity", "entity_type", "entity_id", "id"),
)

trials = Table(
    "trials",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("design_id", String(60), nullable=False),
    Column("design_version", String(60), nullable=False),
    Column("design_yaml", Text, nullable=False),
    Column("design_sha256", String(64), nullable=False),
    Column("pseudonym_key", String(64), nullable=False),
    Column("list_hmac", String(64), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("created_by", String(100), nullable=False),
)

participants = Table(
    "participants",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("trial_id", String(60), ForeignKey("trials.id"), nullable=False),
    Column("case_id", String(100), ForeignKey("cases.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("enrolled_at", Timestamp, nullable=False),
    Column("enrolled_by", String(100), nullable=False),
    Column("stratum", String(200)),
    Column("randomised_on", Date),
    Column("eligibility", Document),
    UniqueConstraint("trial_id", "case_id"),
    UniqueConstraint("trial_id", "number"),
)

allocation_slots = Table(
    "allocation_slots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("trial_id", String(60), ForeignKey("trials.id"), nullable=False),
    Column("stratum", String(200), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kit_code", String(20), nullable=False),
    Column("participant_id", String(80), ForeignKey("participants.id")),
    Column("allocated_at", Timestamp),
    Column("allocated_by", String(100)),
    UniqueConstraint("trial_id", "stratum", "seq"),
    UniqueConstraint("trial_id", "kit_code"),
    # A participant can hold one slot only: a second allocation is impossible in the database.
    UniqueConstraint("participant_id"),
)

allocation_secrets = Table(
    "allocation_secrets",
    metadata,
    Column("slot_id", Integer, ForeignKey("allocation_slots.id"), primary_key=True),
    Column("arm", String(80), nullable=False),
    Column("block", Integer, nullable=False),
    Column("block_size", Integer, nullable=False),
)

unblindings = Table(
    "unblindings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("participant_id", String(80), ForeignKey("participants.id"), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", Timestamp, nullable=False),
)

doses = Table(
    "doses",
    metadata,
    Column("participant_id", String(80), ForeignKey("participants.id"), primary_key=True),
    Column("first_dose_date", Date, nullable=False),
    Column("recorded_at", Timestamp, nullable=False),
    Column("recorded_by", String(100), nullable=False),
)

crossovers = Table(
    "crossovers",
    metadata,
    Column("participant_id", String(80), ForeignKey("participants.id"), primary_key=True),
    Column("progression_date", Date, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("drug", String(60), nullable=False),
    Column("dose_mg", Float, nullable=False),
    Column("recorded_at", Timestamp, nullable=False),
    Column("recorded_by", String(100), nullable=False),
)

#: Every table with a UTC timestamp column, and the column (checked by the database).
TIMESTAMP_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("created_at",),
    "cases": ("created_at", "updated_at"),
    "audit_log": ("ts",),
    "trials": ("created_at",),
    "participants": ("enrolled_at",),
    "allocation_slots": ("allocated_at",),
    "unblindings": ("at",),
    "doses": ("recorded_at",),
    "crossovers": ("recorded_at",),
}
