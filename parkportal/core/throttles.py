"""Rate limits for the endpoints an attacker or a runaway script would
hammer. The rates are scoped in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
and read on each request, so a deployment (or a test) can change them."""

import logging

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_credentials
from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class _ScopedRate(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        # The counts live in the cache (Redis in production). A rate limit
        # guards against floods; it must not turn every application into a
        # 500 while Redis is away, so an unreachable cache lets the request
        # through. django-axes keeps its lockouts in the database.
        try:
            return super().allow_request(request, view)
        except RedisError as error:
            logger.warning(
                "%s rate limit not checked for user %s: %s",
                self.scope,
                getattr(request.user, "pk", None),
                error,
            )
            return True


class TokenObtainThrottle(_ScopedRate):
    """POST /api/v1/auth/token/: by client address, since the caller is
    not signed in yet. django-axes locks the account after repeated wrong
    passwords; this caps how fast anyone can try."""

    scope = "token_obtain"
    lockout_wait: float | None = None

    def allow_request(self, request, view):
        # A locked-out account gets the same 429 as a client going too
        # fast, instead of DRF's "unable to log in" that reads like a wrong
        # password and invites more guesses.
        if _locked_out(request):
            cool_off = get_cool_off(request._request)
            self.lockout_wait = cool_off.total_seconds() if cool_off else None
            return False
        return super().allow_request(request, view)

    def wait(self):
        if self.lockout_wait is not None:
            return self.lockout_wait
        return super().wait()

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


class SubmissionThrottle(_ScopedRate):
    """Case creation and submission: by signed-in user, falling back to the
    client address."""

    scope = "submission"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _locked_out(request) -> bool:
    if not settings.AXES_ENABLED:
        return False
    data = request.data
    username = data.get("username") if hasattr(data, "get") else None
    if not username:
        return False
    return AxesProxyHandler.is_locked(request._request, get_credentials(username))
