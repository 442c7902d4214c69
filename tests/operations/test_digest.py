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


def test_the_agenda_carries_the_pool_its_forecast_and_the_top_risk_flags(
    cases, globex, mark, fiona, diana, django_capture_on_commit_callbacks
):
    from tests.factories import BankAccountFactory
    from tests.payments import fund_pool

    diana.language = "zh-hans"
    diana.save(update_fields=["language"])
    BankAccountFactory(
        enterprise=globex, account_number="6222999900001111", created_at=at(2024, 1, 1)
    )
    with clock.travel(at(2025, 6, 9, 9, 0)):
        fund_pool("150000.00", officer=fiona, director=diana)
        cases.approved([mark], amount="60000.00")
        with django_capture_on_commit_callbacks(execute=True):
            # Paid to an account of another enterprise: screening holds it.
            held = cases.under_review(payee_account="6222999900001111")
    mail.outbox.clear()

    with (
        clock.travel(at(2025, 6, 16, 8, 30)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        content = digest_prepare().content

    assert content["pool_status"]["balance"] == "150000.00"
    assert content["pool_status"]["available"] == "90000.00"
    assert len(content["pool_forecast"]) == 12
    assert content["pool_forecast"][0]["week_start"] == "2025-06-16"
    flag = content["top_risk_flags"][0]
    assert flag["reference"] == held.reference
    assert flag["score"] >= 80 and flag["reasons"]
    body = next(m.body for m in mail.outbox if m.to == [mark.email])
    assert "Balance 150000.00, earmarked 60000.00, available 90000.00 CNY" in body
    assert "Week of 2025-06-16: available 90000.00" in body
    assert f"{held.reference} Acme Robotics, score {flag['score']}:" in body
    assert '{"' not in body
    chinese = next(m.body for m in mail.outbox if m.to == [diana.email])
    assert "余额 150000.00，已预留 60000.00，可用 90000.00 CNY" in chinese
    assert "2025-06-16 当周：可用 90000.00" in chinese
