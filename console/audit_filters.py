from __future__ import annotations

import django_filters

from audit.models import AccessLog

from .filters import BoundedDateRangeFilter, DateRange


class AccessLogFilter(django_filters.FilterSet):
    user = django_filters.CharFilter(field_name="user__username", label="User")
    action = django_filters.ChoiceFilter(choices=AccessLog.Action.choices, empty_label="Any")
    object_id = django_filters.CharFilter(label="Object (order search, call SID, GreenPin ID)")
    at = BoundedDateRangeFilter(label="Between", widget=DateRange())

    class Meta:
        model = AccessLog
        fields = ["user", "action", "object_id", "at"]
