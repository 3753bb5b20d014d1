"""Indexes for /projects/ at scale (measured with bench/run.py at 100 000 projects).

- project_pub_years: the status and active_in filters and the list's facet counts read the
  published projects' years, ids and owners from this narrow index, not from the wide rows.
- project_newest_first: the list's default order (projects/filters.py DEFAULT_SORT: start year
  descending with empty years last, then title), so the first page reads 25 index entries
  instead of sorting every published project. SQLite cannot index NULLS LAST, so it is
  created on PostgreSQL only and, like the search index of 0002, is not in Meta.indexes.
"""

from django.db import migrations, models

NEWEST_FIRST = models.Index(
    models.OrderBy(models.F("start_year"), descending=True, nulls_last=True),
    models.OrderBy(models.F("title")),
    condition=models.Q(publication="published"),
    name="project_newest_first",
)


def create_newest_first(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("projects", "Project"), NEWEST_FIRST)


def drop_newest_first(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("projects", "Project"), NEWEST_FIRST)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_project_search_gin"),
        ("registry", "0002_countries"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                fields=["publication", "end_year", "start_year", "paused", "municipality", "id"],
                name="project_pub_years",
            ),
        ),
        migrations.RunPython(create_newest_first, drop_newest_first, elidable=False),
    ]
