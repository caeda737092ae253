"""Alembic environment for the gistpath store.

gistpath runs migrations itself (:func:`gistpath.store.migrate.ensure_schema`) and passes an open
connection in ``config.attributes["connection"]``, inside a transaction it holds a lock on. The
``alembic`` command line also works: it connects to ``sqlalchemy.url`` or ``$GISTPATH_DB``.
"""

from __future__ import annotations

from alembic import context

from gistpath.store.schema import metadata

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # the alembic command line
    from gistpath.store.engine import Store, database_url

    store = Store(database_url(config.get_main_option("sqlalchemy.url") or None))
    with store.write() as conn:
        _run(conn)
    store.close()
