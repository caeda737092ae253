"""The one error hierarchy of gistpath.

Every error a user can cause is a :class:`GistpathError`; the CLI prints its message on one
line and exits with :attr:`GistpathError.exit_code` (2 for bad input, 1 otherwise).
"""

from __future__ import annotations


class GistpathError(Exception):
    """Base class: an error gistpath reports to the user without a traceback."""

    exit_code = 1


class InputError(GistpathError):
    """Bad input from the user (a file, an option, a table): exit status 2."""

    exit_code = 2


class CaseError(InputError):
    """A case that breaks the case contract; names the case id, the field path and the source."""

    def __init__(
        self,
        case_id: str | None,
        field: str,
        message: str,
        *,
        source: str | None = None,
        more: int = 0,
    ) -> None:
        self.case_id = case_id
        self.field = field
        self.message = message
        self.source = source
        self.more = more
        super().__init__(self.render())

    def render(self) -> str:
        where = f"{self.source}: " if self.source else ""
        who = f"case {self.case_id!r}" if self.case_id else "case without an id"
        tail = (
            f" (and {self.more} more problem{'s' if self.more != 1 else ''})" if self.more else ""
        )
        return f"{where}{who}: {self.field}: {self.message}{tail}"


class KnowledgeError(GistpathError):
    """The packaged knowledge base is inconsistent (a missing source id, a bad threshold)."""
