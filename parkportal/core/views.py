"""Probes and metrics for the orchestrator and the operator."""

import hmac

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection
from prometheus_client import CONTENT_TYPE_LATEST

from parkportal.core.metrics import exposition


@never_cache
@require_GET
def healthz(request):
    """The process is up and answering; touches nothing else."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """The process can do its work: the database answers and, when a
    broker is configured, so does the broker."""
    failed = {}
    error = _check_database()
    if error:
        failed["database"] = error
    if settings.CELERY_BROKER_URL:
        error = _check_broker(settings.CELERY_BROKER_URL)
        if error:
            failed["broker"] = error
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return type(exc).__name__
    return ""


def _check_broker(url: str) -> str:
    timeout = getattr(settings, "READYZ_BROKER_TIMEOUT", 2)
    try:
        with Connection(url, connect_timeout=timeout) as broker:
            broker.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=timeout
            )
    except Exception as exc:
        return type(exc).__name__
    return ""


@never_cache
@require_GET
def metrics(request):
    token = getattr(settings, "METRICS_TOKEN", "")
    if token and not _bearer_matches(request, token):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def _bearer_matches(request, token: str) -> bool:
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given, token)
