import pytest

from operations.models import Complaint, ComplaintStatus, Notification, Rating
from operations.services.feedback import (
    complaint_file,
    complaint_resolve,
    rating_submit,
)
from parkportal.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from refunds.models import AuditEvent, TimelineEntry

pytestmark = pytest.mark.django_db


def test_the_enterprise_rates_a_closed_case_once(cases, close_case, alice):
    refund = close_case(cases)

    rating = rating_submit(refund_id=refund.pk, actor=alice, score=4, comment="Quick")

    assert (rating.score, rating.comment, rating.author) == (4, "Quick", alice)
    assert AuditEvent.objects.filter(action="operations.rating", refund=refund).exists()
    with pytest.raises(Conflict):
        rating_submit(refund_id=refund.pk, actor=alice, score=5)


def test_an_open_case_cannot_be_rated(cases, alice):
    refund = cases.under_review()

    with pytest.raises(Conflict):
        rating_submit(refund_id=refund.pk, actor=alice, score=5)
    assert not Rating.objects.exists()


def test_only_the_applying_enterprise_rates_and_scores_are_one_to_five(
    cases, close_case, alice, gary, olivia
):
    refund = close_case(cases)

    with pytest.raises(NotFound):
        rating_submit(refund_id=refund.pk, actor=gary, score=1)
    with pytest.raises(NotAllowed):
        rating_submit(refund_id=refund.pk, actor=olivia, score=1)
    with pytest.raises(InvalidInput):
        rating_submit(refund_id=refund.pk, actor=alice, score=6)


def test_a_complaint_on_an_open_case_reaches_the_manager_and_owner(
    cases, alice, mark, olivia
):
    refund = cases.under_review()

    complaint = complaint_file(refund_id=refund.pk, actor=alice, body="Too slow")

    assert complaint.status == ComplaintStatus.OPEN
    recipients = set(
        Notification.objects.filter(kind="complaint_filed").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"mark", "olivia"}
    entry = TimelineEntry.objects.get(refund=refund, kind="complaint")
    assert entry.visible_to_enterprise is False


def test_a_complaint_is_answered_once_and_the_answer_is_on_the_timeline(
    cases, alice, olivia
):
    refund = cases.under_review()
    complaint = complaint_file(refund_id=refund.pk, actor=alice, body="Too slow")

    complaint_resolve(complaint_id=complaint.pk, actor=olivia, resolution="Sped up")

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESOLVED
    assert complaint.resolved_by == olivia
    entry = TimelineEntry.objects.get(refund=refund, kind="complaint_resolved")
    assert entry.visible_to_enterprise
    with pytest.raises(Conflict):
        complaint_resolve(complaint_id=complaint.pk, actor=olivia, resolution="Again")


def test_another_enterprise_cannot_complain_about_a_case(cases, gary):
    refund = cases.under_review()

    with pytest.raises(NotFound):
        complaint_file(refund_id=refund.pk, actor=gary, body="Not mine")
    assert not Complaint.objects.exists()


def test_ratings_and_complaints_feed_the_satisfaction_figures(cases, close_case, alice):
    from decimal import Decimal

    from operations.selectors import satisfaction_summary

    first, second = close_case(cases), close_case(cases)
    rating_submit(refund_id=first.pk, actor=alice, score=5)
    rating_submit(refund_id=second.pk, actor=alice, score=2)
    complaint_file(refund_id=second.pk, actor=alice, body="Paid late")

    summary = satisfaction_summary()

    assert summary["ratings"] == 2
    assert summary["average_score"] == Decimal("3.50")
    assert summary["scores"] == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert (summary["complaints"], summary["complaints_open"]) == (1, 1)
