"""Display helpers shared by every page: phone numbers, PINs, times and durations."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil

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
    """The one way a time is written, on pages, in tables and in the audit trail:
    `30 Nov 2026, 14:02 IST` in the viewer's zone. When the viewer chose a zone other than
    TIME_ZONE its name follows (`30 Nov 2026, 09:32 CET (Europe/Berlin)`), since an
    abbreviation alone is ambiguous across the world.

    `local_time:"seconds"` adds the seconds, for event timelines.
    """
    if not value:
        return "—"
    local = timezone.localtime(value)
    clock = local.strftime("%H:%M:%S" if precision == "seconds" else "%H:%M")
    text = f"{local.day} {local.strftime('%b %Y')}, {clock} {local.tzname()}"
    zone = timezone.get_current_timezone_name()
    return text if zone == settings.TIME_ZONE else f"{text} ({zone})"


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
