"""Supervisors may link an unmatched call to an allocation."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPERVISOR_ADDED = [("calls", "link_call")]


def grant(apps, schema_editor):
    # Permissions are normally created after migrations; the group needs this one now.
    app_config = apps.get_app_config("calls")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Supervisor")
    for app_label, codename in SUPERVISOR_ADDED:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Supervisor"):
        for app_label, codename in SUPERVISOR_ADDED:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0006_supervisors_track_allocations"),
        ("calls", "0006_recording_problems_and_manual_links"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
