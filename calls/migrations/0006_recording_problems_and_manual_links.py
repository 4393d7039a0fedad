"""Why a call's recording could not be fetched (the last failure, cleared by a fetch that
serves it), who linked a call by hand and when, and the permission to do so.

The index of refused recordings is partial, so it holds only those; on PostgreSQL it is built
concurrently, so a large table keeps taking writes meanwhile."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REFUSED_INDEX = models.Index(
    condition=models.Q(recording_error="refused"),
    fields=["recording_error_detail"],
    name="call_recording_refused",
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS call_recording_refused "
            "ON calls_call (recording_error_detail) WHERE recording_error = 'refused'"
        )
    else:
        schema_editor.add_index(apps.get_model("calls", "Call"), REFUSED_INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS call_recording_refused")
    else:
        schema_editor.remove_index(apps.get_model("calls", "Call"), REFUSED_INDEX)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction
    dependencies = [
        ("allocations", "0003_exotel_id_shape"),
        ("calls", "0005_call_sid_lower_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="call",
            options={
                "ordering": ["-start_time", "-id"],
                "permissions": [
                    ("play_recording", "Can play call recordings"),
                    ("export_calls", "Can export calls as CSV"),
                    ("link_call", "Can link an unmatched call to an allocation"),
                ],
            },
        ),
        migrations.AddField(
            model_name="call",
            name="linked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="call",
            name="linked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="recording_checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="call",
            name="recording_error",
            field=models.CharField(
                blank=True,
                choices=[
                    ("refused", "Refused by the recording settings"),
                    ("not_found", "Exotel has no such recording"),
                    ("exotel_error", "Exotel did not serve it"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="recording_error_detail",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="call", index=REFUSED_INDEX)],
            database_operations=[migrations.RunPython(create_index, drop_index)],
        ),
    ]
