from __future__ import annotations

from django.views.generic import DetailView
from django_tables2 import RequestConfig

from calls.selectors import call_list_for_allocation
from calls.tables import CallTable

from .selectors import allocation_get_for_page


class AllocationDetailView(DetailView):
    """One allocation and every call connected through it."""

    template_name = "allocations/detail.html"
    context_object_name = "allocation"

    def get_object(self, queryset=None):
        return allocation_get_for_page(greenpin_id=self.kwargs["greenpin_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        allocation = self.object
        table = CallTable(
            call_list_for_allocation(allocation=allocation),
            party_sides={party.number: party.side for party in allocation.parties.all()},
            can_play=self.request.user.has_perm("calls.play_recording"),
        )
        RequestConfig(self.request, paginate={"per_page": 100}).configure(table)
        context["calls_table"] = table
        return context
