from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.utils import timezone
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from audit.models import AccessLog

from .audit_filters import AccessLogFilter
from .audit_tables import AccessLogTable
from .tables import BoundedLazyPaginator
from .view_helpers import date_presets


class AccessLogView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    """The audit trail for supervisors: who revealed, played or exported what."""

    permission_required = "audit.view_accesslog"
    template_name = "console/audit.html"
    table_class = AccessLogTable
    filterset_class = AccessLogFilter
    table_pagination = {"per_page": 50, "paginator_class": BoundedLazyPaginator}

    def get_queryset(self):
        return AccessLog.objects.select_related("user").order_by("-at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["presets"] = date_presets(
            self.request.GET, after="at_after", before="at_before", today=timezone.localdate()
        )
        return context
