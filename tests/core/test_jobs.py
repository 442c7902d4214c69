"""Jobs: long work runs on a worker, reports its progress, and its page
shows the bar to the person who asked and to nobody else."""

from datetime import timedelta

import pytest
from django.urls import reverse

from parkportal.core import clock
from parkportal.core.errors import InvalidInput
from parkportal.core.jobs import job_run, job_start
from parkportal.core.models import Job, JobStatus, OutboxMessage
from parkportal.core.tasks import fail_stalled_jobs, run_job
from tests.factories import UserFactory

SEEN = []


def count_to_three(job, report):
    for done in range(1, 4):
        report(done, 3)
        SEEN.append(Job.objects.values_list("status", "progress_done").get(pk=job.pk))
    return "/somewhere/", f"Counted for {job.requested_by.username}."


def refuse(job, report):
    raise InvalidInput("Nothing to count.")


def crash(job, report):
    raise RuntimeError("disk on fire")


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def start(actor, kind="count_to_three"):
    return job_start(
        actor=actor, kind=f"tests.core.test_jobs.{kind}", title="Counting", params={}
    )


def test_a_job_is_queued_with_its_outbox_message_and_waits_for_commit(alice):
    job = start(alice)

    assert job.status == JobStatus.QUEUED
    message = OutboxMessage.objects.get()
    assert message.task == "parkportal.core.tasks.run_job"
    assert message.kwargs == {"job_id": job.pk}


def test_the_outbox_runs_the_job_after_commit_and_it_reports_progress(
    alice, django_capture_on_commit_callbacks
):
    SEEN.clear()

    with django_capture_on_commit_callbacks(execute=True):
        job = start(alice)

    job.refresh_from_db()
    assert SEEN == [("running", 1), ("running", 2), ("running", 3)]
    assert job.status == JobStatus.DONE
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.result_url == "/somewhere/"
    assert job.summary == "Counted for alice."


def test_the_task_runs_a_job_once_when_delivered_twice(alice):
    SEEN.clear()
    job = start(alice)

    run_job(job_id=job.pk)
    run_job(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert len(SEEN) == 3


def test_a_refusal_fails_the_job_with_its_message(alice):
    job = start(alice, "refuse")

    job = job_run(job_id=job.pk)

    assert job.status == JobStatus.FAILED
    assert job.error == "Nothing to count."


def test_an_unexpected_error_fails_the_job_without_showing_it(alice):
    job = start(alice, "crash")

    job = job_run(job_id=job.pk)

    assert job.status == JobStatus.FAILED
    assert "disk on fire" not in job.error
    assert "unexpected error" in job.error


def test_an_unknown_kind_is_refused_in_the_request(alice):
    with pytest.raises(ImportError):
        start(alice, "no_such_runner")

    assert not Job.objects.exists()


def test_the_owner_sees_a_progress_bar_that_refreshes_itself(client, alice):
    job = start(alice)
    client.force_login(alice)

    page = client.get(reverse("job", args=[job.pk]))

    assert page.status_code == 200
    assert "<progress" in page.text
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page.text
    assert f'hx-get="{reverse("job", args=[job.pk])}"' in page.text
    assert "Queued" in page.text


def test_htmx_gets_the_status_alone(client, alice):
    job = start(alice)
    client.force_login(alice)

    part = client.get(reverse("job", args=[job.pk]), headers={"HX-Request": "true"})

    assert "<progress" in part.text
    assert "<html" not in part.text


def test_a_finished_job_stops_refreshing_and_links_to_its_result(client, alice):
    job = start(alice)
    job_run(job_id=job.pk)
    client.force_login(alice)

    page = client.get(reverse("job", args=[job.pk]))

    assert 'http-equiv="refresh"' not in page.text
    assert "hx-get" not in page.text
    assert '<a href="/somewhere/">' in page.text
    assert 'value="3"' in page.text
    assert "Counted for alice." in page.text


def test_a_failed_job_shows_its_error(client, alice):
    job = start(alice, "refuse")
    job_run(job_id=job.pk)
    client.force_login(alice)

    page = client.get(reverse("job", args=[job.pk]))

    assert "Nothing to count." in page.text
    assert 'http-equiv="refresh"' not in page.text


def test_another_person_is_told_the_job_does_not_exist(client, alice):
    job = start(alice)
    client.force_login(UserFactory(username="bob"))

    page = client.get(reverse("job", args=[job.pk]))

    assert page.status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, alice):
    job = start(alice)

    page = client.get(reverse("job", args=[job.pk]))

    assert page.status_code == 302
    assert reverse("login") in page["Location"]


def test_the_page_speaks_the_readers_language(client, fiona):
    job = job_start(
        actor=fiona,
        kind="tests.core.test_jobs.count_to_three",
        title="Statement import",
        params={},
    )
    client.force_login(fiona)

    page = client.get(
        reverse("job", args=[job.pk]), headers={"Accept-Language": "zh-hans"}
    )

    assert "导入银行对账单" in page.text
    assert "状态：排队中" in page.text


def test_a_running_job_silent_past_the_limit_is_failed_in_its_language(alice):
    silent = start(alice)
    reporting = start(alice)
    Job.objects.filter(pk__in=[silent.pk, reporting.pk]).update(
        status=JobStatus.RUNNING, language="zh-hans"
    )
    Job.objects.filter(pk=silent.pk).update(
        updated_at=clock.now() - timedelta(minutes=31)
    )
    Job.objects.filter(pk=reporting.pk).update(
        updated_at=clock.now() - timedelta(minutes=5)
    )

    assert fail_stalled_jobs() == 1

    silent.refresh_from_db()
    reporting.refresh_from_db()
    assert silent.status == JobStatus.FAILED
    assert silent.error == "执行该任务的进程已中断，请重新开始。"
    assert reporting.status == JobStatus.RUNNING
    assert fail_stalled_jobs() == 0


def test_a_queued_job_is_not_taken_for_a_stalled_one(alice):
    queued = start(alice)
    Job.objects.filter(pk=queued.pk).update(updated_at=clock.now() - timedelta(hours=2))

    assert fail_stalled_jobs() == 0
    queued.refresh_from_db()
    assert queued.status == JobStatus.QUEUED
