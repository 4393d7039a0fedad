"""`/track/`: supervisors paste GreenPin IDs to start mirroring them; the page follows each
one until Exotel's answer is in."""

from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView

from allocations.models import AllocationStatus
from allocations.selectors import allocation_list_sync_states
from allocations.services import TrackResult, allocation_track_each

from .forms import TrackForm
from .templatetags.console import local_time

# The last list a person tracked, kept in their session so the page can follow it after the
# redirect and across reloads.
SESSION_KEY = "console_tracked"
RESULT_WORDS = {
    TrackResult.TRACKED: "Tracked: queued for a fetch",
    TrackResult.ALREADY_TRACKED: "Already tracked",
    TrackResult.INVALID: "Not a GreenPin ID (letters, digits, '_' and '-', at most 64)",
}


class TrackView(PermissionRequiredMixin, FormView):
    """Paste GreenPin IDs; each gets a line with its outcome, then what Exotel said."""

    permission_required = "allocations.track_allocation"
    template_name = "console/track.html"
    form_class = TrackForm

    def form_valid(self, form):
        outcomes = allocation_track_each(greenpin_ids=form.cleaned_data["greenpin_ids"])
        # An invalid entry is shown as typed, cut short: it may be anything.
        self.request.session[SESSION_KEY] = [
            [outcome.greenpin_id[:80], outcome.result.value] for outcome in outcomes
        ]
        return redirect("console:track")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tracked = self.request.session.get(SESSION_KEY, [])
        states = tracked_states(tracked)
        context["rows"] = [
            {
                "greenpin_id": greenpin_id,
                "valid": result != TrackResult.INVALID,
                "result": RESULT_WORDS.get(result, result),
                **states.get(greenpin_id, {"state": "invalid", "text": ""}),
            }
            for greenpin_id, result in tracked
        ]
        context["fetching"] = any(row["state"] == "fetching" for row in context["rows"])
        return context


class TrackStatusView(PermissionRequiredMixin, View):
    """What the track page polls: the state of each ID of the last list, by GreenPin ID."""

    permission_required = "allocations.track_allocation"
    raise_exception = True

    def get(self, request):
        states = tracked_states(request.session.get(SESSION_KEY, []))
        return JsonResponse(
            {
                "allocations": states,
                "fetching": any(s["state"] == "fetching" for s in states.values()),
            }
        )


def tracked_states(tracked: list) -> dict[str, dict[str, str]]:
    """For each valid ID of a tracked list: "fetching", "fetched" or "failed", in words."""
    ids = [greenpin_id for greenpin_id, result in tracked if result != TrackResult.INVALID]
    found = allocation_list_sync_states(greenpin_ids=ids)
    states = {}
    for greenpin_id in ids:
        row = found.get(greenpin_id)
        if row is None:  # deleted since (an admin, retention)
            states[greenpin_id] = {"state": "failed", "text": "No longer mirrored"}
        elif row["status"] == AllocationStatus.MISSING:
            states[greenpin_id] = {"state": "failed", "text": "Exotel has no such allocation"}
        elif row["last_synced_at"] is not None:
            label = AllocationStatus(row["status"]).label
            order = f", order {row['order_id']}" if row["order_id"] else ""
            when = local_time(row["last_synced_at"])
            states[greenpin_id] = {"state": "fetched", "text": f"{label}{order}; fetched {when}"}
        elif row["last_sync_error"]:
            retry = "will retry" if row["next_sync_at"] else "not retried"
            states[greenpin_id] = {
                "state": "failed" if not row["next_sync_at"] else "fetching",
                "text": f"Last fetch failed: {row['last_sync_error'][:120]} ({retry})",
            }
        else:
            states[greenpin_id] = {"state": "fetching", "text": "Fetching from Exotel…"}
    return states
