from __future__ import annotations

import django_tables2 as tables

from audit.models import AccessLog


class AccessLogTable(tables.Table):
    at = tables.DateTimeColumn(verbose_name="When", format="d M Y H:i:s")
    user = tables.Column(accessor="user__username", verbose_name="Who", default="—")

    class Meta:
        model = AccessLog
        fields = ("at", "user", "action", "object_type", "object_id", "ip_address", "detail")
        attrs = {"class": "table"}
        empty_text = "Nothing recorded for these filters."
