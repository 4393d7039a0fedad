from __future__ import annotations

from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils import timezone

from allocations.models import Allocation, Party
from allocations.services import TrackResult, allocation_queue_refresh, allocation_track_each
from exotel.ids import is_exotel_id

from ..call_parties import side_label
from ..forms import MAX_TRACK_IDS, greenpin_ids_from_text
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


class AllocationTrackForm(forms.ModelForm):
    """Admin's "add allocation": one or several GreenPin IDs to track."""

    greenpin_id = forms.CharField(
        label="GreenPin IDs",
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=f"One per line (spaces and commas separate them too), at most "
        f"{MAX_TRACK_IDS:,}. Each is mirrored from now on and fetched from Exotel at once.",
    )

    class Meta:
        model = Allocation
        fields = ("greenpin_id",)

    def clean_greenpin_id(self) -> str:
        self.greenpin_ids = greenpin_ids_from_text(self.cleaned_data["greenpin_id"])
        invalid = [gid for gid in self.greenpin_ids if not is_exotel_id(gid)]
        if invalid:
            shown = ", ".join(repr(gid[:80]) for gid in invalid[:5])
            raise forms.ValidationError(
                f"Letters, digits, '_' and '-' only, at most 64 of them. Not GreenPin IDs: {shown}"
                + (f" and {len(invalid) - 5} more" if len(invalid) > 5 else "")
            )
        return self.greenpin_ids[0]

    def validate_unique(self) -> None:
        # An ID already tracked is no mistake: it is reported as such, not refused.
        return None


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
        # Adding an allocation means tracking GreenPin IDs; Exotel supplies the rest.
        return ("greenpin_id",) if obj is None else super().get_fields(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AllocationTrackForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj=None):
        return [] if obj is None else super().get_inlines(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        outcomes = allocation_track_each(greenpin_ids=form.greenpin_ids)
        # The admin's "added" entry and its message name the first; the rest are summed up.
        obj.pk = outcomes[0].allocation_id
        request.tracked_outcomes = outcomes

    def response_add(self, request, obj, post_url_continue=None):
        outcomes = getattr(request, "tracked_outcomes", [])
        if len(outcomes) <= 1:
            return super().response_add(request, obj, post_url_continue)
        counts = Counter(outcome.result for outcome in outcomes)
        self.message_user(
            request,
            f"Tracked {counts[TrackResult.TRACKED]} new allocation(s); "
            f"{counts[TrackResult.ALREADY_TRACKED]} were already tracked. "
            "Workers fetch the new ones from Exotel now.",
            messages.SUCCESS,
        )
        return redirect("admin:allocations_allocation_changelist")

    @admin.action(description="Refresh from Exotel now")
    def refresh_now(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        allocation_queue_refresh(allocation_ids=ids)
        self.message_user(
            request, f"Queued {len(ids)} allocation(s) for a refresh from Exotel.", messages.INFO
        )
