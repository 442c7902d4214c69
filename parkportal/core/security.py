"""Who is asking (the client address behind the park's reverse proxies),
and the response headers that limit what a page may do."""

from django.conf import settings


def client_ip(request) -> str:
    """The address of the client, for login lockouts and rate limits.

    With TRUSTED_PROXY_COUNT proxies in front of the application, each
    appends the address it received the request from to X-Forwarded-For,
    so the client's is the Nth entry from the right; anything further left
    was written by the client and cannot be trusted.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if not proxies:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [address.strip() for address in header.split(",") if address.strip()]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


class PermissionsPolicyMiddleware:
    """The browser features the portal never needs, switched off."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "PERMISSIONS_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.setdefault("Permissions-Policy", self.policy)
        return response
