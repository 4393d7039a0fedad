"""Error reports to Sentry (when SENTRY_DSN is set), with no PIN, full number or secret in them.

sentry-sdk's own scrubber drops the values of keys it knows to be secret (password, token,
authorization, cookies…) and of `pin`; `before_send` then masks phone numbers and PINs left in
any text (exception messages, log messages, local variables, breadcrumbs).
"""

from __future__ import annotations

from typing import Any

from console.masking import mask_text

# Keys whose values never leave the process, on top of sentry-sdk's default list.
SENSITIVE_KEYS = [
    "pin",
    "number",
    "phone",
    "phone_number",
    "from_number",
    "to_number",
    "virtual_number",
    "exobridge_token",
    "api_token",
    "webhook_secret",
    "secret",
]


def sentry_init(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        event_scrubber=EventScrubber(denylist=DEFAULT_DENYLIST + SENSITIVE_KEYS, recursive=True),
        before_send=mask_event,
        before_breadcrumb=lambda crumb, hint: _masked(crumb),
    )


def mask_event(event: Any, hint: dict[str, Any]) -> Any:
    """Every string anywhere in the event, with numbers and PINs masked."""
    return _masked(event)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value
