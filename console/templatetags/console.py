"""Display helpers shared by every page: phone numbers and times as support staff read them."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from exotel.phones import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """`+919900012345` → `+91 99000 12345`."""
    return format_phone(value) if value else ""


@register.filter
def local_time(value: datetime | None) -> str:
    """The time in the site's zone with its offset: `15 Jun 2024, 10:30 IST (+05:30)`."""
    if not value:
        return "—"
    local = timezone.localtime(value)
    offset = local.strftime("%z")
    return f"{local:%d %b %Y, %H:%M} {local.tzname()} ({offset[:3]}:{offset[3:]})"


@register.filter
def relative(value: datetime | None) -> str:
    """`in 23 minutes` or `2 hours ago`, to the nearest whole unit that matters."""
    if not value:
        return ""
    now = timezone.now()
    if value > now:
        return f"in {timeuntil(value, now, depth=1)}"
    return f"{timesince(value, now, depth=1)} ago"
