from __future__ import annotations

from django.views.generic import DetailView

from .selectors import allocation_get_for_page


class AllocationDetailView(DetailView):
    template_name = "allocations/detail.html"
    context_object_name = "allocation"

    def get_object(self, queryset=None):
        return allocation_get_for_page(greenpin_id=self.kwargs["greenpin_id"])
