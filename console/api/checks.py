"""`manage.py check` (and every start) refuses an API throttle rate it cannot read."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from .throttles import RATE_SETTINGS, parse_rate


@register()
def api_throttle_rates_check(app_configs, **kwargs) -> list[Error]:
    errors = []
    for name in RATE_SETTINGS.values():
        try:
            parse_rate(getattr(settings, name))
        except ValueError as error:
            errors.append(Error(f"{name}: {error}", id="console.E001"))
    return errors
