"""Load the hand-built fixtures in fixtures/ without ever overwriting coordinators' work.

`loaddata` overwrites rows that already exist, which would undo coordinators' edits on every
deployment. `seed` creates only the records it has never created before: a record that exists
(matched by natural key) or that an earlier run created and a coordinator since deleted is left
alone. So a second run adds nothing and changes nothing.
"""

import json

from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand
from django.db import transaction

from registry.models import SeedRecord


def fixture_files():
    for directory in settings.FIXTURE_DIRS:
        yield from sorted(directory.glob("*.json"))


def natural_key_text(obj):
    return json.dumps(obj.natural_key(), ensure_ascii=False, default=str)


class Command(BaseCommand):
    help = "Load fixtures/ idempotently: create missing seed records, change nothing else."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be created, save nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        created = skipped = 0
        with transaction.atomic():
            for path in fixture_files():
                with path.open(encoding="utf-8") as stream:
                    for item in serializers.deserialize("json", stream, ignorenonexistent=False):
                        if self.seed_one(item):
                            created += 1
                        else:
                            skipped += 1
            if dry_run:
                transaction.set_rollback(True)
        verb = "would create" if dry_run else "created"
        self.stdout.write(f"seed: {verb} {created} records, left {skipped} as they were.")

    def seed_one(self, item):
        """Save one deserialized fixture record unless it exists or was seeded before."""
        instance = item.object
        model = type(instance)
        label = model._meta.label_lower
        key = natural_key_text(instance)
        if SeedRecord.objects.filter(model=label, natural_key=key).exists():
            return False
        try:
            model._default_manager.get_by_natural_key(*instance.natural_key())
        except model.DoesNotExist:
            pass
        else:
            SeedRecord.objects.create(model=label, natural_key=key)
            return False
        instance.full_clean(validate_unique=False)
        instance.save()
        for field_name, values in item.m2m_data.items():
            getattr(instance, field_name).set(values)
        SeedRecord.objects.create(model=label, natural_key=key)
        return True
