"""Idempotency-Key for POSTs that create a case or move money.

The key is claimed by inserting a row in the same transaction as the
effect. A retry after commit finds the row and gets the stored answer; a
concurrent duplicate blocks on the unique index until the first commits
(PostgreSQL) or on the database write lock (SQLite), then replays. A
failure rolls back the claim with the effect, so the caller may try again.

Records are kept IDEMPOTENCY_RETENTION_HOURS (at least 24) and then purged
daily by `purge_idempotency_records`.
"""

import hashlib
import json
import logging
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from parkportal.core import clock
from parkportal.core.errors import Conflict
from parkportal.core.models import IdempotencyRecord

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
HEADER_DESCRIPTION = (
    "Repeat a POST safely: a retry with the same key and body gets the first "
    "answer; the same key with another body is refused."
)


def _file_digest(uploaded) -> str:
    digest = hashlib.sha256(uploaded.name.encode())
    for chunk in uploaded.chunks():
        digest.update(chunk)
    # The view reads the file after us.
    uploaded.seek(0)
    return digest.hexdigest()


def _canonical(data) -> str:
    """The request's content, independent of how it was encoded: a retry
    sends the same fields and files, but a client may order JSON keys
    differently or pick another multipart boundary."""
    if hasattr(data, "lists"):
        data = {
            key: [_file_digest(v) if hasattr(v, "chunks") else v for v in values]
            for key, values in data.lists()
        }
    return json.dumps(data, sort_keys=True, default=str)


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    digest.update(_canonical(request.data).encode())
    return digest.hexdigest()


def idempotency_purge(*, older_than: timedelta) -> int:
    cutoff = clock.now() - older_than
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        logger.info("purged %s idempotency records before %s", deleted, cutoff)
    return deleted


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

    # Read by the schema generator, which documents the header.
    wrapper.honours_idempotency_key = True
    return wrapper
