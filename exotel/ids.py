"""The shape of the IDs Exotel issues (GreenPin IDs, call SIDs).

They end up in URLs, headers and file names, so anything else is refused where it enters:
a `/` in an ID would make every page that links to it unbuildable.
"""

from __future__ import annotations

import re

from django.core.validators import RegexValidator

MAX_ID_LENGTH = 64
ID_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_ID_LENGTH}}}")


def is_exotel_id(value: object) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


# For forms (Django admin's "add"): the same rule, as a field error.
exotel_id_validator = RegexValidator(
    rf"\A{ID_PATTERN.pattern}\Z", "Letters, digits, '_' and '-' only, at most 64 of them."
)


# GreenPin IDs as Exotel issues them: `gp_` and letters or digits (the current API), or a
# UUID (the classic API). Anything else typed into the search is an order ID, a call SID or a
# number, not an allocation worth asking Exotel about.
GREENPIN_ID_SHAPES = (
    re.compile(rf"gp_[A-Za-z0-9_-]{{1,{MAX_ID_LENGTH - 3}}}", re.IGNORECASE),
    re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE),
)


def looks_like_greenpin_id(value: object) -> bool:
    return isinstance(value, str) and any(shape.fullmatch(value) for shape in GREENPIN_ID_SHAPES)
