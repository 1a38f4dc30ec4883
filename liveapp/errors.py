"""The errors services raise for views, the CLI and jobs to catch: one module, at the
bottom (it imports nothing of liveapp), so any layer can import it. Each names what went
wrong in words the person can read; nothing was written when one is raised.

The domain's own errors (InvalidCriteria, InvalidEvent, BadAnswer, ...) stay in
liveapp.domain, which imports nothing outside itself; the CRM clients' CrmUnavailable stays
with their protocol in liveapp.integrations.crm_types.
"""

from __future__ import annotations


class ValidationFailed(Exception):
    """A change that cannot be saved; `errors` maps field name to message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ConversationRefused(Exception):
    """A claim or message that cannot happen; the message says why, for the person."""


class NotOffered(ConversationRefused):
    """A chat transfer answered by a rep it is not (or no longer) offered to."""


class BookingRefused(Exception):
    """Why a booking was not made: an HTTP status and a message naming the field."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class RateLimited(Exception):
    """Too many events from this IP or for this visitor in the current window."""


class NothingToErase(ValueError):
    """No visitor matches: nothing was written."""


class OfflineMessageRefused(Exception):
    """Why an offline message was not left: an HTTP status and a message naming the field."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
