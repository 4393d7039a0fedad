from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from allocations.models import Allocation, Party
from allocations.services import allocation_queue_refresh, allocation_track_and_refresh

from ..call_parties import side_label
from .mixins import MaskingAdminMixin, PhoneNumberSearchMixin

# What Exotel owns: the next sync would overwrite any edit, so admins may not make one.
MIRRORED_FIELDS = (
    "greenpin_id",
    "tenant_id",
    "virtual_number",
    "pin",
    "status",
    "created_at",
    "expires_at",
    "call_count",
    "custom_field",
    "order_id",
    "raw_payload",
    "tracked_at",
    "last_synced_at",
    "last_sync_attempt_at",
    "last_sync_error",
    "last_sync_error_kind",
    "sync_failures",
    "deleted_at",
    "calls_checked_at",
    "calls_check_error",
)


class PartyInline(MaskingAdminMixin, admin.TabularInline):
    model = Party
    fields = ("party", "number", "position")
    readonly_fields = fields
    number_fields = ("number",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="side")
    def party(self, obj: Party) -> str:
        return side_label(obj.side)


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [("future", "Not yet expired"), ("past", "Expired"), ("none", "No expiry known")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "future":
            return queryset.filter(expires_at__gt=now)
        if self.value() == "past":
            return queryset.filter(expires_at__lte=now)
        if self.value() == "none":
            return queryset.filter(expires_at__isnull=True)
        return queryset


@admin.register(Allocation)
class AllocationAdmin(MaskingAdminMixin, PhoneNumberSearchMixin, admin.ModelAdmin):
    list_display = (
        "greenpin_id",
        "order_id",
        "status",
        "virtual_number",
        "expires_at",
        "call_count",
        "last_synced_at",
        "last_sync_error_kind",
    )
    list_filter = ("status", ExpiryFilter, "last_sync_error_kind")
    # Exact matches ("=") keep every search an index lookup on tables of millions of rows.
    search_fields = ("=greenpin_id", "=order_id", "=virtual_number", "=parties__number")
    phone_search_fields = ("virtual_number", "parties__number")
    number_fields = ("virtual_number",)
    pin_fields = ("pin",)
    payload_fields = ("raw_payload",)
    readonly_fields = MIRRORED_FIELDS
    fields = (*MIRRORED_FIELDS, "next_sync_at")
    inlines = [PartyInline]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["refresh_now"]

    def get_fields(self, request, obj=None):
        # Adding an allocation means tracking a GreenPin ID; Exotel supplies the rest.
        return ("greenpin_id",) if obj is None else super().get_fields(request, obj)

    def get_inlines(self, request, obj=None):
        return [] if obj is None else super().get_inlines(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        (tracked,) = allocation_track_and_refresh(greenpin_ids=[obj.greenpin_id])
        obj.pk = tracked.pk

    @admin.action(description="Refresh from Exotel now")
    def refresh_now(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        allocation_queue_refresh(allocation_ids=ids)
        self.message_user(
            request, f"Queued {len(ids)} allocation(s) for a refresh from Exotel.", messages.INFO
        )
