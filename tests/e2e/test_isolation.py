"""An enterprise cannot reach another enterprise's case by typing its
address."""

import pytest

from tests.e2e.demo import PASSWORD, build_demo

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def test_another_enterprise_gets_not_found_for_case_and_document(visitors):
    demo = build_demo()
    refund = demo.cases["under_review"]
    document = refund.documents.first()
    intruder = visitors("en").sign_in("enterprise2", PASSWORD)

    case_page = intruder.open(f"/refunds/{refund.pk}/")
    document_file = intruder.page.request.get(
        intruder.base_url + f"/refunds/{refund.pk}/documents/{document.pk}/"
    )

    assert case_page.status == 404
    assert refund.reference not in intruder.page.content()
    assert document_file.status == 404
    assert not document_file.body().startswith(b"%PDF")


def test_the_owner_enterprise_downloads_its_document_as_an_attachment(visitors):
    demo = build_demo()
    refund = demo.cases["under_review"]
    document = refund.documents.first()
    owner = visitors("en").sign_in("enterprise", PASSWORD)

    response = owner.page.request.get(
        owner.base_url + f"/refunds/{refund.pk}/documents/{document.pk}/"
    )

    assert response.status == 200
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["x-content-type-options"] == "nosniff"
