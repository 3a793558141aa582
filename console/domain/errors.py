"""Typed errors of the domain, each with a stable code and a message for people.

The CLI maps them to exit codes (``ValidationError``/``NotFoundError`` -> 2, the rest -> 3)
and the console shows ``message`` as it is, so messages are written for an operator, in Chinese
first with the English gloss after a slash where it helps.
"""

from __future__ import annotations


class CityDeskError(Exception):
    """Base class of every error CityDesk raises on purpose.

    Parameters
    ----------
    message : str
        A sentence an operator can act on.
    """

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(CityDeskError):
    """Input that can never be accepted as given (bad field, unknown code, out of range)."""

    code = "invalid"


class NotFoundError(ValidationError):
    """A case, unit, category, grid or user that does not exist."""

    code = "not_found"


class IllegalTransitionError(CityDeskError):
    """The command is not allowed in the case's current state."""

    code = "illegal_transition"


class PermissionDeniedError(CityDeskError):
    """The acting role may not run this command (or not on this case)."""

    code = "permission_denied"


class AuthenticationError(CityDeskError):
    """A sign-in was refused: wrong password, unknown or disabled user, or a lockout."""

    code = "authentication"


class ConflictError(CityDeskError):
    """The case changed since the actor read it (optimistic lock lost)."""

    code = "conflict"


class CalendarRangeError(ValidationError):
    """An instant outside the years the work calendar can count."""

    code = "calendar_range"
