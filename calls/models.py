from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
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


class RecordingProblem(models.TextChoices):
    """Why the last attempt to fetch a call's recording served nothing."""

    REFUSED = "refused", "Refused by the recording settings"
    NOT_FOUND = "not_found", "Exotel has no such recording"
    EXOTEL_ERROR = "exotel_error", "Exotel did not serve it"


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
    # The last failure to fetch it (cleared by a fetch that serves it): what the page says
    # where the player would be, and for a refusal the folder /health/ tells operators to allow.
    recording_error = models.CharField(max_length=16, choices=RecordingProblem.choices, blank=True)
    recording_error_detail = models.CharField(max_length=300, blank=True)
    recording_checked_at = models.DateTimeField(null=True, blank=True)
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
    # Who linked it by hand, and when (empty for the automatic rule's links).
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linked_at = models.DateTimeField(null=True, blank=True)
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
            # The search finds a call SID typed in any case.
            models.Index(Lower("sid"), name="call_sid_lower"),
            # /health/ groups the refused recordings by folder without reading the others.
            models.Index(
                fields=["recording_error_detail"],
                condition=models.Q(recording_error="refused"),
                name="call_recording_refused",
            ),
        ]
        permissions = [
            ("play_recording", "Can play call recordings"),
            ("export_calls", "Can export calls as CSV"),
            ("link_call", "Can link an unmatched call to an allocation"),
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

    @property
    def recording_length(self) -> int | None:
        """How long the recording should be: Exotel records the conversation, so the talk
        time, else the whole call's duration."""
        return self.talk_duration or self.duration or None

    @property
    def recording_deadline(self) -> datetime:
        """Until when Exotel's recording of an answered call is waited for."""
        ended = self.end_time or self.start_time or self.first_seen_at
        return ended + timedelta(seconds=settings.CALL_RECORDING_DEADLINE)


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
