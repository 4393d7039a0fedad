"""The state every process shares about Exotel: how each API is doing (breaker, credentials
alert), its recent errors, and the request budget and leases when Redis is not there.

Their tables keep the names they were created with."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ProviderState(models.Model):
    """How one Exotel API is doing, as every process of the deployment sees it: the circuit
    breaker and the credentials alert (a 401), with the last error for the health page."""

    class Api(models.TextChoices):
        GREENPIN = "greenpin", "GreenPin API"
        CALLS = "calls", "Call API"

    api = models.CharField(max_length=16, choices=Api.choices, primary_key=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # While in the future, requests fail fast; after it, one trial request is let through.
    circuit_open_until = models.DateTimeField(null=True, blank=True)
    trial_started_at = models.DateTimeField(null=True, blank=True)
    auth_failed_at = models.DateTimeField("credentials refused at", null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_kind = models.CharField(max_length=32, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "sync_providerstate"
        verbose_name = "provider state"

    def __str__(self) -> str:
        return self.get_api_display()

    @property
    def circuit_is_open(self) -> bool:
        return bool(self.circuit_open_until and self.circuit_open_until > timezone.now())

    @property
    def stale_since(self):
        """Since when data from this API may be stale: its last success, else its trouble."""
        return self.last_success_at or self.auth_failed_at or self.last_failure_at


class ProviderError(models.Model):
    """One failed Exotel request, kept for the health page's "errors in the last hour"."""

    api = models.CharField(max_length=16, choices=ProviderState.Api.choices)
    kind = models.CharField(max_length=32)
    message = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "sync_providererror"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.api} {self.kind}"


class Lease(models.Model):
    """A named lease (or counter) held until `expires_at`, for deployments without Redis."""

    name = models.CharField(max_length=200, unique=True)
    token = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "sync_lease"

    def __str__(self) -> str:
        return self.name


class RateLimitWindow(models.Model):
    """The row that serialises takers of the shared request budget (without Redis)."""

    name = models.CharField(max_length=32, primary_key=True)
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "sync_ratelimitwindow"

    def __str__(self) -> str:
        return self.name


class RequestSlot(models.Model):
    """One Exotel request inside the sliding window (without Redis)."""

    taken_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "sync_requestslot"

    def __str__(self) -> str:
        return f"{self.taken_at}"
