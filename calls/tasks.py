"""Celery entry points for calls: thin, keyed by ID, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from exotel.request_guard import DEPLOYMENT_WIDE

from .models import Call, CallEvent
from .services import (
    call_event_apply,
    call_event_record_failure,
    calls_pull,
)

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=60, ignore_result=True)
def apply_call_event(event_id: int) -> str:
    """Fold a stored webhook event into its call; an applied event is skipped."""
    event = CallEvent.objects.filter(pk=event_id).first()
    if event is None:
        return "gone"
    try:
        call = call_event_apply(event=event)
    except Exception as error:
        # Recorded on the event (admins see it); the sync pass tries again a bounded number
        # of times. Raising would only make the broker redeliver the same failure.
        logger.exception("call event %s could not be applied", event_id)
        call_event_record_failure(event=event, error=error)
        return f"failed: {error}"
    return f"applied to {call.sid}" if call else "already applied"


@shared_task(bind=True, acks_late=True, soft_time_limit=120, time_limit=150, ignore_result=True)
def pull_calls(self, call_ids: list[int]) -> str:
    """Pull these calls' details from the Call API now (bulk where more than one)."""
    calls = list(Call.objects.filter(pk__in=call_ids))
    try:
        report = calls_pull(calls=calls, owner=self.request.id)
    except DEPLOYMENT_WIDE as error:
        logger.warning("pulling %d calls stopped: %s", len(calls), error, exc_info=True)
        return f"stopped: {error}"
    return f"{report.pulled} pulled, {report.failed} failed in {report.requests} requests"
