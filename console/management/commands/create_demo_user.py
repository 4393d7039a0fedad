from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create (or reset the password of) a demo login: in a group, or a superuser."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", default=settings.DEMO_PASSWORD)
        role = parser.add_mutually_exclusive_group(required=True)
        role.add_argument("--group", help="Support or Supervisor")
        role.add_argument("--superuser", action="store_true", help="everything, Django admin too")

    def handle(self, *args, username, password, group, superuser, **options):
        if not password:
            raise CommandError("give --password or set DEMO_PASSWORD")
        user, created = get_user_model().objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = user.is_superuser = superuser
        user.save()
        if group:
            try:
                user.groups.set([Group.objects.get(name=group)])
            except Group.DoesNotExist:
                raise CommandError(f"no group {group!r} (Support or Supervisor)") from None
        role = "superuser" if superuser else group
        self.stdout.write(f"{'created' if created else 'updated'} {username} ({role})")
