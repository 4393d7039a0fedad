"""The search finds a call SID typed in any case: an index on its lower-case form, built
concurrently on PostgreSQL so the calls table keeps taking writes meanwhile."""

import django.db.models.functions.text
from django.db import migrations, models

INDEX = models.Index(django.db.models.functions.text.Lower("sid"), name="call_sid_lower")


def create(apps, schema_editor):
    model = apps.get_model("calls", "Call")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX.create_sql(model, schema_editor, concurrently=True))
    else:
        schema_editor.add_index(model, INDEX)


def drop(apps, schema_editor):
    model = apps.get_model("calls", "Call")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX.remove_sql(model, schema_editor, concurrently=True))
    else:
        schema_editor.remove_index(model, INDEX)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("calls", "0004_call_start_covering_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="call", index=INDEX)],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
