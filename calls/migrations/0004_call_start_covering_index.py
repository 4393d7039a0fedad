"""On PostgreSQL, an index on start_time that carries what the calls list's picture and
filters read (status, durations, link state, direction): a week of calls is counted and its
medians taken from the index alone, without visiting a table page per call. Built
concurrently, so a large table keeps taking writes meanwhile. Other databases do without."""

from django.db import migrations

NAME = "call_start_covering"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON calls_call (start_time) "
        "INCLUDE (status, duration, talk_duration, link_state, direction)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction
    dependencies = [("calls", "0003_export_calls_permission")]
    operations = [migrations.RunPython(create, drop)]
