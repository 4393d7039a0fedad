"""The Support and Supervisor groups. Views check these permissions, never group names, so
admins can shape other groups freely."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT = [
    ("allocations", "view_allocation"),
    ("allocations", "view_party"),
    ("allocations", "view_pin"),
    ("calls", "view_call"),
    ("calls", "view_callevent"),
    ("calls", "play_recording"),
]
SUPERVISOR = [
    *SUPPORT,
    ("allocations", "view_full_number"),
    ("allocations", "export_allocations"),
    ("allocations", "refresh_now"),
    ("audit", "view_accesslog"),
    ("sync", "view_health"),
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in [("Support", SUPPORT), ("Supervisor", SUPERVISOR)]:
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in wanted:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Support", "Supervisor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0001_initial"),
        ("allocations", "0001_initial"),
        ("calls", "0001_initial"),
        ("audit", "0001_initial"),
        ("sync", "0002_schedule_and_provider_rows"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
