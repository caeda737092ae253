"""Persistence: SQLite (default) and PostgreSQL, audit trail, trial services."""
