"""Pages of the project itself: the home page that sends each person to
their workspace."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views import defaults
from django.views.decorators.http import require_GET

from parkportal.core.api import error_body
from parkportal.templatetags.portal import workspaces_for


@login_required
@require_GET
def home(request):
    links = workspaces_for(request.user)
    if len(links) == 1:
        return redirect(links[0]["url"])
    return render(request, "home.html", {"links": links})


def page_not_found(request, exception):
    """A path under the API that no route matches (a negative id, a typo)
    answers with the API's JSON error body, as its other errors do; a page
    gets the portal's 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", gettext("Not found.")), status=404)
    return defaults.page_not_found(request, exception)
