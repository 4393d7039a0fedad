from __future__ import annotations

import zoneinfo

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
