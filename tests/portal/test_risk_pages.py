"""The risk desk in the browser's place: holds decided with a comment and
their reasons shown, rules edited into new versions, backtests next to the
live version, and the matrix for risk officers and auditors."""

import datetime

import pytest
from django.urls import reverse

from parkportal.core import clock
from parkportal.core.models import Job
from refunds.models import State
from refunds.services.lifecycle import refund_submit
from risk.models import Backtest, Hold, HoldStatus, Rule, VersionStatus
from tests.factories import BankAccountFactory

pytestmark = pytest.mark.django_db

DESK_PAGES = ["risk:holds", "risk:rules", "risk:matrix"]


@pytest.fixture
def held(cases, alice, globex, django_capture_on_commit_callbacks):
    """A case held because its payee account is Globex's."""
    BankAccountFactory(enterprise=globex, account_number="6222999900001111")
    refund = cases.draft(payee_account="6222999900001111")
    with django_capture_on_commit_callbacks(execute=True):
        refund_submit(refund_id=refund.pk, actor=alice)
    return Hold.objects.get(refund=refund)


@pytest.fixture
def velocity():
    return Rule.objects.select_related("live_version").get(code="velocity")


@pytest.mark.parametrize("name", DESK_PAGES)
def test_every_risk_page_opens_for_the_risk_officer(client, rita, name):
    client.force_login(rita)

    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", DESK_PAGES)
def test_risk_pages_are_refused_to_enterprises_and_ops(client, alice, olivia, name):
    for person in (alice, olivia):
        client.force_login(person)

        assert client.get(reverse(name)).status_code == 403, person


def test_the_auditor_reads_the_matrix_but_no_other_risk_page(client, audrey):
    client.force_login(audrey)

    matrix = client.get(reverse("risk:matrix"))

    assert matrix.status_code == 200
    assert "Four-eyes disbursement batches" in matrix.text
    assert f'href="{reverse("risk:holds")}"' not in matrix.text
    assert client.get(reverse("risk:holds")).status_code == 403
    assert client.get(reverse("risk:rules")).status_code == 403


def test_a_rule_page_is_refused_to_the_finance_officer(client, fiona, velocity):
    client.force_login(fiona)

    assert client.get(reverse("risk:rule", args=[velocity.pk])).status_code == 403


def test_the_holds_page_shows_each_rules_readable_reason(client, held, rita, globex):
    client.force_login(rita)

    page = client.get(reverse("risk:holds"))

    assert held.refund.reference in page.text
    assert f"is registered to {globex.name}." in page.text


def test_a_risk_officer_clears_a_hold_with_a_comment(client, held, rita):
    client.force_login(rita)

    page = client.post(
        reverse("risk:hold_clear", args=[held.pk]),
        {"comment": "Parent company account"},
        follow=True,
    )

    held.refresh_from_db()
    assert held.status == HoldStatus.CLEARED
    assert held.comment == "Parent company account"
    assert held.refund.state == State.UNDER_REVIEW
    assert "cleared" in page.text


def test_a_hold_is_not_decided_without_a_comment(client, held, rita):
    client.force_login(rita)

    page = client.post(
        reverse("risk:hold_reject", args=[held.pk]), {"comment": ""}, follow=True
    )

    held.refresh_from_db()
    assert held.status == HoldStatus.OPEN
    assert "notice--error" in page.text


def test_a_risk_officer_rejects_a_held_case(client, held, rita):
    client.force_login(rita)

    client.post(
        reverse("risk:hold_reject", args=[held.pk]), {"comment": "A stranger's account"}
    )

    held.refresh_from_db()
    assert held.status == HoldStatus.REJECTED
    assert held.refund.state == State.REJECTED


def test_editing_a_rule_writes_a_new_live_version(client, rita, velocity):
    live = velocity.live_version
    client.force_login(rita)

    client.post(
        reverse("risk:rule_version", args=[velocity.pk]),
        {
            "parameters": '{"max_requests": 6}',
            "score": "45",
            "note": "Fewer false alarms",
            "activate": "on",
        },
    )

    velocity.refresh_from_db()
    live.refresh_from_db()
    assert velocity.live_version.number == live.number + 1
    assert velocity.live_version.parameters["max_requests"] == 6
    assert velocity.live_version.score == 45
    assert live.status == VersionStatus.RETIRED


def test_a_draft_version_waits_until_it_is_made_live(client, rita, velocity):
    client.force_login(rita)
    client.post(
        reverse("risk:rule_version", args=[velocity.pk]),
        {"parameters": '{"days": 14}', "score": "40", "note": "Shorter window"},
    )
    draft = velocity.versions.get(status=VersionStatus.DRAFT)

    client.post(reverse("risk:version_activate", args=[velocity.pk, draft.pk]))

    velocity.refresh_from_db()
    assert velocity.live_version == draft


def test_unknown_parameters_are_refused_with_the_services_message(
    client, rita, velocity
):
    client.force_login(rita)

    page = client.post(
        reverse("risk:rule_version", args=[velocity.pk]),
        {"parameters": '{"colour": "red"}', "score": "40", "note": "Typo"},
    )

    assert "Unknown parameters: colour." in page.text
    assert velocity.versions.count() == 1


def test_a_backtest_runs_from_the_rule_page_and_shows_the_live_version_beside(
    client, held, rita, django_capture_on_commit_callbacks
):
    rule = Rule.objects.get(code="payee-shared")
    today = clock.today()
    client.force_login(rita)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("risk:backtest_run", args=[rule.pk]),
            {
                "version": rule.live_version_id,
                "start": (today - datetime.timedelta(days=7)).isoformat(),
                "end": today.isoformat(),
            },
        )
    job = Job.objects.get()
    job_page = client.get(answer["Location"])
    page = client.get(job.result_url)

    backtest = Backtest.objects.get()
    assert answer["Location"] == reverse("job", args=[job.pk])
    assert job.result_url == reverse("risk:backtest", args=[backtest.pk])
    assert "1 case replayed." in job_page.text
    assert backtest.cases == 1
    assert backtest.candidate_hits == backtest.baseline_hits == 1
    assert held.refund.reference in page.text
    assert "Live version" in page.text


def test_a_backtest_over_an_empty_period_is_refused(client, rita, velocity):
    today = clock.today()
    client.force_login(rita)

    page = client.post(
        reverse("risk:backtest_run", args=[velocity.pk]),
        {
            "version": velocity.live_version_id,
            "start": today.isoformat(),
            "end": (today - datetime.timedelta(days=3)).isoformat(),
        },
    )

    assert "The period must end after it starts." in page.text
    assert Backtest.objects.count() == 0


def test_the_risk_desk_is_a_workspace_of_the_risk_officer(client, rita, audrey):
    client.force_login(rita)
    home = client.get(reverse("home")).text
    assert reverse("risk:holds") in home

    client.force_login(audrey)
    home = client.get(reverse("home")).text
    assert reverse("risk:matrix") in home
    assert f'href="{reverse("risk:holds")}"' not in home
