"""What a person may not see is masked: numbers keep their country code, the first two and
the last three digits (`+91 99XXX XX345`); PINs keep nothing."""

from __future__ import annotations

from exotel.phones import format_phone

SHOWN_FIRST = 2
SHOWN_LAST = 3


def mask_phone(e164: str) -> str:
    if not e164:
        return ""
    formatted = format_phone(e164)  # "+91 99000 12345"
    country, _, national = formatted.partition(" ")
    digits = [i for i, ch in enumerate(national) if ch.isdigit()]
    hidden = set(digits[SHOWN_FIRST : len(digits) - SHOWN_LAST])
    masked = "".join("X" if i in hidden else ch for i, ch in enumerate(national))
    return f"{country} {masked}" if national else formatted


def mask_pin(pin: str) -> str:
    return "•" * len(pin) if pin else ""
