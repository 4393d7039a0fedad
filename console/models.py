from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def time_zone_choices() -> list[tuple[str, str]]:
    """The zones this machine's tz database knows, read when asked: frozen into a migration,
    a tzdata update would look like a model change."""
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def validate_time_zone(name: str) -> None:
    if name not in zoneinfo.available_timezones():
        raise ValidationError("%(name)s is not a known time zone.", params={"name": name})


class Profile(models.Model):
    """A support person's preferences."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="console_profile"
    )
    time_zone = models.CharField(
        max_length=64,
        validators=[validate_time_zone],
        default=settings.TIME_ZONE,
        help_text="Times are shown in this zone, always with the offset.",
    )

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"
