import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkportal.settings")

app = Celery("parkportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
