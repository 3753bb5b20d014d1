"""`Project.changed_at`: when a person last changed the record, NULL for a seeded record
nobody changed since. Existing rows get it from the rule the project page used before
(`changed_since_loaded`): changed when the record was saved again after its creation, or when
the seed did not create it (registry.SeedRecord, natural key as seed.py `key_text` writes it)."""

import json
from datetime import timedelta

from django.db import migrations, models
from django.db.models import F

# A record's creation sets both its times, microseconds apart.
SAME_SAVE = timedelta(seconds=1)
CHUNK = 500


def set_changed_at(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    SeedRecord = apps.get_model("registry", "SeedRecord")
    seeded = set(
        SeedRecord.objects.filter(model="projects.project").values_list("natural_key", flat=True)
    )
    changed = [
        pk
        for pk, slug, created_at, updated_at in Project.objects.values_list(
            "pk", "slug", "created_at", "updated_at"
        )
        if updated_at - created_at > SAME_SAVE
        or json.dumps([slug], ensure_ascii=False) not in seeded
    ]
    for start in range(0, len(changed), CHUNK):
        Project.objects.filter(pk__in=changed[start : start + CHUNK]).update(
            changed_at=F("updated_at")
        )


class Migration(migrations.Migration):

    dependencies = [
        ('networks', '0005_membership_translations'),
        ('projects', '0019_strategy_item_translations'),
        ('registry', '0010_funder_language'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='project',
            name='project_updated',
        ),
        migrations.AddField(
            model_name='project',
            name='changed_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='record last changed'),
        ),
        migrations.AddIndex(
            model_name='project',
            index=models.Index(fields=['-changed_at'], name='project_changed'),
        ),
        migrations.RunPython(set_changed_at, migrations.RunPython.noop),
    ]
