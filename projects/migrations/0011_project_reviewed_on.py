from django.db import migrations, models


class Migration(migrations.Migration):
    """`last_reviewed` becomes `reviewed_on`, the day a coordinator last confirmed the facts,
    keeping every date already entered."""

    dependencies = [
        ("projects", "0010_slug_unique_ignoring_case"),
    ]

    operations = [
        migrations.RenameField(
            model_name="project", old_name="last_reviewed", new_name="reviewed_on"
        ),
        migrations.AlterField(
            model_name="project",
            name="reviewed_on",
            field=models.DateField(
                blank=True,
                help_text="The day a coordinator last confirmed the project's facts.",
                null=True,
                verbose_name="facts last confirmed",
            ),
        ),
    ]
