from __future__ import annotations

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from exotel.request_guard import alerts


def provider_alerts(request) -> dict:
    """The credentials alert and open circuits, for the banner on every page: one query per
    request, and only when a template looks (table cells render with this context too)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    if not hasattr(request, "_provider_alerts"):
        request._provider_alerts = SimpleLazyObject(alerts)
    return {"provider_alerts": request._provider_alerts}


def party_labels(request) -> dict:
    """What the deployment calls the two sides of an allocation (`Delivery agent`,
    `Customer`), for every page, table and filter that names a party."""
    return {"party_labels": {"A": settings.A_PARTY_LABEL, "B": settings.B_PARTY_LABEL}}
