"""What `manage.py check` (and every start) says about the console's settings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def order_url_template_check(app_configs, **kwargs) -> list[Error]:
    """ORDER_URL_TEMPLATE must be an http(s) address with `{order_id}` in it: anything else
    would put a link to nowhere (or a `javascript:` one) beside every order ID."""
    template = settings.ORDER_URL_TEMPLATE
    if not template:
        return []
    if not template.startswith(("https://", "http://")) or "{order_id}" not in template:
        return [
            Error(
                "ORDER_URL_TEMPLATE must start with https:// (or http://) and contain "
                "{order_id}, e.g. https://shop.example/orders/{order_id}",
                id="console.E001",
            )
        ]
    return []
