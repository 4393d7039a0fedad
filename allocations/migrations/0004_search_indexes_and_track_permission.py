"""The search's indexes (IDs in any case, numbers by their last digits, each ordering of the
results) and the permission to track allocations from the console.

On PostgreSQL the indexes are built concurrently, so a large table keeps taking writes while
they build; elsewhere they are plain indexes."""

import django.db.models.functions.text
from django.db import migrations, models

import allocations.models

ALLOCATION_INDEXES = [
    models.Index(
        django.db.models.functions.text.Lower("order_id"), name="allocation_order_id_lower"
    ),
    models.Index(
        django.db.models.functions.text.Lower("greenpin_id"), name="allocation_greenpin_id_lower"
    ),
    models.Index(
        allocations.models.ReversedNumber("virtual_number"), name="allocation_vn_reversed"
    ),
    models.Index(fields=["created_at", "id"], name="allocation_created"),
    models.Index(fields=["expires_at", "id"], name="allocation_expires"),
    models.Index(fields=["virtual_number", "created_at", "id"], name="allocation_vn_created"),
]
PARTY_INDEXES = [
    models.Index(allocations.models.ReversedNumber("number"), name="party_number_reversed"),
]


def _each(apps):
    allocation = apps.get_model("allocations", "Allocation")
    party = apps.get_model("allocations", "Party")
    yield from ((allocation, index) for index in ALLOCATION_INDEXES)
    yield from ((party, index) for index in PARTY_INDEXES)


def create(apps, schema_editor):
    for model, index in _each(apps):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(index.create_sql(model, schema_editor, concurrently=True))
        else:
            schema_editor.add_index(model, index)


def drop(apps, schema_editor):
    for model, index in _each(apps):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(index.remove_sql(model, schema_editor, concurrently=True))
        else:
            schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("allocations", "0003_exotel_id_shape"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="allocation",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("refresh_now", "Can ask for an immediate refresh from Exotel"),
                    ("view_pin", "Can reveal PINs"),
                    ("view_full_number", "Can reveal full phone numbers"),
                    ("export_allocations", "Can export search results"),
                    ("track_allocation", "Can start mirroring allocations from the console"),
                ],
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                *(
                    migrations.AddIndex(model_name="allocation", index=index)
                    for index in ALLOCATION_INDEXES
                ),
                *(migrations.AddIndex(model_name="party", index=index) for index in PARTY_INDEXES),
            ],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
