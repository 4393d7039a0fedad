"""A database made before the Exotel state models moved to the exotel app keeps its rows, and
its permissions and admin history follow the models."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from exotel.models import Lease, ProviderError, ProviderState, RateLimitWindow, RequestSlot

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("sync", "0002_schedule_and_provider_rows"), ("exotel", None)]
# What the rows are written with before: the models as they were, with users and groups.
BEFORE_STATE = [
    ("sync", "0002_schedule_and_provider_rows"),
    ("console", "0003_time_zone_validated_not_frozen"),
]


def _migrate(targets, state):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(state).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_it_keeps_the_rows_and_moves_content_types_and_permissions():
    old = _migrate(BEFORE, BEFORE_STATE)
    now = timezone.now()
    old.get_model("sync", "ProviderState").objects.update_or_create(
        api="calls", defaults={"consecutive_failures": 4, "last_error": "HTTP 503: down"}
    )
    old.get_model("sync", "ProviderError").objects.create(api="calls", kind="server_error", at=now)
    old.get_model("sync", "Lease").objects.create(name="sync-pass", token="t", expires_at=now)
    old.get_model("sync", "RateLimitWindow").objects.create(name="exotel", blocked_until=now)
    old.get_model("sync", "RequestSlot").objects.create(taken_at=now)
    old_types = old.get_model("contenttypes", "ContentType").objects
    state_type, _ = old_types.get_or_create(app_label="sync", model="providerstate")
    health, _ = old.get_model("auth", "Permission").objects.get_or_create(
        content_type=state_type,
        codename="view_health",
        defaults={"name": "Can view the sync health page"},
    )
    watchers = old.get_model("auth", "Group").objects.create(name="Health watchers")
    watchers.permissions.add(health)

    _migrate(_latest(), _latest())

    assert ProviderState.objects.get(api="calls").consecutive_failures == 4
    assert ProviderError.objects.get().kind == "server_error"
    assert Lease.objects.get().name == "sync-pass"
    assert RateLimitWindow.objects.get().name == "exotel"
    assert RequestSlot.objects.count() == 1
    # The same content type row, so admin history and default permissions follow the model.
    assert ContentType.objects.get_for_model(ProviderState).pk == state_type.pk
    assert not ContentType.objects.filter(app_label="sync", model="providerstate").exists()
    for model in ("providererror", "lease", "ratelimitwindow", "requestslot"):
        assert ContentType.objects.filter(app_label="exotel", model=model).exists()
    # The health page's permission keeps its name and its holders.
    moved = Permission.objects.get(pk=health.pk)
    assert (moved.content_type.app_label, moved.codename) == ("sync", "view_health")
    assert Group.objects.get(name="Health watchers").permissions.filter(pk=health.pk).exists()
