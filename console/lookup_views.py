"""`/lookup/`: many identifiers at once, a row per line, on the page or as CSV."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.views.generic import FormView

from audit.models import AccessLog
from audit.services import access_log_record

from .exports import lookup_csv_rows
from .forms import LookupForm
from .selectors import allocation_lookup, search_terms
from .services import search_record_numbers
from .view_helpers import who
from .views import throttled


class LookupView(PermissionRequiredMixin, FormView):
    """Paste identifiers of any kind, one per line: each line found (a link), several found,
    or not found; the same as CSV with `format=csv`. One lookup counts as one search, and
    each line that is a phone number (or its last digits) as one more, so a list of numbers
    unmasks no faster than typing them one by one; those lines are audited."""

    permission_required = "allocations.view_allocation"
    template_name = "console/lookup.html"
    form_class = LookupForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["search_limit"] = settings.SEARCH_RATE_LIMIT_PER_MINUTE
        return context

    def form_valid(self, form):
        request = self.request
        as_csv = form.cleaned_data["format"] == "csv"
        if as_csv and not request.user.has_perm("allocations.export_allocations"):
            raise PermissionDenied
        searches = [search_terms(line) for line in form.cleaned_data["identifiers"]]
        numbers = sum(1 for terms in searches if terms.phone or terms.suffix)
        if numbers >= settings.SEARCH_RATE_LIMIT_PER_MINUTE:
            form.add_error(
                "identifiers",
                f"This list has {numbers:,} phone numbers; each counts as a search, and you may "
                f"search {settings.SEARCH_RATE_LIMIT_PER_MINUTE} times a minute. Split it.",
            )
            return self.form_invalid(form)
        if refused := throttled(request, searches=1 + numbers):
            return refused
        search_record_numbers(**who(request), searches=searches)
        rows = allocation_lookup(searches=searches)
        if as_csv:
            return self._csv(rows)
        counts = Counter(row.outcome for row in rows)
        return self.render_to_response(self.get_context_data(form=form, rows=rows, counts=counts))

    def _csv(self, rows):
        request = self.request
        lines = [row.line for row in rows]
        access_log_record(
            **who(request),
            action=AccessLog.Action.EXPORT,
            object_type="lookup",
            object_id=f"{len(lines)} lines",
            detail="\n".join(lines),
        )
        body = "".join(
            lookup_csv_rows(
                rows, full_numbers=request.user.has_perm("allocations.view_full_number")
            )
        )
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="lookup-{stamp}.csv"'
        return response
