"""The Exotel state models now belong to the exotel app: Django forgets them here (their
tables stay, rows and all), their content types follow them so permissions and admin history
still point at them, and the health page's permission stays `sync.view_health`, now on the
sync pass model."""

from django.db import migrations

MOVED = ["providerstate", "providererror", "lease", "ratelimitwindow", "requestslot"]


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    ContentType.objects.filter(app_label="sync", model__in=MOVED).update(app_label="exotel")
    # The same row, so every group and person holding it keeps it.
    sync_run, _ = ContentType.objects.get_or_create(app_label="sync", model="syncrun")
    Permission.objects.filter(
        content_type__app_label="exotel", content_type__model="providerstate", codename="view_health"
    ).update(content_type=sync_run)


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    ContentType.objects.filter(app_label="exotel", model__in=MOVED).update(app_label="sync")
    provider_state, _ = ContentType.objects.get_or_create(app_label="sync", model="providerstate")
    Permission.objects.filter(
        content_type__app_label="sync", content_type__model="syncrun", codename="view_health"
    ).update(content_type=provider_state)


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0002_schedule_and_provider_rows"),
        ("exotel", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Lease"),
                migrations.DeleteModel(name="ProviderError"),
                migrations.DeleteModel(name="ProviderState"),
                migrations.DeleteModel(name="RateLimitWindow"),
                migrations.DeleteModel(name="RequestSlot"),
            ],
            database_operations=[],
        ),
        migrations.AlterModelOptions(
            name="syncrun",
            options={
                "ordering": ["-started_at"],
                "permissions": [("view_health", "Can view the sync health page")],
            },
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
