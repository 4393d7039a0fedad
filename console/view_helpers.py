"""What views turn requests and answers into: the values services take, and 404s."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, TypeVar

from axes.helpers import get_client_ip_address
from django.http import Http404, HttpRequest, QueryDict

T = TypeVar("T")


def who(request: HttpRequest) -> dict[str, Any]:
    """`user` and `ip_address` of the request: the client's address as the trusted proxies
    report it, the same one login throttling uses."""
    return {"user": request.user, "ip_address": get_client_ip_address(request) or None}


def or_404(found: T | None) -> T:
    """What a selector found, or a 404 page when it found nothing."""
    if found is None:
        raise Http404("not found")
    return found


def date_presets(params: QueryDict, *, after: str, before: str, today: date) -> list[dict]:
    """Today, Yesterday, Last 7 days, Last 30 days for a date range filtered by the query
    parameters `after` and `before`: links keeping every other filter, the current one
    marked."""
    ranges = [
        ("Today", today, today),
        ("Yesterday", today - timedelta(days=1), today - timedelta(days=1)),
        ("Last 7 days", today - timedelta(days=6), today),
        ("Last 30 days", today - timedelta(days=29), today),
    ]
    presets = []
    for label, first, last in ranges:
        query = params.copy()
        query.pop("page", None)
        query[after], query[before] = first.isoformat(), last.isoformat()
        current = [params.get(after), params.get(before)] == [first.isoformat(), last.isoformat()]
        presets.append({"label": label, "query": query.urlencode(), "current": current})
    return presets
