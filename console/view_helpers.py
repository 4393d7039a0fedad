"""What views turn requests and answers into: the values services take, and 404s."""

from __future__ import annotations

from typing import Any, TypeVar

from axes.helpers import get_client_ip_address
from django.http import Http404, HttpRequest

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
