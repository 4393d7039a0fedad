from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import DetailView
from django_tables2 import RequestConfig

from allocations.selectors import allocation_get_for_page, allocation_get_freshness
from allocations.services import allocation_request_refresh
from calls.selectors import (
    call_list_for_allocation,
    call_list_unmatched_candidates,
    call_list_with_events,
)

from .call_tables import CallTable
from .case_summary import case_summary_for_allocation
from .services import REVEALS, reveal_grant, revealed
from .tables import BoundedPaginator
from .timeline import allocation_timeline
from .view_helpers import or_404, who

# The timeline tells the recent story; every call is in the paginated table below it.
TIMELINE_CALLS = 20
CALLS_PER_PAGE = 50


class AllocationDetailView(PermissionRequiredMixin, DetailView):
    """One allocation as the story of its order, and every call connected through it. Data
    older than STALE_AFTER is refreshed in the background; the page updates itself."""

    permission_required = "allocations.view_allocation"
    template_name = "console/allocation.html"
    context_object_name = "allocation"

    def get_object(self, queryset=None):
        return or_404(allocation_get_for_page(greenpin_id=self.kwargs["greenpin_id"]))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        allocation = self.object
        user = self.request.user
        refreshing = allocation.is_stale(after_seconds=settings.STALE_AFTER)
        if refreshing:
            allocation_request_refresh(allocation=allocation)
        shown = revealed(
            session=self.request.session,
            user=user,
            object_type="allocation",
            object_id=allocation.greenpin_id,
        )
        party_sides = {party.number: party.side for party in allocation.parties.all()}
        can_play = user.has_perm("calls.play_recording")
        table = CallTable(
            call_list_for_allocation(allocation=allocation),
            party_sides=party_sides,
            can_play=can_play,
            reveal=shown["numbers"],
        )
        RequestConfig(
            self.request,
            paginate={"per_page": CALLS_PER_PAGE, "paginator_class": BoundedPaginator},
        ).configure(table)
        calls = call_list_with_events(allocation=allocation, latest=TIMELINE_CALLS)
        unmatched = list(
            call_list_unmatched_candidates(allocation=allocation).values_list("sid", flat=True)
        )
        summary = case_summary_for_allocation(
            allocation=allocation,
            calls=call_list_for_allocation(allocation=allocation),
            unmatched=len(unmatched),
            numbers_revealed=shown["numbers"],
            stale_after=settings.STALE_AFTER,
        )
        context.update(
            summary=summary,
            unmatched_sids=unmatched,
            calls_table=table,
            timeline=allocation_timeline(allocation=allocation, calls=calls),
            earlier_calls=max(0, table.paginator.count - len(calls)),
            party_sides=party_sides,
            revealed=shown,
            can_play=can_play,
            refreshing=refreshing or "refreshing" in self.request.GET,
        )
        return context


class AllocationRevealView(View):
    """Show this allocation's PIN or full numbers to a person allowed to see them, for a few
    minutes, and put it in the audit trail."""

    def post(self, request, greenpin_id: str, what: str):
        if what not in REVEALS:
            raise Http404
        permission, _ = REVEALS[what]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        allocation = or_404(allocation_get_for_page(greenpin_id=greenpin_id))
        reveal_grant(
            session=request.session,
            **who(request),
            what=what,
            object_type="allocation",
            object_id=allocation.greenpin_id,
        )
        return redirect(allocation)


class AllocationFreshnessView(PermissionRequiredMixin, View):
    """When the allocation was last synced and tried: the page polls this while refreshing."""

    permission_required = "allocations.view_allocation"

    def get(self, request, greenpin_id: str):
        freshness = or_404(allocation_get_freshness(greenpin_id=greenpin_id))
        return JsonResponse(
            {key: value.isoformat() if value else None for key, value in freshness.items()}
        )


class AllocationRefreshView(PermissionRequiredMixin, View):
    """ "Refresh now": a refresh from Exotel, for those allowed to ask for one."""

    permission_required = "allocations.refresh_now"
    raise_exception = True

    def post(self, request, greenpin_id: str):
        allocation = or_404(allocation_get_for_page(greenpin_id=greenpin_id))
        allocation_request_refresh(allocation=allocation)
        return redirect(allocation.get_absolute_url() + "?refreshing=1")
