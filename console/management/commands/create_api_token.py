from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from console.api.services import api_token_create
from console.models import ApiToken


class Command(BaseCommand):
    help = (
        "Make an API token for one integration. The token is printed once, as the last line "
        "(nothing else on it), and cannot be shown again: only its hash is kept. Revoke it in "
        "Django admin (API tokens)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the integration that will hold it, e.g. order-system")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            required=True,
            choices=ApiToken.Scope.values,
            help="track (POST allocations/track/), read (GET allocations and calls), reveal "
            "(full numbers and PINs in what read answers); repeat for several",
        )

    def handle(self, *args, name, scopes, **options):
        try:
            row, token = api_token_create(name=name, scopes=scopes)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"API token {row.name!r} (key ID {row.key_id}) with scopes {', '.join(row.scopes)}. "
            "Store it now; it is not shown again:"
        )
        self.stdout.write(token)
