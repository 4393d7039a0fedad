from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from allocations.models import Allocation
from audit.models import AccessLog
from audit.services import access_log_record
from calls.models import UNMATCHED_STATES, Call, CallEvent
from calls.selectors import LinkReason, call_link_candidates
from calls.services import call_link_manually, call_relink

from ..call_parties import call_parties, who_called_whom
from ..view_helpers import who
from .mixins import MaskingAdminMixin, PhoneNumberSearchMixin, pretty_payload

# The provider's private recording URL never reaches a browser; numbers only for those who
# may see them.
RECORDING_KEYS = {"RecordingUrl", "recording_url", "PreSignedRecordingUrl"}
NUMBER_KEYS = {"From", "To", "from", "to", "vn", "PhoneNumberSid", "ForwardedFrom", "CallerName"}


class CallEventInline(admin.TabularInline):
    model = CallEvent
    fields = ("received_at", "sent_at", "event_type", "status", "shape", "applied_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class MatchFilter(admin.SimpleListFilter):
    title = "link"
    parameter_name = "match"

    def lookups(self, request, model_admin):
        return [("unmatched", "Unmatched (no or several candidates)"), ("linked", "Linked")]

    def queryset(self, request, queryset):
        if self.value() == "unmatched":
            return queryset.filter(link_state__in=UNMATCHED_STATES)
        if self.value() == "linked":
            return queryset.filter(allocation__isnull=False)
        return queryset


REASON_WORDS = {
    LinkReason.FITS: "fits the rule",
    LinkReason.SEVERAL_FIT: "fits, as do others",
    LinkReason.OUTSIDE_LIFETIME: "outside its lifetime",
    LinkReason.CUSTOM_FIELD_DIFFERS: "custom field differs",
    LinkReason.CALLER_NOT_A_PARTY: "caller not a party",
}


def _allocation_name(allocation: Allocation) -> str:
    order = f"order {allocation.order_id} · " if allocation.order_id else ""
    return f"{order}{allocation.greenpin_id}"


def allocation_field_for(call: Call) -> forms.ModelChoiceField:
    """The call's allocation as a choice among those that could have taken it (its virtual
    number, live at its start) first, then the nearest others on its number, each named by
    its order ID and GreenPin ID with what the linking rule made of it."""
    candidates = call_link_candidates(call=call)
    possible = [c for c in candidates if c.possible]
    others = [c for c in candidates if not c.possible]
    listed = {c.allocation.pk for c in candidates}
    current = call.allocation if call.allocation_id not in listed else None

    def choice(candidate) -> tuple[int, str]:
        reasons = ", ".join(REASON_WORDS[reason] for reason in candidate.reasons)
        return candidate.allocation.pk, f"{_allocation_name(candidate.allocation)} ({reasons})"

    groups: list = [("", "— none: link again by the automatic rule —")]
    if possible:
        groups.append(("Could have taken it (its virtual number, live at its start)", []))
        groups[-1][1].extend(choice(c) for c in possible)
    other_choices = [choice(c) for c in others]
    if current is not None:
        other_choices.insert(0, (current.pk, f"{_allocation_name(current)} (linked now)"))
    if other_choices:
        groups.append(("Other allocations", other_choices))
    field = forms.ModelChoiceField(
        queryset=Allocation.objects.filter(pk__in=[*listed, call.allocation_id]),
        required=False,
        label="Allocation",
        help_text="Only allocations on the call's virtual number near its start are offered.",
    )
    field.choices = groups
    return field


@admin.register(Call)
class CallAdmin(MaskingAdminMixin, PhoneNumberSearchMixin, admin.ModelAdmin):
    list_display = (
        "sid",
        "start_time",
        "who_called_whom",
        "from_number",
        "to_number",
        "status",
        "duration",
        "allocation_order",
        "link_state",
    )
    list_filter = (MatchFilter, "link_state", "status")
    list_select_related = ("allocation",)
    search_fields = ("=sid", "=from_number", "=to_number", "=order_id", "=allocation__greenpin_id")
    phone_search_fields = ("from_number", "to_number")
    number_fields = ("from_number", "to_number", "bridged_to", "provider_payload")
    date_hierarchy = "start_time"
    show_full_result_count = False
    actions = ["relink"]
    inlines = [CallEventInline]
    # Only the link is the admin's to set; everything else is what Exotel said.
    readonly_fields = (
        "sid",
        "link_state",
        "greenpin_id",
        "from_number",
        "to_number",
        "bridged_to",
        "status",
        "leg1_status",
        "leg2_status",
        "start_time",
        "end_time",
        "duration",
        "talk_duration",
        "price",
        "direction",
        "custom_field",
        "order_id",
        "provider_payload",
        "first_seen_at",
        "last_synced_at",
        "last_sync_error",
        "link_checked_at",
        "linked_by",
        "linked_at",
        "recording_error",
        "recording_error_detail",
        "recording_checked_at",
        "pull_attempts",
        "next_pull_at",
        # Which process is pulling it right now: the pull's own bookkeeping.
        "pull_claim",
        "pull_claimed_until",
    )
    exclude = ("recording_url", "raw_payload")

    @admin.display(description="allocation", ordering="allocation__order_id")
    def allocation_order(self, obj: Call) -> str:
        return _allocation_name(obj.allocation) if obj.allocation else "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "allocation" in form.base_fields:
            form.base_fields["allocation"] = allocation_field_for(obj)
        return form

    def get_queryset(self, request):
        # Who called whom reads the allocation's parties: one query for the whole page.
        return super().get_queryset(request).prefetch_related("allocation__parties")

    @admin.display(description="who called whom")
    def who_called_whom(self, obj: Call) -> str:
        return who_called_whom(call_parties(obj))

    @admin.display(description="Call API payload")
    def provider_payload(self, obj: Call) -> str:
        return pretty_payload(obj.raw_payload, hide=RECORDING_KEYS)

    @admin.display(description="Call API payload")
    def provider_payload_masked(self, obj: Call) -> str:
        return pretty_payload(obj.raw_payload, hide=RECORDING_KEYS | NUMBER_KEYS)

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if "allocation" in form.changed_data:
            allocation = form.cleaned_data["allocation"]
            call_link_manually(call=obj, allocation=allocation, user=request.user)
            access_log_record(
                **who(request),
                action=AccessLog.Action.LINK_CALL,
                object_type="call",
                object_id=obj.sid,
                detail=(
                    f"linked to allocation {_allocation_name(allocation)} in admin"
                    if allocation
                    else "unlinked in admin, for the automatic rule to link again"
                ),
            )

    @admin.action(description="Link again by the automatic rule")
    def relink(self, request, queryset):
        states = [call_relink(call=call).get_link_state_display() for call in queryset]
        self.message_user(
            request,
            f"Re-linked {len(states)} call(s): "
            + ", ".join(f"{states.count(s)} {s.lower()}" for s in sorted(set(states))),
            messages.INFO,
        )


@admin.register(CallEvent)
class CallEventAdmin(MaskingAdminMixin, admin.ModelAdmin):
    list_display = ("received_at", "call_sid", "event_type", "status", "shape", "applied_at")
    number_fields = ("delivered_payload",)
    list_filter = ("shape", "event_type", "status")
    search_fields = ("=call_sid",)
    readonly_fields = (
        "call_sid",
        "fingerprint",
        "shape",
        "event_type",
        "status",
        "sent_at",
        "received_at",
        "delivered_payload",
        "applied_at",
        "apply_error",
        "apply_attempts",
    )
    exclude = ("payload", "call")
    date_hierarchy = "received_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="payload")
    def delivered_payload(self, obj: CallEvent) -> str:
        return pretty_payload(obj.payload, hide=RECORDING_KEYS)

    @admin.display(description="payload")
    def delivered_payload_masked(self, obj: CallEvent) -> str:
        return pretty_payload(obj.payload, hide=RECORDING_KEYS | NUMBER_KEYS)
