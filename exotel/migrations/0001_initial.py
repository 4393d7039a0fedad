"""The Exotel state models, whose tables the sync app created: only Django's idea of where
they live changes here; the tables and their rows stay as they are."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("sync", "0002_schedule_and_provider_rows"),
        # The Support and Supervisor groups were given permissions on these models while they
        # were in the sync app; running after that keeps one content type per model, which
        # sync's 0003 then moves here.
        ("console", "0002_support_groups"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Lease',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, unique=True)),
                        ('token', models.CharField(max_length=64)),
                        ('expires_at', models.DateTimeField()),
                    ],
                    options={
                        'db_table': 'sync_lease',
                    },
                ),
                migrations.CreateModel(
                    name='ProviderError',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('api', models.CharField(choices=[('greenpin', 'GreenPin API'), ('calls', 'Call API')], max_length=16)),
                        ('kind', models.CharField(max_length=32)),
                        ('message', models.TextField(blank=True)),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                    ],
                    options={
                        'db_table': 'sync_providererror',
                        'ordering': ['-at'],
                    },
                ),
                migrations.CreateModel(
                    name='ProviderState',
                    fields=[
                        ('api', models.CharField(choices=[('greenpin', 'GreenPin API'), ('calls', 'Call API')], max_length=16, primary_key=True, serialize=False)),
                        ('consecutive_failures', models.PositiveIntegerField(default=0)),
                        ('circuit_open_until', models.DateTimeField(blank=True, null=True)),
                        ('trial_started_at', models.DateTimeField(blank=True, null=True)),
                        ('auth_failed_at', models.DateTimeField(blank=True, null=True, verbose_name='credentials refused at')),
                        ('last_error', models.TextField(blank=True)),
                        ('last_error_kind', models.CharField(blank=True, max_length=32)),
                        ('last_failure_at', models.DateTimeField(blank=True, null=True)),
                        ('last_success_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'sync_providerstate',
                        'verbose_name': 'provider state',
                    },
                ),
                migrations.CreateModel(
                    name='RateLimitWindow',
                    fields=[
                        ('name', models.CharField(max_length=32, primary_key=True, serialize=False)),
                        ('blocked_until', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'sync_ratelimitwindow',
                    },
                ),
                migrations.CreateModel(
                    name='RequestSlot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('taken_at', models.DateTimeField(db_index=True)),
                    ],
                    options={
                        'db_table': 'sync_requestslot',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
