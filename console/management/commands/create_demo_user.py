from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create (or reset the password of) the demo login that `make run` prints."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=settings.DEMO_USERNAME)
        parser.add_argument("--password", default=settings.DEMO_PASSWORD)
        parser.add_argument("--superuser", action="store_true", help="also give Django admin")

    def handle(self, *args, username, password, superuser, **options):
        if not password:
            raise CommandError("give --password or set DEMO_PASSWORD")
        user, created = get_user_model().objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = user.is_staff or superuser
        user.is_superuser = user.is_superuser or superuser
        user.save()
        self.stdout.write(f"{'created' if created else 'updated'} login {username}")
