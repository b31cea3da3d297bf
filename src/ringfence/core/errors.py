"""One error tree for the whole product.

Every error carries a machine-readable ``code``; the web layer maps the class to an HTTP
status and the CLI maps any of them to exit code 2 with one line (``DatabaseMissing``: 3, as
every failure of the database). Errors that concern
several fields (a rejected import) carry a list of :class:`ErrorDetail`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    code: str
    msg: str
    loc: tuple[str | int, ...] = ()

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.loc)
        return f"{where}: {self.msg} [{self.code}]" if where else f"{self.msg} [{self.code}]"


@dataclass
class RingfenceError(Exception):
    """Root of every error ringfence raises on purpose."""

    msg: str
    code: str = "error"
    loc: tuple[str | int, ...] = ()
    details: list[ErrorDetail] = field(default_factory=list)
    status_code = 400

    def __post_init__(self) -> None:
        super().__init__(self.msg)
        if not self.details:
            self.details = [ErrorDetail(self.code, self.msg, self.loc)]

    def __str__(self) -> str:
        if len(self.details) == 1:
            return str(self.details[0])
        shown = "; ".join(str(d) for d in self.details[:5])
        more = f" (+{len(self.details) - 5} more)" if len(self.details) > 5 else ""
        return f"{self.msg}: {shown}{more}"


class InvalidInput(RingfenceError):
    """The request, file or argument is malformed or refers to something that cannot be."""

    status_code = 422


class NotFound(RingfenceError):
    status_code = 404


class Conflict(RingfenceError):
    status_code = 409


class Unauthenticated(RingfenceError):
    status_code = 401


class Forbidden(RingfenceError):
    status_code = 403


class PayloadTooLarge(RingfenceError):
    """The request body is larger than its route accepts (docs/api.md, "Limits")."""

    status_code = 413


class RateLimited(RingfenceError):
    """Too many requests from one client; ``retry_after`` seconds until the next is let in."""

    status_code = 429
    retry_after: int = 1


class ConfigurationError(RingfenceError):
    """Settings that must not be used (the default secret in production...)."""

    status_code = 500


class DatabaseMissing(RingfenceError):
    """The configured database does not exist (a SQLite file that is not there): a database
    failure, like a PostgreSQL database that does not exist (CLI exit code 3)."""

    status_code = 503
