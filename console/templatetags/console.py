"""Display helpers shared by every page: phone numbers, PINs, times and durations."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, unquote_plus

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil

from calls.models import Call
from calls.selectors import RecordingState, call_recording_state
from console.masking import mask_phone, mask_pin
from exotel import call_api, greenpin
from exotel.call_statuses import FILTER_STATUSES, status_meaning
from exotel.phones import format_phone

register = template.Library()


@register.simple_tag
def status_badge(status: str, label: str = "", meaning: str | None = None) -> SafeString:
    """The one status badge: `status` picks its colour, `label` (default: the status) is what it
    says, and its tooltip says what it means: `meaning`, or for a call status shown as itself,
    the plain-language meaning of that status. A call Exotel has said nothing about yet is
    "pending"."""
    if meaning is None:
        meaning = "" if label else status_meaning(status)
    if not meaning:
        return format_html(
            '<span class="status status-{}">{}</span>',
            status or "pending",
            label or status or "unknown",
        )
    return format_html(
        '<span class="status status-{}" title="{}">{}</span>',
        status or "pending",
        meaning,
        label or status or "unknown",
    )


@register.simple_tag
def outcome_meanings() -> list[tuple[str, str]]:
    """Each outcome a call can have, with what it means, in the order lists show them."""
    return [(status, status_meaning(status)) for status in FILTER_STATUSES]


# What an allocation's status means for the agent on the phone.
ALLOCATION_STATUS_MEANINGS = {
    "pending": "not fetched from Exotel yet",
    "active": "the virtual number and PIN connect calls now",
    "expired": "its time ran out: the number and PIN no longer connect",
    "deleted": "deleted at Exotel: the number and PIN no longer connect",
    "missing": "Exotel no longer knows this allocation (it answered 404)",
}


@register.filter
def call_status_meaning(status: str) -> str:
    return status_meaning(status)


@register.filter
def allocation_status_meaning(status: str) -> str:
    return ALLOCATION_STATUS_MEANINGS.get(status, "")


@register.filter
def urldecoded(value: str) -> str:
    """A custom field as a person reads it: `order_id=ORD/4254`, not `ORD%2F4254`."""
    return unquote_plus(value or "")


@register.filter
def order_url(order_id: str) -> str:
    """The order's page in the order system (ORDER_URL_TEMPLATE), or "" when none is set.
    The ID is percent-encoded whole, so no ID can change where the link goes."""
    template = settings.ORDER_URL_TEMPLATE
    if not order_id or not template.startswith(("https://", "http://")):
        return ""
    return template.replace("{order_id}", quote(order_id, safe=""))


@register.filter
def stale_since(alerts) -> datetime | None:
    """The earliest moment from which any failing API's data may be stale."""
    moments = [state.stale_since for state in alerts if state.stale_since]
    return min(moments) if moments else None


@register.filter
def credential_settings(api: str) -> str:
    """The settings that hold an API's credentials, for the people who can change them."""
    return {"greenpin": greenpin.CREDENTIALS, "calls": call_api.CREDENTIALS}.get(api, "")


@register.filter
def phone(value: str, revealed: bool = False) -> str:
    """`+91 99XXX XX345`, or `+91 99000 12345` when `revealed` (the viewer revealed it)."""
    if not value:
        return ""
    return format_phone(value) if revealed else mask_phone(value)


@register.filter
def pin(value: str, revealed: bool = False) -> str:
    """`••••`, or the PIN itself when `revealed`."""
    return value if revealed else mask_pin(value)


@register.filter
def local_time(value: datetime | None, precision: str = "") -> str:
    """The one way a time is written, on pages, in tables and in the audit trail:
    `30 Nov 2026, 14:02 IST` in the viewer's zone. When the viewer chose a zone other than
    TIME_ZONE its name follows (`30 Nov 2026, 09:32 CET (Europe/Berlin)`), since an
    abbreviation alone is ambiguous across the world.

    `local_time:"seconds"` adds the seconds, for event timelines.
    """
    if not value:
        return "—"
    zone = timezone.get_current_timezone()
    local = value.astimezone(zone)
    clock = "%H:%M:%S" if precision == "seconds" else "%H:%M"
    text = f"{local.day} {local.strftime('%b %Y, ' + clock)} {local.tzname()}"
    name = getattr(zone, "key", None) or str(zone)
    return text if name == settings.TIME_ZONE else f"{text} ({name})"


@register.filter
def relative(value: datetime | None) -> str:
    """`in 23 minutes` or `2 hours ago`, to the nearest whole unit that matters."""
    if not value:
        return ""
    return relative_to(value, timezone.now())


def relative_to(value: datetime, now: datetime) -> str:
    """`relative` as seen at `now`."""
    if abs((value - now).total_seconds()) < 60:
        return "just now"
    if value > now:
        return f"in {timeuntil(value, now, depth=1)}"
    return f"{timesince(value, now, depth=1)} ago"


@register.filter
def duration(seconds: int | None) -> str:
    """`3 min 32 s`, `45 s`; `—` when unknown."""
    if seconds is None:
        return "—"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


@register.filter
def clock(seconds: int | None) -> str:
    """A countdown as a clock: `4:59`."""
    minutes, rest = divmod(max(0, int(seconds or 0)), 60)
    return f"{minutes}:{rest:02d}"


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, "") if mapping else ""


@register.simple_tag
def recording_state(call: Call) -> RecordingState:
    """What to say about `call`'s recording (`{% recording_state call as recording %}`)."""
    return call_recording_state(call=call)
