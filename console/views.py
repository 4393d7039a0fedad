from __future__ import annotations

from django.shortcuts import redirect
from django_tables2 import SingleTableView

from .selectors import allocation_list_recent, allocation_search, call_find_unlinked
from .tables import AllocationTable


class SearchView(SingleTableView):
    """`/?q=`: one box for every identifier; a single match goes straight to its page."""

    template_name = "console/search.html"
    table_class = AllocationTable
    table_pagination = {"per_page": 25}

    def get(self, request, *args, **kwargs):
        self.query = request.GET.get("q", "").strip()
        if self.query and "page" not in request.GET and "sort" not in request.GET:
            matches = list(allocation_search(query=self.query).values_list("greenpin_id")[:2])
            if len(matches) == 1:
                return redirect("allocations:detail", greenpin_id=matches[0][0])
            if not matches and (call := call_find_unlinked(query=self.query)):
                return redirect(call)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if self.query:
            return allocation_search(query=self.query)
        return allocation_list_recent()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["query"] = self.query
        return context
