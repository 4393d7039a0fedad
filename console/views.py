from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView
from django_filters.views import FilterView

from allocations.models import Allocation
from audit.models import AccessLog
from audit.services import access_log_record
from exotel.ids import looks_like_greenpin_id

from .exports import allocation_csv_rows
from .filters import AllocationFilter
from .forms import ProfileForm
from .selectors import (
    DEFAULT_ORDERING,
    ORDERINGS,
    AllocationSearch,
    allocation_list_recent,
    allocation_search,
    allocation_search_branches,
    allocation_search_count,
    allocation_search_page,
    allocation_search_probe,
    call_find_unlinked,
    search_terms,
)
from .services import (
    ExotelAnswer,
    exotel_lookup,
    profile_update,
    search_record_numbers,
    search_take_slot,
)
from .tables import MAX_PAGE, MAX_PER_PAGE, AllocationTable, PageRows
from .view_helpers import who


def throttled(request: HttpRequest, *, searches: int = 1) -> HttpResponse | None:
    """Count `searches` against this person's limit: the 429 page once they are over it.

    Searches are throttled per person, and every phone number (or number ending) searched is
    in the audit trail: without both, searching a masked number's possible digits would
    unmask it."""
    if request.user.is_authenticated and not search_take_slot(
        user_id=request.user.pk, searches=searches
    ):
        return render(
            request,
            "console/throttled.html",
            {"limit": settings.SEARCH_RATE_LIMIT_PER_MINUTE},
            status=429,
        )
    return None


class SearchThrottleMixin:
    """A search in `?q=` is throttled and, when it is a number, audited (see `throttled`)."""

    def searched_texts(self, request) -> list[str]:
        query = request.GET.get("q", "").strip()
        return [query] if query else []

    def dispatch(self, request, *args, **kwargs):
        queries = self.searched_texts(request)
        if queries and request.user.is_authenticated:
            if refused := throttled(request):
                return refused
            searches = [search_terms(query) for query in queries]
            search_record_numbers(**who(request), searches=searches)
        return super().dispatch(request, *args, **kwargs)


class AllocationSearchMixin(SearchThrottleMixin):
    """The search box's query and the filters, applied the same way for page and export."""

    filterset_class = AllocationFilter

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()
        if self.query:
            return allocation_search(query=self.query)
        return allocation_list_recent()


PER_PAGE = 25


class SearchView(PermissionRequiredMixin, SearchThrottleMixin, FilterView):
    """`/?q=`: one box for every identifier plus filters. A lone exact match goes straight to
    it; a GreenPin ID the mirror lacks is asked of Exotel; otherwise a page of results, read
    from indexes branch by branch (see `console.selectors`)."""

    permission_required = "allocations.view_allocation"
    template_name = "console/search.html"
    filterset_class = AllocationFilter
    exotel_answer: ExotelAnswer | None = None

    def get_queryset(self):
        # Unused: each branch of the search gets the filters on its own (get_context_data).
        return Allocation.objects.none()

    def get(self, request, *args, **kwargs):
        self.query = request.GET.get("q", "").strip()
        self.search = allocation_search_branches(query=self.query)
        self.exotel_answer = None
        if self.query and set(request.GET) <= {"q"}:
            found, more = allocation_search_probe(search=self.search)
            if len(found) == 1 and not more:
                return redirect("allocations:detail", greenpin_id=found[0])
            if not found and not more:
                if call := call_find_unlinked(query=self.query):
                    return redirect(call)
                if looks_like_greenpin_id(self.query):
                    self.exotel_answer = exotel_lookup(
                        user_id=request.user.pk, greenpin_id=self.query
                    )
                    if self.exotel_answer.allocation is not None:
                        return redirect(self.exotel_answer.allocation)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        sort = params.get("sort", DEFAULT_ORDERING)
        sort = sort if sort in ORDERINGS else DEFAULT_ORDERING
        per_page = _bounded_int(params.get("per_page"), default=PER_PAGE, high=MAX_PER_PAGE)
        page = _page_number(params.get("page"))
        search = self.search
        if self.filterset.is_bound and not self.filterset.is_valid():
            search = AllocationSearch(terms=search.terms)  # nothing until the filters are fixed
        elif self.filterset.is_bound and any(
            value not in (None, "", [], ()) for value in self.filterset.form.cleaned_data.values()
        ):
            search = search.filtered(self.filterset.filter_queryset)
        offset = (page - 1) * per_page
        rows = allocation_search_page(
            search=search, ordering=sort, offset=offset, limit=per_page + 1
        )
        if page > 1 and not rows:
            raise Http404("no such page")
        count, more = allocation_search_count(search=search) if rows else (0, False)
        table = AllocationTable(PageRows(rows[:per_page]), terms=search.terms, order_by=sort)
        context.update(
            query=self.query,
            terms=search.terms,
            table=table,
            shown_from=offset + 1,
            shown_to=offset + len(table.rows),
            count=count,
            more=more,
            previous_url=_with_page(params, page - 1) if page > 1 else "",
            next_url=_with_page(params, page + 1) if len(rows) > per_page else "",
            exotel_answer=self.exotel_answer,
            looks_like_greenpin_id=looks_like_greenpin_id(self.query),
            filtered=bool(set(params) - {"q", "page", "sort", "per_page"}),
            export_query=params.urlencode(),
        )
        carried = params.copy()
        for key in ("page", "sort", "per_page"):
            carried.pop(key, None)
        context["calls_query"] = QueryDict(mutable=True)
        context["calls_query"]["in_search"] = carried.urlencode()
        return context


def _bounded_int(raw: str | None, *, default: int, high: int) -> int:
    try:
        return min(max(1, int(raw or default)), high)
    except ValueError:
        return default


def _page_number(raw: str | None) -> int:
    """The page asked for: 1 to MAX_PAGE, anything else is a 404 (never a 500)."""
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise Http404("no such page")
    return int(raw)


def _with_page(params: QueryDict, page: int) -> str:
    carried = params.copy()
    carried["page"] = str(page)
    return "?" + carried.urlencode()


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
