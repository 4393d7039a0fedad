from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone

from exotel.call_statuses import TERMINAL_STATUSES
from exotel.ids import exotel_id_validator


class LinkState(models.TextChoices):
    LINKED = "linked", "Linked"
    MANUAL = "manual", "Linked by hand"
    NO_CANDIDATE = "no_candidate", "Unmatched: no allocation fits"
    AMBIGUOUS = "ambiguous", "Unmatched: several allocations fit"
    PENDING = "pending", "Not tried yet"


UNMATCHED_STATES = (LinkState.NO_CANDIDATE, LinkState.AMBIGUOUS)
# An event that failed to apply this often is left for an admin (it shows its error).
MAX_APPLY_ATTEMPTS = 5


class Call(models.Model):
    """One call connected through a virtual number, as events and the Call API describe it."""

    sid = models.CharField("call SID", max_length=64, unique=True, validators=[exotel_id_validator])
    allocation = models.ForeignKey(
        "allocations.Allocation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    link_state = models.CharField(
        max_length=16, choices=LinkState.choices, default=LinkState.PENDING, db_index=True
    )
    greenpin_id = models.CharField("GreenPin ID (from events)", max_length=64, blank=True)
    from_number = models.CharField(max_length=20, blank=True, db_index=True)
    to_number = models.CharField(max_length=20, blank=True, db_index=True)
    status = models.CharField(max_length=16, blank=True)
    start_time = models.DateTimeField(null=True, blank=True)
    end_time = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField("duration (s)", null=True, blank=True)
    talk_duration = models.PositiveIntegerField("talk time (s)", null=True, blank=True)
    price = models.CharField("price (INR)", max_length=16, blank=True)
    direction = models.CharField(max_length=32, blank=True)
    # The provider's private URL: fetched by the server, never shown to a browser.
    recording_url = models.URLField(max_length=1000, blank=True)
    # The party Exotel bridged the caller to (GreenPin events' `to`); the Call API and the
    # status callbacks name only the virtual number for a call into it.
    bridged_to = models.CharField("bridged to", max_length=20, blank=True)
    # How each leg ended, in Exotel's words (the Call API's Leg1Status/Leg2Status, the status
    # callbacks' Legs, GreenPin's dial_call_status): the only reason Exotel gives for a call
    # that did not connect. Leg 1 is the caller's call into the virtual number, leg 2 the call
    # out to the other party.
    leg1_status = models.CharField("caller's leg", max_length=16, blank=True)
    leg2_status = models.CharField("bridged leg", max_length=16, blank=True)
    custom_field = models.TextField(blank=True)
    order_id = models.CharField("order ID", max_length=256, blank=True, db_index=True)
    raw_payload = models.JSONField(null=True, blank=True, editable=False)

    first_seen_at = models.DateTimeField(default=timezone.now, editable=False)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_sync_error = models.TextField(blank=True)
    # When the linking rule last ran; an allocation synced since may now fit an unmatched call.
    link_checked_at = models.DateTimeField(null=True, blank=True)
    pull_attempts = models.PositiveIntegerField(default=0)
    # When the Call API should be asked again; null once the call is complete.
    next_pull_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set while one process pulls it, so no two pull it at once.
    pull_claim = models.CharField(max_length=64, blank=True)
    pull_claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_time", "-id"]
        indexes = [
            models.Index(fields=["allocation", "start_time"], name="call_allocation_start"),
            models.Index(fields=["start_time"], name="call_start_time"),
        ]
        permissions = [
            ("play_recording", "Can play call recordings"),
            ("export_calls", "Can export calls as CSV"),
        ]

    def __str__(self) -> str:
        return self.sid

    def get_absolute_url(self) -> str:
        return reverse("calls:detail", kwargs={"sid": self.sid})

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_complete_for_pull(self) -> bool:
        """Nothing more will come from the Call API: terminal, timed, and recorded if answered."""
        if not self.is_terminal or self.duration is None:
            return False
        return self.status != "completed" or bool(self.recording_url)

    @property
    def ring_duration(self) -> int | None:
        if self.duration is None or self.talk_duration is None:
            return None
        return max(0, self.duration - self.talk_duration)

    @property
    def has_recording(self) -> bool:
        return bool(self.recording_url)


class CallEvent(models.Model):
    """One accepted webhook delivery, stored raw before anything else happens to it."""

    call_sid = models.CharField(max_length=64, db_index=True)
    # Set when the event is applied; until then only its SID ties it to a call.
    call = models.ForeignKey(
        Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    fingerprint = models.CharField(max_length=64, unique=True)
    shape = models.CharField(max_length=16)
    event_type = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, blank=True)
    sent_at = models.DateTimeField("sent by Exotel", null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    payload = models.JSONField()
    applied_at = models.DateTimeField(null=True, blank=True)
    apply_error = models.TextField(blank=True)
    apply_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=models.Q(applied_at__isnull=True),
                name="call_event_unapplied",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type or self.status or 'event'} for {self.call_sid}"
