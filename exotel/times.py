"""Exotel's timestamps: ISO 8601 with an offset (GreenPin) or `YYYY-MM-DD HH:MM:SS` in IST
without one (Voice v1). Both become aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings


def parse_exotel_time(value: object) -> datetime | None:
    """Aware UTC datetime for `value`, None for empty or "null"; ValueError when unreadable."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"timestamp is not a string: {value!r}")
    text = value.strip()
    if not text or text.lower() == "null":
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(settings.EXOTEL_TIME_ZONE))
    return parsed.astimezone(UTC)
