from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from exotel.coordination import waiting_for_budget
from sync.services import sync_pass


class Command(BaseCommand):
    help = (
        "Run one full sync pass now, in this process: everything that is due. Waits for the "
        "Exotel request budget when it is spent; exits 1 if a part of the pass stopped."
    )

    def handle(self, *args, **options):
        progress = tqdm(unit="allocation", file=self.stderr._out, disable=options["verbosity"] == 0)

        def on_start(total: int) -> None:
            progress.reset(total=total)

        def on_outcome(outcome) -> None:
            progress.set_postfix_str("")
            progress.update(1)
            if not outcome.ok:
                progress.write(outcome.describe(), file=self.stdout._out)

        def on_wait(seconds: float) -> None:
            progress.set_postfix_str(f"waiting for Exotel's rate limit: {seconds:.0f} s")

        try:
            with waiting_for_budget(on_wait):
                report = sync_pass(on_start=on_start, on_outcome=on_outcome)
        except KeyboardInterrupt:
            progress.close()
            self.stdout.write("interrupted: what was not refreshed stays due for the next sync")
            raise SystemExit(130) from None
        progress.close()
        if report is None:
            self.stdout.write("skipped: another sync pass is running")
            return
        self.stdout.write(report.summary())
        if report.stopped:
            raise SystemExit(1)
