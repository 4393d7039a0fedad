"""What the API takes and gives. Numbers and PINs are masked unless the token has the
`reveal` scope (`context["reveal"]`); recordings are links to the console's own stream."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from allocations.models import Allocation, AllocationStatus, Party
from allocations.services import TrackResult
from calls.models import Call
from exotel.ids import MAX_ID_LENGTH, exotel_id_validator, is_exotel_id
from exotel.phones import normalize_phone

from ..masking import mask_phone, mask_pin

MAX_TRACK_IDS = 1000


class ExotelIdField(serializers.CharField):
    """A GreenPin ID exactly as Exotel issues it: a JSON string (not a number) of letters,
    digits, `_` and `-`, at most 64, nothing trimmed."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=MAX_ID_LENGTH,
            trim_whitespace=False,
            validators=[exotel_id_validator],
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class TrackSerializer(serializers.Serializer):
    greenpin_ids = serializers.ListField(
        child=ExotelIdField(),
        min_length=1,
        max_length=MAX_TRACK_IDS,
        help_text=f"1 to {MAX_TRACK_IDS:,} GreenPin IDs, each 1 to {MAX_ID_LENGTH} letters, "
        "digits, '_' or '-'. One that is not makes the whole request a 400: nothing is tracked.",
    )


class TrackOutcomeSerializer(serializers.Serializer):
    greenpin_id = serializers.CharField()
    result = serializers.ChoiceField(
        choices=[TrackResult.TRACKED, TrackResult.ALREADY_TRACKED, TrackResult.INVALID],
        help_text="tracked: new, fetched from Exotel by a worker now; already_tracked: "
        "mirrored already, refreshed on its schedule; invalid: Exotel has answered that it has "
        "no allocation with this ID.",
    )


class TrackResponseSerializer(serializers.Serializer):
    results = TrackOutcomeSerializer(many=True, help_text="One per ID given, in order.")


class AllocationFilterSerializer(serializers.Serializer):
    """The list's query: exactly one of the three filters, a phone number in E.164."""

    order_id = serializers.CharField(max_length=256, required=False, trim_whitespace=False)
    greenpin_id = serializers.CharField(max_length=64, required=False, trim_whitespace=False)
    phone = serializers.CharField(max_length=64, required=False)

    def validate_greenpin_id(self, value: str) -> str:
        if not is_exotel_id(value):
            raise ValidationError("Not a GreenPin ID (letters, digits, '_', '-', at most 64).")
        return value

    def validate_phone(self, value: str) -> str:
        number = normalize_phone(value)
        if not number:
            raise ValidationError("Not a phone number.")
        return number

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if len(attrs) != 1:
            raise ValidationError("Give exactly one of order_id, greenpin_id and phone.")
        return attrs


class _Revealing(serializers.Serializer):
    def number(self, value: str) -> str:
        return value if self.context.get("reveal") else mask_phone(value)


class AllocationSerializer(_Revealing):
    greenpin_id = serializers.CharField()
    order_id = serializers.CharField(help_text="Empty when its custom field names none.")
    status = serializers.ChoiceField(choices=AllocationStatus.choices)
    virtual_number = serializers.SerializerMethodField()
    pin = serializers.SerializerMethodField()
    a_parties = serializers.SerializerMethodField()
    b_parties = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    deleted_at = serializers.DateTimeField(allow_null=True)
    call_count = serializers.IntegerField(help_text="Calls Exotel counted.")
    last_synced_at = serializers.DateTimeField(
        allow_null=True, help_text="When the mirror last heard from Exotel about it."
    )
    last_sync_error_kind = serializers.CharField(help_text="Empty when the last sync worked.")
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    @extend_schema_field(
        {"type": "string", "description": "E.164; masked (`+91 99XXX XX345`) without reveal."}
    )
    def get_virtual_number(self, allocation: Allocation) -> str:
        return self.number(allocation.virtual_number)

    @extend_schema_field({"type": "string", "description": "Hidden (`••••`) without reveal."})
    def get_pin(self, allocation: Allocation) -> str:
        return allocation.pin if self.context.get("reveal") else mask_pin(allocation.pin)

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_a_parties(self, allocation: Allocation) -> list[str]:
        return self._parties(allocation, Party.Side.A)

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_b_parties(self, allocation: Allocation) -> list[str]:
        return self._parties(allocation, Party.Side.B)

    def _parties(self, allocation: Allocation, side: str) -> list[str]:
        # Prefetched: filtering in Python keeps a page of rows at one query for its parties.
        return [self.number(p.number) for p in allocation.parties.all() if p.side == side]

    @extend_schema_field(
        {"type": "string", "format": "uri", "description": "This allocation in the API."}
    )
    def get_url(self, allocation: Allocation) -> str:
        path = reverse("api:allocation", kwargs={"greenpin_id": allocation.greenpin_id})
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(
        {"type": "string", "format": "uri", "description": "Its page in the console."}
    )
    def get_page_url(self, allocation: Allocation) -> str:
        return self.context["request"].build_absolute_uri(allocation.get_absolute_url())


class CallSerializer(_Revealing):
    sid = serializers.CharField()
    greenpin_id = serializers.SerializerMethodField()
    status = serializers.CharField()
    direction = serializers.CharField()
    from_number = serializers.SerializerMethodField()
    to_number = serializers.SerializerMethodField()
    start_time = serializers.DateTimeField(allow_null=True)
    end_time = serializers.DateTimeField(allow_null=True)
    duration = serializers.IntegerField(allow_null=True, help_text="Seconds, ringing included.")
    talk_duration = serializers.IntegerField(allow_null=True, help_text="Seconds.")
    recording_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "string",
            "nullable": True,
            "description": "The allocation it went through; null while it is unmatched.",
        }
    )
    def get_greenpin_id(self, call: Call) -> str | None:
        return call.allocation.greenpin_id if call.allocation is not None else None

    @extend_schema_field({"type": "string", "description": "Masked without reveal."})
    def get_from_number(self, call: Call) -> str:
        return self.number(call.from_number)

    @extend_schema_field({"type": "string", "description": "Masked without reveal."})
    def get_to_number(self, call: Call) -> str:
        return self.number(call.to_number)

    @extend_schema_field(
        {
            "type": "string",
            "format": "uri",
            "nullable": True,
            "description": "The console's stream of the recording (a console login with the "
            "play permission; each play audited); null while there is none.",
        }
    )
    def get_recording_url(self, call: Call) -> str | None:
        if not call.has_recording:
            return None
        path = reverse("calls:recording", kwargs={"sid": call.sid})
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, call: Call) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:call", kwargs={"sid": call.sid})
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, call: Call) -> str:
        return self.context["request"].build_absolute_uri(call.get_absolute_url())


class AllocationDetailSerializer(AllocationSerializer):
    calls = serializers.SerializerMethodField()
    more_calls = serializers.SerializerMethodField()

    @extend_schema_field(CallSerializer(many=True))
    def get_calls(self, allocation: Allocation) -> list[dict]:
        calls = self.context["calls"][: self.context["calls_limit"]]
        return CallSerializer(calls, many=True, context=self.context).data

    @extend_schema_field(
        {
            "type": "boolean",
            "description": "It has more calls than the latest ones listed (its page has all).",
        }
    )
    def get_more_calls(self, allocation: Allocation) -> bool:
        return len(self.context["calls"]) > self.context["calls_limit"]


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class FieldErrorsSerializer(serializers.Serializer):
    """A 400: what was wrong, per field (`greenpin_ids`, or an index within it)."""

    detail = serializers.CharField(required=False, help_text="When the body is not JSON.")
    greenpin_ids = serializers.JSONField(required=False)
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)
