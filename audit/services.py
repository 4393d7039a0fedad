from __future__ import annotations

from typing import Any

from .models import AccessLog


def access_log_record(
    *,
    user: Any,
    ip_address: str | None,
    action: str,
    object_type: str,
    object_id: str,
    detail: str = "",
) -> AccessLog:
    """Write who (`user`, anonymous or not) did `action` to which object, when and from which
    address."""
    return AccessLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail[:1000],
        ip_address=ip_address or None,
    )
