from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AccessLog(models.Model):
    """Who saw or took something sensitive: a recording, a full number, a PIN, an export."""

    class Action(models.TextChoices):
        PLAY_RECORDING = "play_recording", "Played a recording"
        REVEAL_NUMBER = "reveal_number", "Revealed a full number"
        REVEAL_PIN = "reveal_pin", "Revealed a PIN"
        EXPORT = "export", "Exported data"
        RECORDING_REFUSED = "recording_refused", "Recording URL refused"
        SEARCH_NUMBER = "search_number", "Searched a phone number"
        LINK_CALL = "link_call", "Linked a call to an allocation"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=128, db_index=True)
    detail = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        # django-axes lists its own "Access logs" (logins) in admin; this is the console's
        # audit trail, under the name the console gives it.
        verbose_name = "audit trail entry"
        verbose_name_plural = "audit trail"

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_type} {self.object_id}"
