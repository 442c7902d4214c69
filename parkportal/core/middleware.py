"""Request middleware shared by the portal and the API."""

from django.conf import settings
from django.utils import translation


def has_explicit_language(request) -> bool:
    return bool(
        request.headers.get("Accept-Language")
        or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    )


def activate_user_language(request, user) -> None:
    """Speak the language a signed-in person chose in their profile, unless
    the request itself asks for one."""
    if not getattr(user, "is_authenticated", False) or has_explicit_language(request):
        return
    language = getattr(user, "language", "")
    if language not in dict(settings.LANGUAGES):
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language


class UserLanguageMiddleware:
    """Session users get their profile language. Token users are only known
    inside the API view, which calls activate_user_language itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        activate_user_language(request, request.user)
        return self.get_response(request)
