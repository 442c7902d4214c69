from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from operations.models import Alert, AlertKind
from operations.schedule import BEAT_SCHEDULE
from parkportal.core import clock
from tests.operations.conftest import at

pytestmark = pytest.mark.django_db


def test_the_operations_schedule_is_part_of_celery_beat():
    for name, entry in BEAT_SCHEDULE.items():
        assert settings.CELERY_BEAT_SCHEDULE[name] == entry


def test_run_scheduler_runs_the_deadline_scan_in_process(cases):
    with clock.travel(at(2025, 6, 9, 9, 0)):
        refund = cases.under_review()
    output = StringIO()

    with clock.travel(at(2025, 6, 10, 14, 30)):
        call_command("run_scheduler", "--once", stdout=output)

    assert Alert.objects.get(refund=refund).kind == AlertKind.REMINDER
    assert "operations-scan-deadlines: 1" in output.getvalue()
    assert "operations-prepare-digest" in output.getvalue()
