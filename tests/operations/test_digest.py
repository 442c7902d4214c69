import pytest
from django.core import mail

from operations.models import WeeklyDigest
from operations.services.digest import _optional_section, digest_prepare
from parkportal.core import clock
from tests.operations.conftest import at

pytestmark = pytest.mark.django_db


def test_the_agenda_lists_overdue_finance_and_longest_waiting_cases(
    cases, mark, fiona, diana, django_capture_on_commit_callbacks
):
    with clock.travel(at(2025, 6, 2, 9, 0)):
        oldest = cases.under_review()
    with clock.travel(at(2025, 6, 9, 9, 0)):
        approved = cases.approved([mark])
    mail.outbox.clear()

    with (
        clock.travel(at(2025, 6, 16, 8, 30)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        digest = digest_prepare()

    content = digest.content
    assert digest.week_start.isoformat() == "2025-06-16"
    assert {row["reference"] for row in content["overdue"]} >= {oldest.reference}
    assert [row["reference"] for row in content["waiting_on_finance"]] == [
        approved.reference
    ]
    assert content["waiting_longest"][0]["reference"] == oldest.reference
    assert content["waiting_longest"][0]["days_open"] == 13  # 13.98 days
    recipients = {m.to[0] for m in mail.outbox}
    assert recipients == {mark.email, fiona.email, diana.email}
    assert oldest.reference in mail.outbox[0].body


def test_the_agenda_is_prepared_once_a_week(db):
    with clock.travel(at(2025, 6, 16, 8, 30)):
        assert digest_prepare() is not None
    with clock.travel(at(2025, 6, 18, 8, 30)):
        assert digest_prepare() is None
    with clock.travel(at(2025, 6, 23, 8, 30)):
        assert digest_prepare() is not None

    assert WeeklyDigest.objects.count() == 2


def test_sections_of_apps_not_installed_are_left_empty(db):
    assert _optional_section("finance.no_such_module", "pool_status") is None
    assert _optional_section("no_such_app.selectors", "top_flags", limit=3) is None


def test_a_section_calls_the_other_apps_function_when_it_exists(settings):
    settings.OPERATIONS_NO_PROGRESS_DAYS = 9

    assert _optional_section("operations.conf", "no_progress_days") == 9
