from __future__ import annotations

from collections.abc import Sequence
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
    ip_address: str | None,
    action: str,
    object_type: str,
    object_ids: Sequence[str],
    detail: str = "",
) -> None:
    """The same as `access_log_record` for a row per object, written in one INSERT, by no
    person (a system acting with its own credentials, named in `detail`)."""
    AccessLog.objects.bulk_create(
        AccessLog(
            action=action,
            object_type=object_type,
            object_id=object_id[:128],
            detail=detail[:1000],
            ip_address=ip_address or None,
        )
        for object_id in object_ids
    )
