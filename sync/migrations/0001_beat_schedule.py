"""The periodic sync pass, created in code so the schedule is reviewed like code.

Admins can still change the interval or disable it in Django admin (Periodic tasks)."""

from django.db import migrations

TASK_NAME = "Sync pass: refresh what is due"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_30s, _ = IntervalSchedule.objects.get_or_create(every=30, period="seconds")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "sync.tasks.run_sync_pass",
            "interval": every_30s,
            # A pass queued during a broker or worker outage is worthless later: drop it.
            "expire_seconds": 60,
            "enabled": True,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("django_celery_beat", "0018_improve_crontab_helptext")]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
