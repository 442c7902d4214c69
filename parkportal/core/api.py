"""API plumbing shared by every app: the error format."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from parkportal.core.db import is_retryable_conflict
from parkportal.core.errors import DomainError

logger = logging.getLogger(__name__)

_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.Throttled: "throttled",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "invalid",
}


def error_body(code: str, message, details=None) -> dict:
    body = {"code": code, "message": str(message)}
    if details:
        body["details"] = details
    return body


def exception_handler(exc, context):
    """Answer every error as {"code", "message", "details"?} in the
    caller's language."""
    if isinstance(exc, DomainError):
        return Response(
            error_body(exc.code, exc.message, exc.details), status=exc.status
        )
    if isinstance(exc, DjangoValidationError):
        details = (
            exc.message_dict
            if hasattr(exc, "error_dict")
            else {"non_field_errors": exc.messages}
        )
        return Response(
            error_body("invalid", _("The request is not valid."), details),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, OperationalError) and is_retryable_conflict(exc):
        return _conflict_retry(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail
        if isinstance(details, list):
            # The schema promises an object; a bare list of problems is about
            # the request as a whole.
            details = {"non_field_errors": details}
        response.data = error_body(code, _("The request is not valid."), details)
    else:
        response.data = error_body(code, getattr(exc, "detail", exc))
    return response


def _conflict_retry(exc: OperationalError) -> Response:
    # A serialization failure or deadlock that outlived retry_on_conflict:
    # the request changed nothing and may simply be sent again.
    logger.warning("transaction conflict reached the API: %s", exc.__cause__.pgcode)
    set_rollback()
    response = Response(
        error_body(
            "conflict_retry",
            _("The system was busy with the same records; please try again."),
        ),
        status=status.HTTP_409_CONFLICT,
    )
    response["Retry-After"] = "1"
    return response
