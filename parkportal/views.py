"""Pages of the project itself: the home page that sends each person to
their workspace."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from parkportal.templatetags.portal import workspaces_for


@login_required
@require_GET
def home(request):
    links = workspaces_for(request.user)
    if len(links) == 1:
        return redirect(links[0]["url"])
    return render(request, "home.html", {"links": links})
