from __future__ import annotations

from django.core.management.base import BaseCommand

from sync.retention import purge_expired


class Command(BaseCommand):
    help = (
        "Delete call events, access logs and ended allocations past their retention "
        "(CALL_EVENT_RETENTION_DAYS, ACCESS_LOG_RETENTION_DAYS, ENDED_ALLOCATION_RETENTION_DAYS)."
    )

    def handle(self, *args, **options):
        for name, count in purge_expired().items():
            self.stdout.write(f"{count} {name} deleted")
