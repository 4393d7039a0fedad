"""The periodic tasks, created in code so the schedule is reviewed like code (admins can still
change or disable them under Periodic tasks), and one state row per Exotel API."""

from django.db import migrations

SCHEDULE = [
    # name, task, every, period, expire_seconds
    ("Sync pass: refresh what is due", "sync.tasks.run_sync_pass", 30, "seconds", 60),
    ("Purge data past its retention", "sync.tasks.purge_expired_data", 1, "days", 3600),
]


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period, expire_seconds in SCHEDULE:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": interval,
                # A run queued during an outage is worthless later: drop it, not pile it up.
                "expire_seconds": expire_seconds,
                "enabled": True,
            },
        )
    ProviderState = apps.get_model("sync", "ProviderState")
    for api in ("greenpin", "calls"):
        ProviderState.objects.get_or_create(api=api)


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in SCHEDULE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0001_initial"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]
    operations = [migrations.RunPython(create, remove)]
