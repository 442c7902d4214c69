"""Middleware that lets an operator follow a request: its id on every log
line and in the response, and its count and duration in the metrics."""

import time

from parkportal.core import metrics
from parkportal.core.logging import clean_request_id, reset_request_id, set_request_id

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Give each request an id (the proxy's X-Request-ID when it sent a
    usable one), log it on every line and return it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = clean_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class MetricsMiddleware:
    """Count requests and their duration by route pattern, never by raw
    path, so that ids in URLs do not make a series each."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started

        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else "unmatched"
        metrics.HTTP_REQUESTS.labels(
            method=request.method, route=route, status=str(response.status_code)
        ).inc()
        metrics.HTTP_LATENCY.labels(method=request.method, route=route).observe(elapsed)
        return response
