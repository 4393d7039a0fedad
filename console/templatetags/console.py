"""Display helpers shared by every page: phone numbers, PINs, times and durations."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil

from calls.models import Call
from calls.selectors import RecordingState, call_recording_state
from console.masking import mask_phone, mask_pin
from exotel.phones import format_phone

register = template.Library()


@register.simple_tag
def status_badge(status: str, label: str = "") -> SafeString:
    """The one status badge: `status` picks its colour, `label` (default: the status) is what it
    says. A call Exotel has said nothing about yet is "pending"."""
    return format_html(
        '<span class="status status-{}">{}</span>',
        status or "pending",
        label or status or "unknown",
    )


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
    """The time in the viewer's zone with its offset: `15 Jun 2024, 10:30 IST (+05:30)`.

    `local_time:"seconds"` adds the seconds, for event timelines.
    """
    if not value:
        return "—"
    local = timezone.localtime(value)
    offset = local.strftime("%z")
    clock = "%H:%M:%S" if precision == "seconds" else "%H:%M"
    return f"{local.strftime('%d %b %Y, ' + clock)} {local.tzname()} ({offset[:3]}:{offset[3:]})"


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
def get_item(mapping: dict, key):
    return mapping.get(key, "") if mapping else ""


@register.simple_tag
def recording_state(call: Call) -> RecordingState:
    """What to say about `call`'s recording (`{% recording_state call as recording %}`)."""
    return call_recording_state(call=call)
