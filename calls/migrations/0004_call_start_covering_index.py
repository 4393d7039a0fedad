"""On PostgreSQL, indexes on start_time that carry what the calls list's picture and filters
read (status, durations, link state, direction): a week of calls is counted and its medians
taken from the index alone, without visiting a table page per call. Two partial ones do the
same for calls with and without a recording (the URL itself is too long to carry). Built
concurrently, so a large table keeps taking writes meanwhile. Other databases do without."""

from django.db import migrations

CARRIED = "INCLUDE (status, duration, talk_duration, link_state, direction)"
INDEXES = {
    "call_start_covering": "",
    "call_start_recorded": "WHERE recording_url <> ''",
    "call_start_unrecorded": "WHERE recording_url = ''",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, condition in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON calls_call (start_time) "
            f"{CARRIED} {condition}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction
    dependencies = [("calls", "0003_export_calls_permission")]
    operations = [migrations.RunPython(create, drop)]
