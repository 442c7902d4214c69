"""Run the periodic tasks of settings.CELERY_BEAT_SCHEDULE in this process.

The embedded default has no broker and no beat: the README's run command
starts this beside runserver, and each due task runs here, in process. In
production, `celery beat` and workers do this job instead.
"""

import logging
import signal
import time

from celery.schedules import schedule as every
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from parkportal.core import clock

logger = logging.getLogger(__name__)


def _as_schedule(value):
    return value if hasattr(value, "is_due") else every(value)


class Command(BaseCommand):
    help = "Run the periodic tasks of CELERY_BEAT_SCHEDULE in process (no broker)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Run every task once and stop."
        )
        parser.add_argument(
            "--tick", type=float, default=5.0, help="Seconds between checks."
        )

    def handle(self, *args, once: bool, tick: float, **options):
        from parkportal.celery import app

        # Celery finds the apps' tasks modules lazily; import them now so
        # that every scheduled name resolves.
        app.loader.import_default_modules()
        missing = [
            entry["task"]
            for entry in settings.CELERY_BEAT_SCHEDULE.values()
            if entry["task"] not in app.tasks
        ]
        if missing:
            raise CommandError(f"unknown tasks in CELERY_BEAT_SCHEDULE: {missing}")
        self.app = app
        entries = {
            name: _as_schedule(entry["schedule"])
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        # Intervals run at start; calendar entries (the Monday agenda) wait
        # for their next occurrence rather than firing on every restart.
        started = clock.now()
        last_run = {
            name: started
            for name, schedule in entries.items()
            if not isinstance(schedule, every)
        }
        self._running = True
        signal.signal(signal.SIGTERM, self._stop)
        while self._running:
            for name, schedule in entries.items():
                due = once or name not in last_run
                if not due:
                    due, _next = schedule.is_due(last_run[name])
                if due:
                    last_run[name] = clock.now()
                    self._run(name)
            if once:
                return
            time.sleep(tick)

    def _run(self, name: str) -> None:
        task_name = settings.CELERY_BEAT_SCHEDULE[name]["task"]
        try:
            result = self.app.tasks[task_name].apply()
            self.stdout.write(f"{name}: {result.result}")
        except Exception:
            logger.exception("scheduled task %s failed", name)

    def _stop(self, *args):
        self._running = False
