from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import models

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Profile(models.Model):
    """A support person's preferences."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="console_profile"
    )
    time_zone = models.CharField(
        max_length=64,
        choices=TIME_ZONE_CHOICES,
        default=settings.TIME_ZONE,
        help_text="Times are shown in this zone, always with the offset.",
    )

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"
