"""Attacks through document uploads: files that lie about what they are,
files too large, names that try to leave the storage folder or break a
header. Each is refused, or kept as harmless text and served only as an
attachment the browser may not sniff."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from parkportal.core.errors import InvalidInput
from refunds.models import Document
from refunds.services.documents import document_upload
from tests.factories import PDF_BYTES

HTML_WITH_SCRIPT = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script>"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(1)</script></svg>"
)
WINDOWS_EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _zip_bomb() -> bytes:
    """Ten megabytes of zeros in a few kilobytes of zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\x00" * (10 * 1024 * 1024))
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _documents_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "documents"


@pytest.fixture
def draft(cases):
    return cases.draft()


def _upload(draft, alice, name, content, content_type="application/pdf"):
    return document_upload(
        refund_id=draft.pk,
        actor=alice,
        kind="other",
        uploaded_file=SimpleUploadedFile(name, content, content_type=content_type),
    )


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _api_upload(draft, alice, name, content, content_type="application/pdf"):
    return _api(alice).post(
        f"/api/v1/refunds/{draft.pk}/documents/",
        {
            "kind": "other",
            "file": SimpleUploadedFile(name, content, content_type=content_type),
        },
        format="multipart",
    )


@pytest.mark.parametrize(
    "content",
    [HTML_WITH_SCRIPT, SVG_WITH_SCRIPT, WINDOWS_EXECUTABLE, b"", b" %PDF-1.4\n"],
    ids=["html", "svg", "exe", "empty", "pdf-after-a-space"],
)
def test_a_file_that_only_claims_to_be_a_pdf_is_refused(draft, alice, content):
    count = Document.objects.count()

    with pytest.raises(InvalidInput) as refused:
        _upload(draft, alice, "statement.pdf", content)

    assert refused.value.code == "file_type_refused"
    assert Document.objects.count() == count


def test_a_zip_bomb_renamed_pdf_is_refused_without_being_opened(draft, alice):
    bomb = _zip_bomb()
    assert len(bomb) < 100 * 1024

    with pytest.raises(InvalidInput) as refused:
        _upload(draft, alice, "invoice.pdf", bomb)

    assert refused.value.code == "file_type_refused"


def test_a_file_over_the_limit_is_refused_before_anything_is_stored(
    draft, alice, settings
):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    stored_before = set(Path(settings.MEDIA_ROOT).rglob("*"))

    with pytest.raises(InvalidInput) as refused:
        _upload(draft, alice, "big.pdf", PDF_BYTES + b"\x00" * (1024 * 1024))

    assert refused.value.code == "file_too_large"
    assert set(Path(settings.MEDIA_ROOT).rglob("*")) == stored_before


def test_the_declared_content_type_is_ignored_and_the_sniffed_one_kept(draft, alice):
    document = _upload(draft, alice, "photo.html", PNG_BYTES, content_type="text/html")

    assert document.content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        ("/etc/passwd.pdf", "passwd.pdf"),
        ("evil\x00.pdf", "evil.pdf"),
        ("line\r\nSet-Cookie: a=b.pdf", "lineSet-Cookie: a=b.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("\x01\x7f\u200b", "document"),
    ],
)
def test_a_path_in_the_name_never_reaches_the_storage(
    draft, alice, settings, name, shown
):
    document = _upload(draft, alice, name, PDF_BYTES)

    assert document.original_name == shown
    stored = Path(settings.MEDIA_ROOT, document.file.name).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert document.file.name.startswith(f"refunds/{draft.pk}/")
    assert "." not in Path(document.file.name).name


def test_a_very_long_name_is_cut_to_what_the_column_holds(draft, alice):
    document = _upload(draft, alice, "a" * 5000 + ".pdf", PDF_BYTES)

    assert len(document.original_name) == 200
    assert len(document.file.name) <= 200


@pytest.mark.parametrize(
    "content",
    [HTML_WITH_SCRIPT, SVG_WITH_SCRIPT, _zip_bomb()],
    ids=["html", "svg", "zip"],
)
def test_the_api_refuses_a_disguised_file_with_the_error_code(draft, alice, content):
    response = _api_upload(draft, alice, "statement.pdf", content)

    assert response.status_code == 400
    assert response.json()["code"] == "file_type_refused"


def test_the_api_refuses_an_oversize_file(draft, alice, settings):
    settings.DOCUMENT_MAX_BYTES = 64 * 1024

    response = _api_upload(draft, alice, "big.pdf", PDF_BYTES + b"\x00" * 65536)

    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large"


def test_the_api_keeps_only_the_last_component_of_a_path_name(draft, alice):
    response = _api_upload(draft, alice, "../../etc/passwd.pdf", PDF_BYTES)

    assert response.status_code == 201
    document = Document.objects.get(pk=response.json()["id"])
    assert document.original_name == "passwd.pdf"
    assert ".." not in document.file.name


def _assert_served_as_attachment(response, content_type):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "\r" not in response["Content-Disposition"]
    assert "\n" not in response["Content-Disposition"]


def test_a_pdf_with_html_inside_is_downloaded_from_the_api_as_an_attachment(
    draft, alice
):
    # A polyglot passes the signature check; what keeps it harmless is that
    # the browser is told to save it, as a PDF, and not to guess.
    document = _upload(draft, alice, 'page".html', b"%PDF-1.4\n" + HTML_WITH_SCRIPT)

    response = _api(alice).get(
        f"/api/v1/refunds/{draft.pk}/documents/{document.pk}/download/"
    )

    _assert_served_as_attachment(response, "application/pdf")


def test_a_document_is_downloaded_from_the_case_page_as_an_attachment(
    draft, alice, client
):
    document = _upload(draft, alice, "line\r\nX-Injected: 1.png", PNG_BYTES)
    client.force_login(alice)

    response = client.get(
        reverse("refunds:download", kwargs={"pk": draft.pk, "document_pk": document.pk})
    )

    _assert_served_as_attachment(response, "image/png")
    assert "X-Injected" not in response.headers


def test_the_upload_page_refuses_a_disguised_file_and_stores_nothing(
    draft, alice, client
):
    client.force_login(alice)
    count = Document.objects.count()

    response = client.post(
        reverse("refunds:upload", kwargs={"pk": draft.pk}),
        {
            "kind": "other",
            "file": SimpleUploadedFile("x.pdf", SVG_WITH_SCRIPT, "application/pdf"),
        },
    )

    assert response.status_code in (200, 302)
    assert Document.objects.count() == count
