"""Load the hand-built fixtures in fixtures/ without ever overwriting coordinators' work.

`loaddata` overwrites rows that already exist, which would undo coordinators' edits on every
deployment. `seed` creates only the records it has never created before: a record that exists
(matched by natural key) or that an earlier run created and a coordinator since deleted is left
alone. So a second run adds nothing and changes nothing.

It runs at every release, so it never fails on what coordinators did: a record it seeded before
is recognised from the fixture's own text, before any of its links are looked up, so that the
events of a deleted project or the items of a renamed strategy are simply left alone. A record
that is new in the fixtures but needs one that was deleted or renamed is skipped, and a link of
a new record to a deleted one is left out; each with a one-line note after the summary.
"""

import json

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, no_translations
from django.db import DatabaseError, transaction

from registry.models import SeedRecord, seed_key


def fixture_files():
    for directory in settings.FIXTURE_DIRS:
        yield from sorted(directory.glob("*.json"))


def key_text(key):
    return seed_key(key)


def natural_key_text(obj):
    return key_text(obj.natural_key())


class _NaturalKeyOnly:
    """Stands for a related record of which a fixture gives only the natural key."""

    def __init__(self, key):
        self.key = tuple(key)

    def natural_key(self):
        return self.key


def raw_natural_key_text(model, fields):
    """The natural key of a fixture record, read from its text alone: no related record is
    looked up, so the key of an event is known even when its project is gone."""
    instance = model()
    for field in model._meta.concrete_fields:
        if field.name not in fields:
            continue
        value = fields[field.name]
        if field.is_relation and isinstance(value, list):
            # What the related descriptor returns, without looking the record up.
            instance._state.fields_cache[field.name] = _NaturalKeyOnly(value)
        else:
            setattr(instance, field.attname, field.to_python(value))
    return natural_key_text(instance)


class Command(BaseCommand):
    help = "Load fixtures/ idempotently: create missing seed records, change nothing else."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be created, save nothing."
        )

    @no_translations  # its summary and notes are for operators, in English like the rest
    def handle(self, *args, dry_run=False, **options):
        created = skipped = 0
        self.notes = []
        with transaction.atomic():
            for path in fixture_files():
                with path.open(encoding="utf-8") as stream:
                    records = json.load(stream)
                for record in records:
                    if self.seed_one(record, path.name):
                        created += 1
                    else:
                        skipped += 1
            if dry_run:
                transaction.set_rollback(True)
        verb = "would create" if dry_run else "created"
        summary = f"seed: {verb} {created} records, left {skipped} as they were"
        if self.notes:
            summary += f"; {len(self.notes)} notes:"
        self.stdout.write(summary + ("" if self.notes else "."))
        for note in self.notes:
            self.stdout.write(f"  {note}")

    def note(self, text):
        self.notes.append(text)

    def seed_one(self, record, file_name):
        """Save one fixture record unless it exists, was seeded before, or needs a record that
        is gone. True when it was created."""
        model = apps.get_model(record["model"])
        label = model._meta.label_lower
        try:
            key = raw_natural_key_text(model, record["fields"])
        except (ValueError, ValidationError, TypeError, ObjectDoesNotExist):
            key = None  # read it from the deserialized record below
        if key is not None and self.seeded(label, key):
            return False
        gone = self.missing_parents(model, record["fields"])
        required = [field.name for field in gone if not field.null]
        if required:
            # Its owner or parent was deleted or renamed by a coordinator.
            self.note(
                f"skipped {label} {key or '?'}: its {', '.join(required)} "
                f"{key_text([gone[model._meta.get_field(name)] for name in required])} "
                "no longer exists."
            )
            return False
        try:
            [item] = serializers.deserialize("python", [record], handle_forward_references=True)
        except (serializers.base.DeserializationError, ObjectDoesNotExist) as error:
            self.note(f"skipped {label} from {file_name}: {_one_line(error)}")
            return False
        instance = item.object
        links = {f.name: v for f, v in item.deferred_fields.items() if f.many_to_many}
        key = natural_key_text(instance)
        if self.seeded(label, key):
            return False
        try:
            model._default_manager.get_by_natural_key(*instance.natural_key())
        except model.DoesNotExist:
            pass
        else:
            SeedRecord.objects.create(model=label, natural_key=key)
            return False
        try:
            instance.full_clean(validate_unique=False)
            # Loading the data is no change to the record: a model that keeps when a person
            # last changed it (e.g. a project's `changed_at`) leaves that empty.
            instance.loaded_by_seed = True
            with transaction.atomic():
                instance.save()
        except (ValidationError, DatabaseError) as error:
            # E.g. another record took its slug in other letters' case.
            self.note(f"skipped {label} {key}: {_one_line(error)}")
            return False
        for field_name, values in item.m2m_data.items():
            getattr(instance, field_name).set(values)
        for field_name, values in links.items():
            field = model._meta.get_field(field_name)
            resolved = self.resolve_links(field, values, f"{label} {key}")
            getattr(instance, field_name).add(*resolved)
        for field, value in gone.items():
            self.note(
                f"left out a link of {label} {key} to {_named(field, value)}: it no longer exists."
            )
        SeedRecord.objects.create(model=label, natural_key=key)
        return True

    def missing_parents(self, model, fields):
        """The foreign keys of a fixture record naming a record that does not exist."""
        gone = {}
        for field in model._meta.concrete_fields:
            value = fields.get(field.name)
            if not field.many_to_one or value is None:
                continue
            related = field.related_model
            try:
                if isinstance(value, list):
                    related._default_manager.get_by_natural_key(*value)
                else:
                    related._default_manager.get(pk=value)
            except related.DoesNotExist:
                gone[field] = value
        return gone

    def seeded(self, label, key):
        return SeedRecord.objects.filter(model=label, natural_key=key).exists()

    def resolve_links(self, field, values, record):
        """The records of a many-to-many link that still exist; a note for each that doesn't."""
        related = field.related_model
        found = []
        for value in values:
            try:
                if isinstance(value, list):
                    found.append(related._default_manager.get_by_natural_key(*value))
                else:
                    found.append(related._default_manager.get(pk=value))
            except related.DoesNotExist:
                self.note(
                    f"left out a link of {record} to {_named(field, value)}: it no longer exists."
                )
        return found


def _named(field, value):
    return f"{field.related_model._meta.label_lower} {key_text(value)}"


def _one_line(error):
    text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    return " ".join(text.split())
