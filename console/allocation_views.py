from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView

from allocations.selectors import allocation_get_for_page, allocation_get_freshness
from allocations.services import allocation_request_refresh
from calls.selectors import call_list_page_for_allocation, call_list_unmatched_candidates

from .case_summary import case_summary_for_allocation_page
from .services import REVEALS, reveal_grant, reveal_seconds_left, reveal_withdraw
from .timeline import allocation_timeline
from .view_helpers import or_404, who

# The newest calls the page lists; older ones are a link away, on the calls list. Orders
# rarely see more; and since each listed call (its player above all) costs about a
# twentieth of the page, a page with thousands of calls costs about what one with one call
# does.
CALLS_SHOWN = 10
# Unmatched calls linked one by one from the summary; more are counted, not listed.
UNMATCHED_LISTED = 10


class AllocationDetailView(PermissionRequiredMixin, DetailView):
    """One allocation as the story of its order, and its newest calls. Data older than
    STALE_AFTER is refreshed in the background; the page updates itself."""

    permission_required = "allocations.view_allocation"
    template_name = "console/allocation.html"
    context_object_name = "allocation"

    def get_object(self, queryset=None):
        return or_404(allocation_get_for_page(greenpin_id=self.kwargs["greenpin_id"]))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        allocation = self.object
        user = self.request.user
        stale = allocation.is_stale(after_seconds=settings.STALE_AFTER)
        if stale:
            allocation_request_refresh(allocation=allocation)
        refreshing = refresh_pending(
            allocation=allocation,
            stale=stale,
            requested=self.request.GET.get("refreshing", ""),
            now=timezone.now(),
        )
        seconds_left = reveal_seconds_left(
            session=self.request.session,
            user=user,
            object_type="allocation",
            object_id=allocation.greenpin_id,
        )
        shown = {what: seconds > 0 for what, seconds in seconds_left.items()}
        calls = call_list_page_for_allocation(allocation=allocation, limit=CALLS_SHOWN)
        candidates = call_list_unmatched_candidates(allocation=allocation)
        unmatched_sids = list(candidates.values_list("sid", flat=True)[: UNMATCHED_LISTED + 1])
        unmatched = len(unmatched_sids)
        if unmatched > UNMATCHED_LISTED:
            unmatched = candidates.count()
        summary = case_summary_for_allocation_page(
            allocation=allocation,
            unmatched=unmatched,
            numbers_revealed=shown["numbers"],
            stale_after=settings.STALE_AFTER,
        )
        context.update(
            summary=summary,
            unmatched_sids=unmatched_sids[:UNMATCHED_LISTED],
            timeline=allocation_timeline(
                allocation=allocation,
                calls=calls,
                complete=summary.calls <= len(calls),
                reveal=shown["numbers"],
            ),
            calls_shown=len(calls),
            older_calls=max(0, summary.calls - len(calls)),
            revealed=shown,
            reveal_seconds=seconds_left,
            can_play=user.has_perm("calls.play_recording"),
            refreshing=refreshing,
            # Said once the refresh is over, never beside "Refreshing from Exotel…".
            refresh_failed=bool(allocation.last_sync_error) and not refreshing,
        )
        return context


# How long after "Refresh now" the page may still say it is refreshing without an attempt.
REFRESH_REQUEST_SECONDS = 60


def refresh_pending(*, allocation, stale: bool, requested: str, now: datetime) -> bool:
    """Whether a refresh from Exotel is under way for this page, so it says "Refreshing from
    Exotel…" and polls: one was asked for (by `Refresh now`, whose redirect carries its time
    in milliseconds as `requested`, or by opening stale data) and no attempt has been made
    since. A refresh that failed within STALE_AFTER is over: the page says it failed
    instead, and a reload of the page after it does not bring the spinner back."""
    attempted = allocation.last_sync_attempt_at
    try:
        asked = datetime.fromtimestamp(int(requested) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        asked = None
    if asked is not None and timedelta(0) <= now - asked <= timedelta(
        seconds=REFRESH_REQUEST_SECONDS
    ):
        return attempted is None or attempted < asked
    failed_lately = (
        bool(allocation.last_sync_error)
        and attempted is not None
        and (now - attempted).total_seconds() < settings.STALE_AFTER
    )
    return stale and not failed_lately


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


class AllocationHideView(View):
    """Hide a revealed PIN or numbers again before the five minutes are up."""

    def post(self, request, greenpin_id: str, what: str):
        if what not in REVEALS:
            raise Http404
        if not request.user.has_perm("allocations.view_allocation"):
            raise PermissionDenied
        allocation = or_404(allocation_get_for_page(greenpin_id=greenpin_id))
        reveal_withdraw(
            session=request.session,
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
        asked = int(timezone.now().timestamp() * 1000)
        return redirect(f"{allocation.get_absolute_url()}?refreshing={asked}")
