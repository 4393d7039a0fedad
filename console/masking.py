"""What a person may not see is masked: numbers keep their country code, the first two and
the last three digits (`+91 99XXX XX345`); PINs keep nothing."""

from __future__ import annotations

import functools
import re

from exotel.phones import format_phone

SHOWN_FIRST = 2
SHOWN_LAST = 3


# A page masks the same few numbers over and over (each call of an order has its parties).
@functools.lru_cache(maxsize=4096)
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


# Free text (error reports): any run of 10 to 13 digits, spaces or hyphens allowed between
# them, is taken for a phone number (a date is not); so is "PIN" followed by digits for a PIN.
_NUMBER_IN_TEXT = re.compile(r"(?<![\w.])(?!\d{4}-\d\d-\d\d)\+?\d(?:[ -]?\d){9,12}(?!\w)")
_PIN_IN_TEXT = re.compile(r"(?i)(\bpin\b\W{0,3})\d{3,8}\b")


def mask_text(text: str) -> str:
    """`text` with every phone number masked (last three digits kept) and every PIN hidden."""
    text = _PIN_IN_TEXT.sub(lambda m: m.group(1) + "••••", text)
    return _NUMBER_IN_TEXT.sub(_mask_digits, text)


def _mask_digits(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    seen = 0
    out = []
    for ch in found:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - SHOWN_LAST else "X")
        else:
            out.append(ch)
    return "".join(out)
