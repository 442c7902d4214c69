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


def test_the_embedded_default_runs_the_schedule_in_a_fresh_process(tmp_path):
    """As the README's run command does: a new process, SQLite, no broker.
    Tasks must be found without anything having imported them before."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(DEBUG="1", PARKPORTAL_DATA_DIR=str(tmp_path))

    def manage(*arguments):
        return subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert manage("migrate", "-v0").returncode == 0
    ran = manage("run_scheduler", "--once")

    assert ran.returncode == 0, ran.stderr
    assert "operations-scan-deadlines: 0" in ran.stdout
    assert "failed" not in ran.stderr
