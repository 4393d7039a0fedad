from __future__ import annotations

import django_tables2 as tables

from audit.models import AccessLog

from .templatetags.console import local_time


class AccessLogTable(tables.Table):
    at = tables.Column(verbose_name="When")
    user = tables.Column(accessor="user__username", verbose_name="Who", default="—")

    class Meta:
        model = AccessLog
        fields = ("at", "user", "action", "object_type", "object_id", "ip_address", "detail")
        attrs = {"class": "table"}
        empty_text = "Nothing recorded for these filters."

    def render_at(self, value) -> str:
        return local_time(value, "seconds")
