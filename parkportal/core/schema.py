"""OpenAPI description of the error body every endpoint may answer with."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from parkportal.core import idempotency


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable machine-readable code.")
    message = serializers.CharField(help_text="A sentence in the caller's language.")
    details = serializers.DictField(
        required=False, help_text="Per-field problems or extra facts, when any."
    )


# Which errors an operation can answer, by HTTP method. 401 and 403 come
# from authentication and role checks, 404 from object scoping, 409 from the
# state machine and Idempotency-Key conflicts.
_READ_ERRORS = ("400", "401", "403", "404")
_WRITE_ERRORS = ("400", "401", "403", "404", "409")


class ErrorAwareSchema(AutoSchema):
    """Adds the shared error body to every operation's responses, and the
    Idempotency-Key header to every operation that honours it."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        handler = getattr(self.view, getattr(self.view, "action", None) or "", None)
        handler = handler or getattr(self.view, self.method.lower(), None)
        if getattr(handler, "honours_idempotency_key", False):
            parameters = [
                *parameters,
                OpenApiParameter(
                    idempotency.HEADER,
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description=idempotency.HEADER_DESCRIPTION,
                ),
            ]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = _READ_ERRORS if self.method == "GET" else _WRITE_ERRORS
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        return responses
