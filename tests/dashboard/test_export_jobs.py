"""The dashboard page's exports run as jobs: the page's buttons are POST
forms that start one, and the file it keeps is the API's export."""

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from parkportal.core import clock
from parkportal.core.models import Job, JobStatus

pytestmark = pytest.mark.django_db

MARCH = {"start": "2026-03-01", "end": "2026-04-01"}
FILTERED = {**MARCH, "reason": "deposit"}


def _api_export(user, table, file_format, query):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/v1/dashboard/export/{table}.{file_format}", query)


def _start(client, capture, table, file_format, query):
    path = reverse("dashboard-export-start", args=[table, file_format])
    with capture(execute=True):
        return client.post(f"{path}?{_encoded(query)}")


def _encoded(query):
    return urlencode(query)


@pytest.mark.parametrize("table", ["flows", "reason", "owners"])
def test_a_csv_export_job_keeps_the_bytes_the_api_answers(
    client, march, carl, django_capture_on_commit_callbacks, table
):
    client.force_login(carl)

    response = _start(
        client, django_capture_on_commit_callbacks, table, "csv", FILTERED
    )

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("job", args=[job.pk])
    assert job.status == JobStatus.DONE
    expected = _api_export(carl, table, "csv", FILTERED)
    assert bytes(job.result_file) == expected.content
    assert job.result_file_name == f"parkportal-{table}-20260301-20260401.csv"
    assert job.result_media_type == "text/csv; charset=utf-8"
    assert (job.progress_done, job.progress_total) == (1, 1)


def test_an_xlsx_export_job_keeps_the_rows_the_api_answers(
    client, march, carl, django_capture_on_commit_callbacks
):
    client.force_login(carl)

    _start(client, django_capture_on_commit_callbacks, "stages", "xlsx", FILTERED)

    job = Job.objects.get()
    expected = _api_export(carl, "stages", "xlsx", FILTERED)
    kept = load_workbook(io.BytesIO(bytes(job.result_file))).active
    answered = load_workbook(io.BytesIO(expected.content)).active
    assert list(kept.iter_rows(values_only=True)) == list(
        answered.iter_rows(values_only=True)
    )
    assert len(list(kept.iter_rows())) > 1


def test_the_job_pins_the_period_the_page_showed(
    client, march, carl, django_capture_on_commit_callbacks
):
    client.force_login(carl)

    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("dashboard-export-start", args=["flows", "csv"]))

    query = QueryDict(Job.objects.get().params["query"])
    today = clock.today()
    assert query["start"] == today.replace(day=1).isoformat()
    assert query["end"] == (today + timedelta(days=1)).isoformat()


def test_without_javascript_the_button_posts_and_lands_on_the_finished_job(
    client, march, carl, django_capture_on_commit_callbacks
):
    client.force_login(carl)
    page = client.get(reverse("dashboard"), MARCH)
    action = reverse("dashboard-export-start", args=["reason", "csv"])
    assert f'<form method="post" action="{action}?' in page.text
    assert page.text.count('name="csrfmiddlewaretoken"') >= 18

    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(f"{action}?{_encoded(MARCH)}")
    landed = client.get(posted["Location"])

    job = Job.objects.get()
    assert posted["Location"] == reverse("job", args=[job.pk])
    assert f'href="{reverse("job-file", args=[job.pk])}" download' in landed.text
    download = client.get(reverse("job-file", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["reason", "cases", "amount_cny"]
    assert download.content == _api_export(carl, "reason", "csv", MARCH).content


def test_a_bad_period_is_refused_on_the_page_and_starts_no_job(client, carl):
    client.force_login(carl)

    response = client.post(
        reverse("dashboard-export-start", args=["flows", "csv"]) + "?start=March"
    )

    assert response.status_code == 400
    assert not Job.objects.exists()


def test_someone_who_may_not_read_the_dashboard_starts_no_export(client, olivia):
    client.force_login(olivia)

    response = client.post(reverse("dashboard-export-start", args=["flows", "csv"]))

    assert response.status_code == 403
    assert not Job.objects.exists()


def test_the_export_button_is_a_post_only_route(client, carl):
    client.force_login(carl)

    response = client.get(reverse("dashboard-export-start", args=["flows", "csv"]))

    assert response.status_code == 405
