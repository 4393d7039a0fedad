from __future__ import annotations

from django.db import models
from django.db.models import CharField, Func
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from exotel.ids import exotel_id_validator


class ReversedNumber(Func):
    """A phone number read backwards: "ends with these digits" becomes "starts with them",
    which a b-tree index on this expression answers as a range.

    Compared byte by byte (the C collation on PostgreSQL, SQLite's own default), so the range
    holds exactly the numbers with that ending whatever the database's collation."""

    function = "REVERSE"
    arity = 1
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template='(%(function)s(%(expressions)s) COLLATE "C")',
            **extra_context,
        )


class AllocationStatus(models.TextChoices):
    PENDING = "pending", "Not fetched yet"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    DELETED = "deleted", "Deleted"
    MISSING = "missing", "Missing at Exotel"


class Allocation(models.Model):
    """The local mirror of one GreenPin allocation, as Exotel last described it."""

    greenpin_id = models.CharField(
        "GreenPin ID", max_length=64, unique=True, validators=[exotel_id_validator]
    )
    tenant_id = models.CharField(max_length=64)
    virtual_number = models.CharField(max_length=20, blank=True, db_index=True)
    pin = models.CharField("PIN", max_length=16, blank=True)
    status = models.CharField(
        max_length=16, choices=AllocationStatus.choices, default=AllocationStatus.PENDING
    )
    created_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Exotel's GET does not say when an allocation was deleted: the first sync that sees it.
    deleted_at = models.DateTimeField(null=True, blank=True)
    call_count = models.PositiveIntegerField(default=0)
    custom_field = models.TextField(blank=True)
    order_id = models.CharField("order ID", max_length=256, blank=True, db_index=True)
    raw_payload = models.JSONField(null=True, blank=True, editable=False)

    tracked_at = models.DateTimeField(default=timezone.now, editable=False)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_sync_attempt_at = models.DateTimeField(null=True, blank=True)
    last_sync_error = models.TextField(blank=True)
    last_sync_error_kind = models.CharField(max_length=32, blank=True)
    sync_failures = models.PositiveIntegerField("consecutive sync failures", default=0)
    # When the mirror should ask Exotel again; null once nothing more can change.
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set while one process refreshes it, so no two refresh it at once.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    # When its calls were last looked up in the Call API because call_count ran ahead of them.
    calls_checked_at = models.DateTimeField(null=True, blank=True)
    calls_check_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="allocation_status_expiry"),
            # Linking a call reads the allocations on its virtual number alive at its start:
            # on a busy number that is a few rows of this index, not thousands.
            models.Index(fields=["virtual_number", "expires_at"], name="allocation_vn_expiry"),
            # The search: IDs in any case, numbers by their last digits, and each ordering the
            # results offer read from an index, alone or after a virtual number, so the newest
            # 25 of 100,000 matches are the first 25 entries, never a sort of all of them.
            models.Index(Lower("order_id"), name="allocation_order_id_lower"),
            models.Index(Lower("greenpin_id"), name="allocation_greenpin_id_lower"),
            models.Index(ReversedNumber("virtual_number"), name="allocation_vn_reversed"),
            models.Index(fields=["created_at", "id"], name="allocation_created"),
            models.Index(fields=["expires_at", "id"], name="allocation_expires"),
            models.Index(
                fields=["virtual_number", "created_at", "id"], name="allocation_vn_created"
            ),
        ]
        permissions = [
            ("refresh_now", "Can ask for an immediate refresh from Exotel"),
            ("view_pin", "Can reveal PINs"),
            ("view_full_number", "Can reveal full phone numbers"),
            ("export_allocations", "Can export search results"),
            ("track_allocation", "Can start mirroring allocations from the console"),
        ]

    def __str__(self) -> str:
        return self.greenpin_id

    def get_absolute_url(self) -> str:
        return reverse("allocations:detail", kwargs={"greenpin_id": self.greenpin_id})

    @property
    def a_parties(self) -> list[Party]:
        return [party for party in self.parties.all() if party.side == Party.Side.A]

    @property
    def b_parties(self) -> list[Party]:
        return [party for party in self.parties.all() if party.side == Party.Side.B]

    @property
    def ended_at(self):
        """When its lifetime ended (expiry or deletion, whichever came first), if it has."""
        ends = [t for t in (self.expires_at, self.deleted_at) if t]
        return min(ends) if ends else None

    @property
    def is_final(self) -> bool:
        """Nothing Exotel says can change any more: no refresh is scheduled."""
        return self.status != AllocationStatus.PENDING and self.next_sync_at is None

    def is_stale(self, *, after_seconds: int) -> bool:
        if self.is_final:
            return False
        if self.last_synced_at is None:
            return True
        return (timezone.now() - self.last_synced_at).total_seconds() > after_seconds

    @property
    def is_live(self) -> bool:
        return self.status == AllocationStatus.ACTIVE and (
            self.expires_at is None or self.expires_at > timezone.now()
        )


class Party(models.Model):
    """One phone number on one side of an allocation: a row each, so a phone search is an
    index lookup."""

    class Side(models.TextChoices):
        # Pages name each side by A_PARTY_LABEL / B_PARTY_LABEL; either side may call.
        A = "A", "A-party"
        B = "B", "B-party"

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(max_length=1, choices=Side.choices)
    number = models.CharField(max_length=20, db_index=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["side", "position"]
        verbose_name_plural = "parties"
        constraints = [
            models.UniqueConstraint(
                fields=["allocation", "side", "number"], name="party_unique_per_side"
            )
        ]
        # A number's last digits find its allocations (see ReversedNumber).
        indexes = [models.Index(ReversedNumber("number"), name="party_number_reversed")]

    def __str__(self) -> str:
        return f"{self.side}-party of {self.allocation_id}"
