from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


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


class ApiToken(models.Model):
    """One integration's key to the HTTP API (the order system, the helpdesk).

    Only a hash of the token is kept: the token itself is shown once, when it is made. The
    token carries `key_id` in the clear, so a request finds its row by an index lookup and
    then compares hashes in constant time.
    """

    class Scope(models.TextChoices):
        TRACK = "track", "Track allocations"
        READ = "read", "Read allocations and calls"
        REVEAL = "reveal", "See full numbers and PINs"

    name = models.CharField(max_length=100, help_text="Which integration holds it.")
    key_id = models.CharField("key ID", max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    use_count = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
