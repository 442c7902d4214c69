"""Rate limits for the endpoints an attacker or a runaway script would
hammer. The rates are scoped in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
and read on each request, so a deployment (or a test) can change them."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _ScopedRate(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenObtainThrottle(_ScopedRate):
    """POST /api/v1/auth/token/: by client address, since the caller is
    not signed in yet. django-axes locks the account after repeated wrong
    passwords; this caps how fast anyone can try."""

    scope = "token_obtain"

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
