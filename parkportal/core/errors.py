"""Errors a service raises when a person asks for something it refuses.

Each carries a stable machine code and a translated message; the API turns
them into JSON, the HTML views into a message on the page.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, code: str | None = None, details=None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    code = "invalid"
    status = 400


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("You are not allowed to do this.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _(
        "Someone else changed this at the same time; reload and try again."
    )
