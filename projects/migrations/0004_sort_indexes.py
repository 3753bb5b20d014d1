"""Every sort order of /projects/ ends with the primary key (projects/filters.py SORT_ORDERS),
so that ties keep one order between the list's pages and the exports; the indexes that serve
the orders end with it too.

- project_start_title: ?sort=start_year and its export.
- project_title: ?sort=title and ?sort=-title (read backwards) and their exports.
- project_newest_first (PostgreSQL only, as in 0003): the default order, which the exports
  use; the list's own pages in that order come from the project index
  (projects/project_index.py).
"""

from django.db import migrations, models

OLD_NEWEST_FIRST = models.Index(
    models.OrderBy(models.F("start_year"), descending=True, nulls_last=True),
    models.OrderBy(models.F("title")),
    condition=models.Q(publication="published"),
    name="project_newest_first",
)
NEWEST_FIRST = models.Index(
    models.OrderBy(models.F("start_year"), descending=True, nulls_last=True),
    models.OrderBy(models.F("title")),
    models.OrderBy(models.F("id")),
    condition=models.Q(publication="published"),
    name="project_newest_first",
)


def replace_index(old, new):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            model = apps.get_model("projects", "Project")
            schema_editor.remove_index(model, old)
            schema_editor.add_index(model, new)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_project_list_indexes"),
        ("registry", "0003_changestamp"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="project", name="project_start_title"),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(fields=["start_year", "title", "id"], name="project_start_title"),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(fields=["title", "id"], name="project_title"),
        ),
        migrations.RunPython(
            replace_index(OLD_NEWEST_FIRST, NEWEST_FIRST),
            replace_index(NEWEST_FIRST, OLD_NEWEST_FIRST),
            elidable=False,
        ),
    ]
