"""Errors of the trial module: refusals a user can cause (exit status 2)."""

from __future__ import annotations

from gistpath.errors import InputError


class TrialRefused(InputError):
    """A request the trial rules refuse: not eligible, already randomised, list exhausted..."""


class PermissionDenied(InputError):
    """The acting user's role does not hold the permission the request needs."""
