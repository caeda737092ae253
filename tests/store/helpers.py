"""Names and small helpers shared by the store tests (import as ``store.helpers``)."""

from __future__ import annotations

#: The users every trial test has, one per role.
ADMIN, INVESTIGATOR, PHARMACIST, STATISTICIAN = "ada", "ivy", "phil", "sam"
