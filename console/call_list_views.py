"""The calls list for supervisors, its CSV export and its picture of the filtered calls."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import QueryDict, StreamingHttpResponse
from django.utils import timezone
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from audit.models import AccessLog
from audit.services import access_log_record
from calls.selectors import call_count_capped, call_list_for_console, call_picture

from .charts import call_chart
from .exports import call_csv_rows
from .filters import CallFilter
from .tables import BoundedLazyPaginator, CallListTable
from .view_helpers import date_presets, who
from .views import SearchThrottleMixin

# How far back the picture looks when no start date is chosen.
DEFAULT_PICTURE_DAYS = 7


class CallSearchMixin(SearchThrottleMixin):
    """The calls' filters, applied the same way for page and export; a phone number typed
    here, or in the allocation search a link carried over, is throttled and audited."""

    filterset_class = CallFilter

    def searched_texts(self, request) -> list[str]:
        texts = super().searched_texts(request)
        carried = QueryDict(request.GET.get("in_search", "")).get("q", "").strip()
        return [*texts, carried] if carried else texts

    def get_queryset(self):
        return call_list_for_console()


class CallListView(PermissionRequiredMixin, CallSearchMixin, SingleTableMixin, FilterView):
    """`/calls/`: every call, filtered, newest first, with a picture of the filtered calls."""

    permission_required = "calls.view_call"
    template_name = "console/calls.html"
    table_class = CallListTable
    # Counting a million rows for "page 1 of N" costs more than the page itself.
    table_pagination = {"per_page": 25, "paginator_class": BoundedLazyPaginator}

    def get_table_kwargs(self):
        return {"can_play": self.request.user.has_perm("calls.play_recording")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        valid = not self.filterset.is_bound or self.filterset.is_valid()
        plain = self.object_list.prefetch_related(None)
        context["count"], context["more"] = call_count_capped(plain) if valid else (0, False)
        context["filtered"] = bool(set(params) - {"page", "sort", "per_page"})
        context["export_query"] = params.urlencode()
        context["presets"] = date_presets(
            params, after="started_after", before="started_before", today=timezone.localdate()
        )
        if valid:
            started = self.filterset.form.cleaned_data.get("started") if params else None
            first_day, last_day = _picture_days(started)
            picture = call_picture(
                plain,
                first_day=first_day,
                last_day=last_day,
                zone=timezone.get_current_timezone(),
            )
            context["picture"] = picture
            context["chart"] = call_chart(picture)
        return context


class CallExportView(PermissionRequiredMixin, CallSearchMixin, FilterView):
    """The filtered calls as CSV, streamed, numbers as the exporter may see them; audited."""

    permission_required = "calls.export_calls"
    raise_exception = True

    def render_to_response(self, context, **response_kwargs):
        params = self.request.GET
        access_log_record(
            **who(self.request),
            action=AccessLog.Action.EXPORT,
            object_type="calls",
            object_id=(params.get("q", "").strip() or "(all)")[:128],
            detail=params.urlencode(),
        )
        rows = call_csv_rows(
            self.object_list.order_by("-start_time", "-id"),
            full_numbers=self.request.user.has_perm("allocations.view_full_number"),
        )
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="calls-{stamp}.csv"'
        return response


def _picture_days(started: slice | None) -> tuple[date, date]:
    """The days the picture covers: the chosen dates, else the last week up to the end date
    (or today)."""
    today = timezone.localdate()
    start = timezone.localdate(started.start) if started and started.start else None
    stop = timezone.localdate(started.stop) if started and started.stop else None
    last = stop or max(today, start or today)
    first = start or last - timedelta(days=DEFAULT_PICTURE_DAYS - 1)
    return (first, last) if first <= last else (last, last)
