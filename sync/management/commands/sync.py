from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from sync.services import sync_pass


class Command(BaseCommand):
    help = "Run one full sync pass now, in this process: everything that is due."

    def handle(self, *args, **options):
        progress = tqdm(unit="allocation", file=self.stderr._out, disable=options["verbosity"] == 0)

        def on_start(total: int) -> None:
            progress.reset(total=total)

        def on_outcome(outcome) -> None:
            progress.update(1)
            if not outcome.ok:
                progress.write(outcome.describe(), file=self.stdout._out)

        report = sync_pass(on_start=on_start, on_outcome=on_outcome)
        progress.close()
        if report is None:
            self.stdout.write("skipped: another sync pass is running")
            return
        self.stdout.write(report.summary())
        if report.stopped:
            raise SystemExit(1)
