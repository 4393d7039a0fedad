"""The order reference carried in an allocation's (and its calls') `custom_field`."""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.conf import settings


def parse_order_id(custom_field: str | None, *, key: str | None = None) -> str:
    """The order ID in `custom_field`, or "" when it names none.

    `custom_field` is `key=value` pairs joined by `&` and URL-encoded; the order's key is the
    ORDER_ID_KEY setting. A value with no `=` at all is itself the order reference.
    """
    text = (custom_field or "").strip()
    if not text:
        return ""
    if "=" not in text:
        return text
    key = key or settings.ORDER_ID_KEY
    for name, value in parse_qsl(text, keep_blank_values=True):
        if name.strip() == key:
            return value.strip()
    return ""
