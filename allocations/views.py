from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView
from django_tables2 import RequestConfig

from calls.selectors import call_list_for_allocation
from calls.tables import CallTable

from .selectors import allocation_get_for_page, allocation_get_freshness
from .services import allocation_request_refresh


class AllocationDetailView(DetailView):
    """One allocation and every call connected through it. Data older than STALE_AFTER is
    refreshed in the background; the page updates itself when the refresh lands."""

    template_name = "allocations/detail.html"
    context_object_name = "allocation"

    def get_object(self, queryset=None):
        return allocation_get_for_page(greenpin_id=self.kwargs["greenpin_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        allocation = self.object
        refreshing = allocation.is_stale(after_seconds=settings.STALE_AFTER)
        if refreshing:
            allocation_request_refresh(allocation=allocation)
        table = CallTable(
            call_list_for_allocation(allocation=allocation),
            party_sides={party.number: party.side for party in allocation.parties.all()},
            can_play=self.request.user.has_perm("calls.play_recording"),
        )
        RequestConfig(self.request, paginate={"per_page": 100}).configure(table)
        context["calls_table"] = table
        context["refreshing"] = refreshing or "refreshing" in self.request.GET
        return context


class AllocationFreshnessView(View):
    """When the allocation was last synced and tried: the page polls this while refreshing."""

    def get(self, request, greenpin_id: str):
        freshness = allocation_get_freshness(greenpin_id=greenpin_id)
        return JsonResponse(
            {key: value.isoformat() if value else None for key, value in freshness.items()}
        )


class AllocationRefreshView(PermissionRequiredMixin, View):
    """ "Refresh now": a refresh from Exotel, for those allowed to ask for one."""

    permission_required = "allocations.refresh_now"
    raise_exception = True

    def post(self, request, greenpin_id: str):
        allocation = allocation_get_for_page(greenpin_id=greenpin_id)
        allocation_request_refresh(allocation=allocation)
        return redirect(reverse("allocations:detail", args=[greenpin_id]) + "?refreshing=1")
