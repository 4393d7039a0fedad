from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from allocations.services import allocation_refresh, allocation_track
from exotel.coordination import waiting_for_budget
from exotel.request_guard import DEPLOYMENT_WIDE

WAITING = "waiting for Exotel's rate limit: {seconds:.0f} s"


class Command(BaseCommand):
    help = (
        "Start mirroring these GreenPin allocations and fetch them now. Prints one line per ID "
        "with its outcome; exits 1 if any failed. Waits for the Exotel request budget when it "
        "is spent; Ctrl-C stops (the IDs not fetched stay tracked for the next sync)."
    )

    def add_arguments(self, parser):
        parser.add_argument("greenpin_ids", nargs="*", metavar="GREENPIN_ID")
        parser.add_argument(
            "--file", type=Path, help="a file of GreenPin IDs, one per line ('#' comments)"
        )

    def handle(self, *args, greenpin_ids, file, **options):
        ids = list(greenpin_ids)
        if file:
            try:
                lines = file.read_text().splitlines()
            except OSError as error:
                raise CommandError(f"cannot read {file}: {error}") from error
            ids += [line.split("#", 1)[0].strip() for line in lines]
        try:
            allocations = allocation_track(greenpin_ids=ids)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not allocations:
            raise CommandError("no GreenPin IDs given")

        progress = tqdm(
            total=len(allocations), unit="allocation", disable=not file, file=self.stderr._out
        )
        try:
            with waiting_for_budget(self._waiting_shown_on(progress)):
                failed = self._fetch(allocations, progress)
        except KeyboardInterrupt:
            progress.close()
            self.stdout.write(
                f"interrupted: {self.fetched} of {len(allocations)} fetched "
                "(the rest stay tracked and are fetched by the next sync)"
            )
            raise SystemExit(130) from None
        progress.close()
        if failed:
            self.stdout.write(f"{failed} of {len(allocations)} failed")
            raise SystemExit(1)

    def _waiting_shown_on(self, progress):
        """Show a wait for the budget on the progress bar, or once per wait without one."""
        last_call = [0.0]

        def on_wait(seconds: float) -> None:
            if not progress.disable:
                progress.set_postfix_str(WAITING.format(seconds=seconds))
            elif time.monotonic() - last_call[0] > 2:  # a new wait, not the same one ticking
                self.stderr.write(WAITING.format(seconds=seconds))
            last_call[0] = time.monotonic()

        return on_wait

    def _fetch(self, allocations, progress) -> int:
        failed = 0
        self.fetched = 0
        for index, allocation in enumerate(allocations):
            try:
                outcome = allocation_refresh(allocation=allocation)
            except DEPLOYMENT_WIDE as error:
                progress.close()
                not_tried = len(allocations) - index
                self.stdout.write(f"{allocation.greenpin_id}: FAILED ({error.kind}) {error}")
                reason = (
                    "Exotel refused the credentials" if error.permanent else "Exotel is failing"
                )
                self.stdout.write(
                    f"stopped: {reason}; {not_tried} ID(s) not fetched "
                    "(they stay tracked and are fetched by the next sync)"
                )
                raise SystemExit(1) from None
            failed += not outcome.ok
            self.fetched += 1
            progress.set_postfix_str("")
            progress.update(1)
            line = outcome.describe()
            if progress.disable:
                self.stdout.write(line)
            else:
                progress.write(line, file=self.stdout._out)
        return failed
