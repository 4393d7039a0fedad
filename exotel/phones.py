"""Phone numbers in one form (E.164), so a number typed any common way finds the same rows."""

from __future__ import annotations

import functools

import phonenumbers
from django.conf import settings

# Shorter digit strings are order IDs or PIN fragments, not phone numbers.
MIN_NATIONAL_DIGITS = 10


def normalize_phone(raw: str, *, region: str | None = None) -> str | None:
    """E.164 form of `raw` (`+919900012345`), or None when it is not a phone number.

    Accepts `99000 12345`, `099000 12345`, `+91 99000 12345`, `919900012345` and the like.
    Numbers outside the plan's known ranges still pass when they have a full national length,
    since Exotel's virtual numbers may be newer than the phonenumbers metadata.
    """
    text = (raw or "").strip()
    if not text or not any(ch.isdigit() for ch in text):
        return None
    try:
        number = phonenumbers.parse(text, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    national = str(number.national_number)
    if phonenumbers.is_valid_number(number) or (
        phonenumbers.is_possible_number(number) and len(national) >= MIN_NATIONAL_DIGITS
    ):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


# Pages show the same few numbers many times over (every call of an order has its parties).
@functools.lru_cache(maxsize=4096)
def format_phone(e164: str) -> str:
    """A number as people read it (`+91 99000 12345`); unparseable input is returned as is."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
