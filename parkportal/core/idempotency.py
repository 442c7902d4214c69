"""Idempotency-Key for POSTs that create a case or move money.

The key is claimed by inserting a row in the same transaction as the
effect. A retry after commit finds the row and gets the stored answer; a
concurrent duplicate blocks on the unique index until the first commits
(PostgreSQL) or on the database write lock (SQLite), then replays. A
failure rolls back the claim with the effect, so the caller may try again.
"""

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from parkportal.core.errors import Conflict
from parkportal.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used with a different request."),
            code="idempotency_key_reused",
        )
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view_method):
    """Decorate a DRF view method so that it honours Idempotency-Key."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 255:
            raise Conflict(
                _("The Idempotency-Key is too long."), code="idempotency_key_invalid"
            )
        fingerprint = _fingerprint(request)

        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=request.user, key=key, fingerprint=fingerprint
                    )
            except IntegrityError:
                existing = IdempotencyRecord.objects.get(user=request.user, key=key)
                return _replay(existing, fingerprint)

            response = view_method(self, request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
                return response
            record.response_status = response.status_code
            record.response_body = json.loads(json.dumps(response.data, default=str))
            record.save(update_fields=["response_status", "response_body"])
        return response

    return wrapper
