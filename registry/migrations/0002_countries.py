"""Creates a Country row for every ISO 3166-1 code django-countries knows, so coordinators
can pick any partner country; the names themselves always come from django-countries."""

from django.db import migrations
from django_countries import countries


def add_countries(apps, schema_editor):
    Country = apps.get_model("registry", "Country")
    existing = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create(
        Country(code=code) for code, _name in countries if code not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(add_countries, migrations.RunPython.noop)]
