"""A GIN index for the full-text search of /projects/?q= on PostgreSQL.

It indexes to_tsvector('simple', search_text), the very expression ProjectQuerySet.search()
queries, so the planner can use it. search_text is folded in Python (lower case, accents
removed), so the language-neutral "simple" configuration fits Swedish and Latvian alike and no
unaccent extension is needed. SQLite has no GIN indexes and searches by substring instead, so
the index is created on PostgreSQL only and is not part of the model state (Meta.indexes),
which keeps `makemigrations --check` quiet on every database.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX = GinIndex(SearchVector("search_text", config="simple"), name="project_search_simple")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("projects", "Project"), INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("projects", "Project"), INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
