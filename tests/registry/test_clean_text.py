"""Control characters are refused in every free-text field, with a clear form error in the
coordinator's language; tab and line breaks stay allowed where a field has several lines."""

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from networks.models import Network
from projects.models import Project
from registry.models import Municipality
from registry.validators import multi_line_text, single_line_text
from tests.admin_helpers import CoordinatorsTestCase, changeform_data
from tests.factories import make_municipality, make_project
from tests.projects.test_admin_import_export import ImportTestCase, csv_file, csv_row


class AdminTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = make_project(title="Kalix exchange", slug="kalix", municipality=cls.kalix)

    def post_title(self, title):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_change", args=[self.project.pk])
        data = changeform_data(self.client.get(url))
        data.update(title=title, description="Line one\r\nline two\twith a tab")
        return self.client.post(url, data)

    def test_a_title_with_a_control_character_is_refused_with_a_form_error(self):
        response = self.post_title("Kalix\x01 exchange")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["adminform"].form.errors["title"],
            ["Remove the invisible control character U+0001 from this text."],
        )
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "Kalix exchange")

    def test_the_error_is_in_the_coordinators_language(self):
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "sv"

        response = self.post_title("Kalix\x01 exchange")

        self.assertContains(response, "Ta bort det osynliga styrtecknet U+0001 ur texten.")

    def test_line_breaks_and_tabs_in_a_multi_line_field_are_kept(self):
        response = self.post_title("Kalix exchange, again")

        self.assertEqual(response.status_code, 302)
        self.project.refresh_from_db()
        self.assertEqual(self.project.description, "Line one\r\nline two\twith a tab")


class ImportTests(ImportTestCase):
    def test_an_imported_row_with_a_control_character_is_refused(self):
        self.sign_in(self.kalix_user)

        preview = self.upload(csv_file(csv_row(slug="bell", title="Bell\x07 choir")))

        self.assertContains(preview, "Remove the invisible control character U+0007")
        self.assertNotIn("confirm_form", preview.context)
        self.assertFalse(Project.objects.filter(slug="bell").exists())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "field", "text"),
    [
        (lambda: make_project(), "title", "A\x00B"),
        (lambda: make_project(), "summary", "a\nsecond line"),
        (lambda: make_project(), "description", "bell\x07"),
        (lambda: make_municipality(), "name", "Tab\tname"),
        (lambda: Network(name="Network", slug="network"), "purpose", "escape\x1b[31m"),
        (lambda: Network(name="Network", slug="network"), "name", "C1\x85control"),
    ],
)
def test_each_apps_text_fields_refuse_control_characters(make, field, text):
    instance = make()
    setattr(instance, field, text)

    with pytest.raises(ValidationError) as raised:
        instance.full_clean()

    assert list(raised.value.message_dict) == [field]


def own_text_fields():
    for app_config in apps.get_app_configs():
        if app_config.label in {"registry", "networks", "projects"}:
            for model in app_config.get_models():
                for field in model._meta.local_fields:
                    if type(field) in (models.CharField, models.TextField) and not field.choices:
                        yield field


def test_every_free_text_field_of_the_registrys_apps_has_the_validator():
    fields = [field for field in own_text_fields() if field.editable]

    assert len(fields) > 30
    for field in fields:
        expected = multi_line_text if isinstance(field, models.TextField) else single_line_text
        assert expected in field.validators, field


def test_django_and_third_party_fields_are_left_alone():
    username = apps.get_model(settings.AUTH_USER_MODEL)._meta.get_field("username")

    assert single_line_text not in username.validators
    assert single_line_text not in Municipality._meta.get_field("slug").validators
