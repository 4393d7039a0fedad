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


def access_log_record_many(
    *,
    user: Any,
    ip_address: str | None,
    action: str,
    objects: list[tuple[str, str]],
    detail: str = "",
) -> None:
    """`access_log_record` for several objects (`(object_type, object_id)` pairs) of one
    action at once, in one INSERT: a bulk lookup of 500 numbers writes 500 rows in one go."""
    who = user if user is not None and user.is_authenticated else None
    AccessLog.objects.bulk_create(
        AccessLog(
            user=who,
            action=action,
            object_type=object_type,
            object_id=object_id[:128],
            detail=detail[:1000],
            ip_address=ip_address or None,
        )
        for object_type, object_id in objects
    )
