from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.http import HttpRequest

from .models import AccessLog


def access_log_record(
    *, request: HttpRequest, action: str, object_type: str, object_id: str, detail: str = ""
) -> AccessLog:
    """Write who did `action` to which object, when and from which address (the client's
    address as the trusted proxies report it, the same one login throttling uses)."""
    user = request.user if request.user.is_authenticated else None
    return AccessLog.objects.create(
        user=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail[:1000],
        ip_address=get_client_ip_address(request) or None,
    )
