"""project_admin_order: the admin's project list (projects/admin.py ProjectAdmin) in its default
order, Meta.ordering with the "-pk" Django adds, drafts included; the first page reads its 100
rows from the index instead of sorting every project."""


from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0007_project_index_log'),
        ('registry', '0004_tagstamp'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='project',
            index=models.Index(fields=['-start_year', 'title', '-id'], name='project_admin_order'),
        ),
    ]
