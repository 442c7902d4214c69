"""Documents attached to a case: checked by content, stored by a name of
our own, announced for screening."""

import hashlib

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.roles import Role, has_role, is_staff_member
from parkportal.core.errors import InvalidInput, NotAllowed
from refunds.models import Document, DocumentKind, State, TimelineEntry
from refunds.models.case import FINAL_STATES
from refunds.services.audit import audit_record
from refunds.services.lifecycle import lock_refund
from refunds.signals import refund_changed

# What a file must start with to be taken for what it says it is. The
# uploader's name and declared type are never trusted.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
ENTERPRISE_UPLOAD_STATES = frozenset({State.DRAFT, State.INFO_REQUESTED})


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _may_upload(refund, user) -> bool:
    if has_role(user, Role.ENTERPRISE):
        return (
            user.enterprise_id == refund.enterprise_id
            and refund.state in ENTERPRISE_UPLOAD_STATES
        )
    return (
        has_role(user, Role.OPS_SPECIALIST, Role.OPS_MANAGER)
        and refund.state not in FINAL_STATES
    )


def _clean_name(name: str) -> str:
    # Keep only the last path component and drop control characters; the
    # name is shown to people, never used to store the file.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(char for char in base if char.isprintable()).strip()
    return cleaned[:200] or "document"


def document_upload(*, refund_id: int, actor, kind: str, uploaded_file) -> Document:
    if kind not in DocumentKind.values:
        raise InvalidInput(_("Unknown document kind."), code="invalid_kind")
    if uploaded_file.size > settings.DOCUMENT_MAX_BYTES:
        raise InvalidInput(
            _("The file is larger than %(limit)s MB.")
            % {"limit": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)},
            code="file_too_large",
        )
    uploaded_file.seek(0)
    content_type = sniff_content_type(uploaded_file.read(16))
    if content_type is None:
        raise InvalidInput(
            _("Only PDF, PNG and JPEG files are accepted."), code="file_type_refused"
        )
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)

    stored_name = None
    try:
        with transaction.atomic():
            refund = lock_refund(refund_id)
            if not _may_upload(refund, actor):
                raise NotAllowed(_("You may not add documents to this case now."))
            document = Document(
                refund=refund,
                kind=kind,
                original_name=_clean_name(uploaded_file.name or ""),
                content_type=content_type,
                size=uploaded_file.size,
                sha256=digest.hexdigest(),
                uploaded_by=actor,
            )
            document.file.save("upload", uploaded_file, save=False)
            stored_name = document.file.name
            document.save()
            _record_upload(refund, document, actor)
    except Exception:
        # A rolled-back upload must not leave an orphan file behind.
        if stored_name:
            default_storage.delete(stored_name)
        raise
    return document


def _record_upload(refund, document: Document, actor) -> None:
    audit_record(
        actor=actor,
        action="document.upload",
        obj=document,
        refund=refund,
        after={
            "kind": document.kind,
            "name": document.original_name,
            "sha256": document.sha256,
        },
    )
    TimelineEntry.objects.create(
        refund=refund,
        kind="document_added",
        actor=actor,
        params={"name": document.original_name, "document_kind": document.kind},
    )
    if refund.state != State.DRAFT:
        refund_changed.send(
            sender=type(refund), refund=refund, actor=actor, change="document"
        )


def document_readable_by(document: Document, user) -> bool:
    if has_role(user, Role.ENTERPRISE):
        return user.enterprise_id == document.refund.enterprise_id
    return is_staff_member(user)
