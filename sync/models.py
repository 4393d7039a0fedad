from __future__ import annotations

from django.db import models
from django.utils import timezone


class SyncRun(models.Model):
    """One periodic or command sync pass: when, and how it ended."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped"
        SKIPPED = "skipped", "Skipped (another pass was running)"

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        permissions = [("view_health", "Can view the sync health page")]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M:%S} {self.outcome}"
