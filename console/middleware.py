from __future__ import annotations

import zoneinfo

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone

SESSION_KEY = "console_time_zone"


class UserTimeZoneMiddleware:
    """Show times in the viewer's chosen zone. The choice is kept in the session, so this
    costs one query per session, not per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = None
        if request.user.is_authenticated:
            name = request.session.get(SESSION_KEY)
            if name is None:
                from .models import Profile

                profile = Profile.objects.filter(user=request.user).first()
                name = request.session[SESSION_KEY] = profile.time_zone if profile else ""
        if name:
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL character in the query string is a 400. No identifier contains one, PostgreSQL's
    text cannot hold one, and a view reading `request.GET` directly (the search box, admin's
    search) would otherwise pass it to the database. Forms already refuse NUL in posted
    fields."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
            message = "NUL characters are not accepted in the address."
            if request.path.startswith("/api/"):  # the API answers in JSON, this too
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message + "\n", content_type="text/plain")
        return self.get_response(request)
