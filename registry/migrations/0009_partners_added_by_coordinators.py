import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REVIEW_HELP = (
    "Added by a coordinator and not yet checked by the registry's staff: untick it once checked."
)


def added_by():
    return models.ForeignKey(
        blank=True,
        editable=False,
        null=True,
        on_delete=django.db.models.deletion.SET_NULL,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
        verbose_name="added by",
    )


def needs_review():
    return models.BooleanField(default=False, help_text=REVIEW_HELP, verbose_name="to be reviewed")


def coordinators_may_add_municipalities(apps, schema_editor):
    """The Coordinators group of an existing database gets the new permission now rather than
    when someone next runs add_coordinator (registry/apps.py, `added_by_coordinators`)."""
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name="Coordinators").first()
    if group is None:
        return  # made with its permissions by add_coordinator or an invitation
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="registry", model="municipality")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="add_municipality",
        defaults={"name": "Can add municipality"},
    )
    group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_accessibility_messages"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(model_name="municipality", name="added_by", field=added_by()),
        migrations.AddField(model_name="municipality", name="needs_review", field=needs_review()),
        migrations.AddField(model_name="organisation", name="added_by", field=added_by()),
        migrations.AddField(
            model_name="organisation",
            name="city",
            field=models.CharField(
                blank=True,
                help_text="For a body that is not a municipality's unit.",
                max_length=200,
                verbose_name="city",
            ),
        ),
        migrations.AddField(model_name="organisation", name="needs_review", field=needs_review()),
        migrations.RunPython(coordinators_may_add_municipalities, migrations.RunPython.noop),
    ]
