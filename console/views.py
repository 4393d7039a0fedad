from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from audit.models import AccessLog
from audit.services import access_log_record
from exotel.phones import normalize_phone

from .exports import allocation_csv_rows
from .filters import AllocationFilter
from .forms import ProfileForm
from .selectors import (
    allocation_list_recent,
    allocation_list_with_calls,
    allocation_search,
    call_find_unlinked,
)
from .services import profile_update, search_take_slot
from .tables import AllocationTable, BoundedLazyPaginator
from .view_helpers import who


class SearchThrottleMixin:
    """Searches are throttled per person, and a search for a phone number is in the audit
    trail: without both, searching a masked number's possible digits would unmask it."""

    def searched_texts(self, request) -> list[str]:
        query = request.GET.get("q", "").strip()
        return [query] if query else []

    def dispatch(self, request, *args, **kwargs):
        queries = self.searched_texts(request)
        if queries and request.user.is_authenticated:
            if not search_take_slot(user_id=request.user.pk):
                return render(
                    request,
                    "console/throttled.html",
                    {"limit": settings.SEARCH_RATE_LIMIT_PER_MINUTE},
                    status=429,
                )
            for query in queries:
                if phone := normalize_phone(query):
                    access_log_record(
                        **who(request),
                        action=AccessLog.Action.SEARCH_NUMBER,
                        object_type="phone",
                        object_id=phone,
                    )
        return super().dispatch(request, *args, **kwargs)


class AllocationSearchMixin(SearchThrottleMixin):
    """The search box's query and the filters, applied the same way for page and export."""

    filterset_class = AllocationFilter

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()
        if self.query:
            return allocation_search(query=self.query)
        return allocation_list_recent()


class SearchView(PermissionRequiredMixin, AllocationSearchMixin, SingleTableMixin, FilterView):
    """`/?q=`: one box for every identifier plus filters; a lone match goes straight to it."""

    permission_required = "allocations.view_allocation"
    template_name = "console/search.html"
    table_class = AllocationTable
    # Counting a million rows for "page 1 of N" costs more than the page itself.
    table_pagination = {"per_page": 25, "paginator_class": BoundedLazyPaginator}

    def get(self, request, *args, **kwargs):
        query = request.GET.get("q", "").strip()
        only_query = set(request.GET) <= {"q"}
        if query and only_query:
            # Unordered: two rows tell one match from many without sorting every match.
            probe = allocation_search(query=query).order_by().values_list("greenpin_id")
            matches = list(probe[:2])
            if len(matches) == 1:
                return redirect("allocations:detail", greenpin_id=matches[0][0])
            if not matches and (call := call_find_unlinked(query=query)):
                return redirect(call)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return allocation_list_with_calls(super().get_queryset())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["query"] = self.query
        context["filtered"] = bool(set(self.request.GET) - {"q", "page", "sort"})
        context["export_query"] = self.request.GET.urlencode()
        carried = self.request.GET.copy()
        for key in ("page", "sort", "per_page"):
            carried.pop(key, None)
        context["calls_query"] = QueryDict(mutable=True)
        context["calls_query"]["in_search"] = carried.urlencode()
        return context


class ExportView(PermissionRequiredMixin, AllocationSearchMixin, FilterView):
    """The current search and filters as CSV, streamed; each export is audited."""

    permission_required = "allocations.export_allocations"
    raise_exception = True

    def render_to_response(self, context, **response_kwargs):
        user = self.request.user
        queryset = self.object_list.order_by("-created_at", "-id")
        access_log_record(
            **who(self.request),
            action=AccessLog.Action.EXPORT,
            object_type="search",
            object_id=self.query or "(all)",
            detail=self.request.GET.urlencode(),
        )
        rows = allocation_csv_rows(
            queryset,
            full_numbers=user.has_perm("allocations.view_full_number"),
        )
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="allocations-{stamp}.csv"'
        return response


class ProfileView(FormView):
    """A person's own preferences: the time zone every time is shown in."""

    template_name = "console/profile.html"
    form_class = ProfileForm

    def get_initial(self):
        profile = getattr(self.request.user, "console_profile", None)
        return {"time_zone": profile.time_zone if profile else timezone.get_current_timezone_name()}

    def form_valid(self, form):
        assert self.request.user.pk is not None  # only a logged-in person has a profile
        profile_update(
            user_id=self.request.user.pk,
            session=self.request.session,
            time_zone=form.cleaned_data["time_zone"],
        )
        messages.success(self.request, "Saved. Times are now shown in your time zone.")
        return redirect(reverse("console:profile"))
