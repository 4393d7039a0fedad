"""Writes the API makes: tokens (made, revoked, each use counted), tracking on an
integration's behalf, and the audit of what a token was shown or asked."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import replace

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from allocations.models import Allocation, AllocationStatus
from allocations.services import TrackOutcome, TrackResult, allocation_track_each
from audit.models import AccessLog
from audit.services import access_log_record_many

from ..models import ApiToken

TOKEN_PREFIX = "gpa_"  # noqa: S105 (how every token starts, not a secret)
KEY_ID_BYTES = 6  # 12 hex characters: the public part, looked up by index
SECRET_BYTES = 32  # 256 bits: the part that is hashed and never stored
# A hash to compare against when no token has the offered key ID, so that an unknown key
# costs the same work as a known one.
_NO_TOKEN_HASH = hashlib.sha256(b"no such token").hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _split(token: str) -> tuple[str, str] | None:
    """`gpa_<key id>_<secret>` into its key ID and secret; None for any other shape."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    key_id, underscore, secret = token[len(TOKEN_PREFIX) :].partition("_")
    valid_key = len(key_id) == KEY_ID_BYTES * 2 and all(c in "0123456789abcdef" for c in key_id)
    if not (underscore and valid_key and 20 <= len(secret) <= 100):
        return None
    return key_id, secret


def api_token_create(*, name: str, scopes: Sequence[str]) -> tuple[ApiToken, str]:
    """Make a token for the integration `name` with these scopes. Returns the row and the
    token itself, which is never stored and cannot be shown again."""
    unknown = set(scopes) - set(ApiToken.Scope.values)
    if unknown:
        raise ValueError(f"unknown scope {sorted(unknown)[0]!r}: {', '.join(ApiToken.Scope)}")
    if not scopes:
        raise ValueError("a token needs at least one scope")
    name = name.strip()
    if not name:
        raise ValueError("a token needs a name (the integration that holds it)")
    key_id = secrets.token_hex(KEY_ID_BYTES)
    token = f"{TOKEN_PREFIX}{key_id}_{secrets.token_urlsafe(SECRET_BYTES)}"
    row = ApiToken.objects.create(
        name=name[:100],
        key_id=key_id,
        secret_hash=_hash(token),
        scopes=[scope for scope in ApiToken.Scope.values if scope in scopes],
    )
    return row, token


def api_token_revoke(*, token_ids: Iterable[int]) -> int:
    """Revoke these tokens from now on; returns how many were still active."""
    return ApiToken.objects.filter(pk__in=list(token_ids), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def api_token_use(*, token: str) -> ApiToken | None:
    """The active token this is, with its use counted (one UPDATE); None when it is not one."""
    parts = _split(token)
    row = None
    if parts is not None:
        row = ApiToken.objects.filter(key_id=parts[0], revoked_at__isnull=True).first()
    expected = row.secret_hash if row is not None else _NO_TOKEN_HASH
    if not hmac.compare_digest(_hash(token), expected) or row is None:
        return None
    now = timezone.now()
    # Counted in the database, so that concurrent requests on many web processes all count.
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=now, use_count=F("use_count") + 1)
    row.last_used_at = now
    return row


@transaction.atomic
def api_track(*, greenpin_ids: Sequence[str]) -> list[TrackOutcome]:
    """Track these allocations for an integration: the new ones are fetched by a worker at
    once (through the request budget), the mirrored ones keep their schedule. One outcome per
    ID given, in order; a repeated ID gets the same outcome each time.

    `invalid`: Exotel has already answered that it has no allocation with this ID (the
    mirror holds it as missing, which is final), so it is not asked again.
    """
    outcomes = {o.greenpin_id: o for o in allocation_track_each(greenpin_ids=greenpin_ids)}
    known = [o.greenpin_id for o in outcomes.values() if o.result == TrackResult.ALREADY_TRACKED]
    missing = set(
        Allocation.objects.filter(
            greenpin_id__in=known, status=AllocationStatus.MISSING
        ).values_list("greenpin_id", flat=True)
    )
    for greenpin_id in missing:
        outcomes[greenpin_id] = replace(outcomes[greenpin_id], result=TrackResult.INVALID)
    return [outcomes[greenpin_id] for greenpin_id in greenpin_ids]


def api_access_record(
    *,
    token: ApiToken,
    ip_address: str | None,
    action: str,
    object_type: str,
    object_ids: Sequence[str],
) -> None:
    """Put what a token was shown (full numbers, PINs) or searched for (a phone number) in
    the audit trail: a row per object, in one INSERT."""
    access_log_record_many(
        user=None,
        ip_address=ip_address,
        action=action,
        objects=[(object_type, object_id) for object_id in object_ids],
        detail=f"API token {token.name} ({token.key_id})",
    )


REVEAL_ACTIONS = (AccessLog.Action.REVEAL_NUMBER, AccessLog.Action.REVEAL_PIN)
