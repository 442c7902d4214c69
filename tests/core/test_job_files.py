"""A job whose result is a file keeps it; the requester alone downloads
it, as an attachment, from the finished job's page."""

import pytest
from django.urls import reverse

from parkportal.core.jobs import job_file_attach, job_run, job_start
from parkportal.core.models import Job, JobStatus
from tests.factories import UserFactory

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
