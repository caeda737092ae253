"""Users and their roles. The CLI acts as a named user (``--user`` or ``GISTPATH_USER``).

The first user of a store must be an admin and may be added without an acting user
(bootstrap); after that only an admin adds users or changes a role. Both are audited.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from sqlalchemy import func, insert, select, update

from gistpath.errors import InputError
from gistpath.store import audit
from gistpath.store.engine import Store
from gistpath.store.schema import users
from gistpath.trial.blinding import ROLES, Permission, require

_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")
BOOTSTRAP = "bootstrap"


def role_of(store: Store, name: str | None) -> str:
    """The role of the acting user; a clear error if there is none or it is unknown."""
    if not name:
        raise InputError(
            "--user: name the acting user with --user NAME or GISTPATH_USER "
            "(add one with: gistpath users add NAME --role admin)"
        )
    with store.read() as conn:
        role = conn.execute(select(users.c.role).where(users.c.name == name)).scalar()
    if role is None:
        raise InputError(f"--user: {name!r} is not a user of this store (see gistpath users list)")
    return str(role)


def authorise(store: Store, user: str | None, permission: Permission) -> tuple[str, str]:
    """The acting user and role, once the role is known to hold ``permission``."""
    role = role_of(store, user)
    assert user is not None  # role_of refused a missing user
    require(user, role, permission)
    return user, role


def add_user(
    store: Store, actor: str | None, name: str, role: str
) -> Literal["created", "updated", "unchanged"]:
    """Add ``name`` with ``role`` (or change its role), audited."""
    if not _NAME.match(name):
        raise InputError(f"NAME: {name!r} is not a user name (letters, digits, _ . @ -)")
    if role not in ROLES:
        raise InputError(f"--role: {role!r} is not a role ({', '.join(ROLES)})")
    with store.write() as conn:
        existing = conn.execute(select(func.count()).select_from(users)).scalar_one()
        if existing == 0:
            if role != "admin":
                raise InputError("--role: the first user of a store must be an admin")
            acting = actor or BOOTSTRAP
        else:
            if not actor:
                raise InputError("--user: adding a user needs an acting admin (--user NAME)")
            acting_role = conn.execute(select(users.c.role).where(users.c.name == actor)).scalar()
            if acting_role is None:
                raise InputError(f"--user: {actor!r} is not a user of this store")
            require(actor, acting_role, "manage_users")
            acting = actor
        row = conn.execute(
            select(users.c.role).where(users.c.name == name).with_for_update()
        ).first()
        now = audit.utc_now()
        if row is None:
            conn.execute(
                insert(users).values(name=name, role=role, created_at=now, created_by=acting)
            )
            audit.record(
                conn,
                actor=acting,
                action="create",
                entity_type="user",
                entity_id=name,
                old=None,
                new={"name": name, "role": role},
                ts=now,
            )
            return "created"
        if row.role == role:
            return "unchanged"
        conn.execute(update(users).where(users.c.name == name).values(role=role))
        audit.record(
            conn,
            actor=acting,
            action="edit",
            entity_type="user",
            entity_id=name,
            old={"name": name, "role": row.role},
            new={"name": name, "role": role},
            ts=now,
        )
        return "updated"


def list_users(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        found = conn.execute(select(users).order_by(users.c.name)).all()
    return [dict(row._mapping) for row in found]
