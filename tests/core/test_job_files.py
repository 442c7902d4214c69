"""A job whose result is a file keeps it; the requester alone downloads
it, as an attachment, from the finished job's page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from parkportal.core import clock
from parkportal.core.jobs import job_file_attach, job_run, job_start
from parkportal.core.models import Job, JobStatus
from parkportal.core.tasks import expire_job_files
from tests.factories import UserFactory

MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
CONTENT = b"reason,cases\r\ndeposit,2\r\n"


def write_file(job, report):
    report(1, 1)
    url = job_file_attach(
        job, name="counted.csv", media_type="text/csv", content=CONTENT
    )
    return url, "Written."


def attach_then_crash(job, report):
    job_file_attach(job, name="half.csv", media_type="text/csv", content=b"half")
    raise RuntimeError("disk full")


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def run(actor, kind="write_file"):
    job = job_start(
        actor=actor, kind=f"tests.core.test_job_files.{kind}", title="Export", params={}
    )
    return job_run(job_id=job.pk)


def test_the_requester_downloads_the_file_as_an_attachment(client, alice):
    job = run(alice)
    client.force_login(alice)

    response = client.get(reverse("job-file", args=[job.pk]))

    assert response.status_code == 200
    assert response.content == CONTENT
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="counted.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_finished_page_links_the_download(client, alice):
    job = run(alice)
    client.force_login(alice)

    page = client.get(reverse("job", args=[job.pk]))

    assert job.result_url == reverse("job-file", args=[job.pk])
    assert f'href="{reverse("job-file", args=[job.pk])}" download' in page.text
    assert "Download counted.csv" in page.text


def test_another_person_is_told_the_file_does_not_exist(client, alice):
    job = run(alice)
    client.force_login(UserFactory(username="bob"))

    response = client.get(reverse("job-file", args=[job.pk]))

    assert response.status_code == 404


def test_an_unfinished_job_has_no_file_yet(client, alice):
    job = job_start(
        actor=alice, kind="tests.core.test_job_files.write_file", title="E", params={}
    )
    client.force_login(alice)

    response = client.get(reverse("job-file", args=[job.pk]))

    assert response.status_code == 404


def test_a_job_that_failed_after_attaching_offers_nothing(client, alice):
    job = run(alice, kind="attach_then_crash")
    client.force_login(alice)

    response = client.get(reverse("job-file", args=[job.pk]))

    stored = Job.objects.get(pk=job.pk)
    assert stored.status == JobStatus.FAILED
    assert (bytes(stored.result_file), stored.result_file_name) == (b"", "")
    assert response.status_code == 404


def test_a_file_is_deleted_a_week_after_its_job_finished(client, alice, settings):
    settings.JOB_FILE_RETENTION_DAYS = 7
    with clock.travel(MONDAY):
        job = run(alice)

    with clock.travel(MONDAY + timedelta(days=6)):
        assert expire_job_files() == 0
    with clock.travel(MONDAY + timedelta(days=8)):
        assert expire_job_files() == 1
    client.force_login(alice)

    stored = Job.objects.get(pk=job.pk)
    assert (bytes(stored.result_file), stored.result_file_name) == (b"", "")
    assert client.get(reverse("job-file", args=[job.pk])).status_code == 404
    page = client.get(reverse("job", args=[job.pk]))
    assert "Download" not in page.text
    assert "kept for 7 days and has been deleted" in page.text


def test_the_deleted_file_is_explained_in_chinese(client, alice):
    with clock.travel(MONDAY):
        job = run(alice)
    with clock.travel(MONDAY + timedelta(days=30)):
        expire_job_files()
    client.force_login(alice)

    page = client.get(reverse("job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "文件已保留 7 天并已删除" in page.text
