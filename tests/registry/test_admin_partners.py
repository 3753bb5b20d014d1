"""A coordinator adds a partner organisation or a partner municipality from the project form
without leaving it (Django's "+" and its popup), and can do nothing more with either: no
editing or deleting afterwards, and no way through the popup into another municipality's units."""

import importlib
import json
import re

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from projects.models import Project
from registry.models import Municipality, Organisation
from tests.admin_helpers import MODEL_BACKEND, CoordinatorsTestCase, changeform_data
from tests.factories import make_country, make_municipality, make_project

ADD_PROJECT = reverse("admin:projects_project_add")
ADD_ORGANISATION = reverse("admin:registry_organisation_add")
ADD_MUNICIPALITY = reverse("admin:registry_municipality_add")
PARTNER_LINK = "_ownerless_link=projects.project.partner_organisations"


def plus_link(page, field):
    """The address of the "+" beside `field` in the project form, as the page links it."""
    match = re.search(rf'id="add_id_{field}"[^>]*?href="([^"]+)"', page, re.S)
    if match is None:
        match = re.search(rf'href="([^"]+)"[^>]*?id="add_id_{field}"', page, re.S)
    assert match, f"no + beside {field}"
    return match.group(1).replace("&amp;", "&")


def popup_value(response):
    """The record Django's popup response picks in the form: (its id, its name)."""
    data = re.search(r'data-popup-response="([^"]+)"', response.content.decode()).group(1)
    picked = json.loads(data.replace("&quot;", '"'))
    return int(picked["value"]), picked["obj"]


class PartnerOrganisationPopupTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.latvia = make_country("LV")

    def add_partner_organisation(self, **fields):
        data = {
            "name": "Rēzekne Academy of Technologies",
            "country": "LV",
            "city": "Rēzekne",
            "kind": "university",
            "website": "",
            "_popup": "1",
            "_to_field": "id",
            **fields,
        }
        return self.client.post(f"{ADD_ORGANISATION}?_to_field=id&_popup=1&{PARTNER_LINK}", data)

    def test_the_plus_beside_partner_organisations_opens_the_partners_add_form(self):
        self.sign_in(self.kalix_user)
        page = self.client.get(ADD_PROJECT).content.decode()
        link = plus_link(page, "partner_organisations")
        self.assertIn(PARTNER_LINK, link)
        self.assertNotIn("_ownerless_link", plus_link(page, "organisations"))  # own units
        form_page = self.client.get(link)
        form = form_page.context["adminform"].form
        self.assertEqual(list(form.fields), ["name", "country", "city", "kind", "website"])
        self.assertTrue(form.fields["country"].required)
        self.assertContains(form_page, "Add a partner organisation")
        self.assertContains(form_page, "The registry's staff check what you add here.")

    def test_swedish_help_texts_say_shown_publicly_in_one_wording(self):
        self.sign_in(self.kalix_user)
        project_form = self.client.get(ADD_PROJECT, HTTP_ACCEPT_LANGUAGE="sv")
        popup = self.client.get(
            f"{ADD_ORGANISATION}?_to_field=id&_popup=1&{PARTNER_LINK}", HTTP_ACCEPT_LANGUAGE="sv"
        )
        # The main form, its translation rows ("Översatt av") and the partner popup alike.
        self.assertContains(project_form, "Visas publikt: sidans rubrik, och i listor.")
        self.assertContains(project_form, "Visas publikt: personen eller organisationen som")
        self.assertContains(popup, "Visas publikt bredvid namnet.")
        for page in [project_form, popup]:
            self.assertNotContains(page, "offentligt")

    def test_a_partner_organisation_is_added_ownerless_and_picked_in_the_form(self):
        self.sign_in(self.kalix_user)
        response = self.add_partner_organisation(municipality=self.kalix.pk)
        pk, name = popup_value(response)
        self.assertEqual(name, "Rēzekne Academy of Technologies")
        added = Organisation.objects.get(pk=pk)
        self.assertIsNone(added.municipality)  # a partner, not a unit of Kalix
        self.assertEqual((added.country_id, added.city), ("LV", "Rēzekne"))
        self.assertEqual(added.slug, "rezekne-academy-of-technologies")
        self.assertEqual(added.added_by, self.kalix_user)
        self.assertTrue(added.needs_review)
        # Back in the project form, the new partner is one it accepts.
        data = changeform_data(self.client.get(ADD_PROJECT))
        data.update({"title": "Bridges", "partner_organisations": [str(pk)]})
        self.assertEqual(self.client.post(ADD_PROJECT, data).status_code, 302)
        project = Project.objects.get(title="Bridges")
        self.assertEqual(list(project.partner_organisations.all()), [added])
        self.assertEqual(project.municipality, self.kalix)

    def test_a_name_already_there_for_that_country_is_refused(self):
        Organisation.objects.create(
            name="Rezekne Academy of Technologies",
            slug="rta",
            municipality=None,
            country=self.latvia,
        )
        self.sign_in(self.kalix_user)
        response = self.add_partner_organisation()
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "is in the registry already")
        self.assertEqual(Organisation.objects.filter(municipality=None).count(), 1)

    def test_the_country_is_required(self):
        self.sign_in(self.kalix_user)
        response = self.add_partner_organisation(country="")
        self.assertIn("country", response.context["adminform"].form.errors)
        self.assertFalse(Organisation.objects.filter(city="Rēzekne").exists())

    def test_the_plus_beside_units_still_adds_a_unit_of_the_coordinators_municipality(self):
        self.sign_in(self.kalix_user)
        response = self.client.post(
            f"{ADD_ORGANISATION}?_to_field=id&_popup=1",
            {"name": "Kalix Library", "slug": "kalix-library", "kind": "other", "_popup": "1"},
        )
        pk, _ = popup_value(response)
        unit = Organisation.objects.get(pk=pk)
        self.assertEqual(unit.municipality, self.kalix)
        self.assertFalse(unit.needs_review)

    def test_a_link_not_declared_ownerless_gives_no_ownerless_form(self):
        self.sign_in(self.kalix_user)
        response = self.client.post(
            f"{ADD_ORGANISATION}?_popup=1&_ownerless_link=projects.project.organisations",
            {"name": "Kalix Pool", "slug": "kalix-pool", "kind": "other", "_popup": "1"},
        )
        pk, _ = popup_value(response)
        self.assertEqual(Organisation.objects.get(pk=pk).municipality, self.kalix)

    def test_the_coordinator_cannot_change_or_delete_what_they_added(self):
        self.sign_in(self.kalix_user)
        pk, _ = popup_value(self.add_partner_organisation())
        for view in ["change", "delete", "history"]:
            url = reverse(f"admin:registry_organisation_{view}", args=[pk])
            self.assertEqual(self.client.get(f"{url}?_to_field=id&_popup=1").status_code, 404)
        change = reverse("admin:registry_organisation_change", args=[pk])
        response = self.client.post(
            f"{change}?_popup=1&{PARTNER_LINK}", {"name": "Renamed", "country": "LV"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Organisation.objects.get(pk=pk).name, "Rēzekne Academy of Technologies")

    def test_another_municipalitys_unit_is_out_of_reach_through_the_popup(self):
        self.sign_in(self.kalix_user)
        school = self.norrkoping_school
        for view in ["change", "delete"]:
            url = reverse(f"admin:registry_organisation_{view}", args=[school.pk])
            self.assertEqual(self.client.get(f"{url}?_to_field=id&_popup=1").status_code, 404)
            response = self.client.post(
                f"{url}?_popup=1&{PARTNER_LINK}",
                {"name": "Mine now", "country": "LV", "post": "yes", "_popup": "1"},
            )
            self.assertEqual(response.status_code, 404)
        school.refresh_from_db()
        self.assertEqual((school.name, school.municipality), ("Norrköping School", self.norrkoping))
        # Nor does the partner form make a unit someone else's.
        pk, _ = popup_value(self.add_partner_organisation(municipality=self.norrkoping.pk))
        self.assertIsNone(Organisation.objects.get(pk=pk).municipality)

    def test_a_partner_organisation_shows_its_city_and_country_publicly(self):
        self.sign_in(self.kalix_user)
        pk, _ = popup_value(self.add_partner_organisation())
        project = make_project(municipality=self.kalix, slug="bridges")
        project.partner_organisations.add(pk)
        self.client.logout()
        response = self.client.get("/projects/bridges/")
        self.assertContains(response, "<li>Rēzekne Academy of Technologies (Rēzekne, Latvia)</li>")

    def test_the_registrys_staff_see_who_added_it_and_find_those_to_review(self):
        self.sign_in(self.kalix_user)
        pk, _ = popup_value(self.add_partner_organisation())
        root = get_user_model().objects.create_superuser("root", "root@example.org", "x")
        self.client.force_login(root, backend=MODEL_BACKEND)
        listed = self.client.get(
            reverse("admin:registry_organisation_changelist"), {"needs_review__exact": "1"}
        )
        self.assertEqual([row.pk for row in listed.context["cl"].result_list], [pk])
        change = self.client.get(reverse("admin:registry_organisation_change", args=[pk]))
        self.assertContains(change, "kalix-coordinator")


class PartnerMunicipalityPopupTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_country("UG")
        cls.rezekne = make_municipality("rezekne", name="Rēzekne", country_code="LV")

    def add_municipality(self, **fields):
        data = {
            "name": "Masaka",
            "country": "UG",
            "kind": "municipality",
            "region": "",
            "website": "",
            "_popup": "1",
            "_to_field": "id",
            **fields,
        }
        return self.client.post(f"{ADD_MUNICIPALITY}?_to_field=id&_popup=1", data)

    def test_the_plus_beside_partner_municipalities_opens_a_short_form(self):
        self.sign_in(self.kalix_user)
        page = self.client.get(ADD_PROJECT).content.decode()
        link = plus_link(page, "partner_municipalities")
        response = self.client.get(link)
        form = response.context["adminform"].form
        self.assertEqual(list(form.fields), ["name", "country", "kind", "region", "website"])
        self.assertContains(response, "Add a partner municipality")

    def test_a_municipality_abroad_is_added_for_review_and_picked_in_the_form(self):
        self.sign_in(self.kalix_user)
        pk, name = popup_value(self.add_municipality(organisation_number="212000-2742"))
        masaka = Municipality.objects.get(pk=pk)
        self.assertEqual((name, masaka.slug, masaka.country_id), ("Masaka", "masaka", "UG"))
        self.assertEqual(masaka.organisation_number, "")  # not in the short form
        self.assertEqual(masaka.added_by, self.kalix_user)
        self.assertTrue(masaka.needs_review)
        self.assertFalse(masaka.coordinators.exists())
        data = changeform_data(self.client.get(ADD_PROJECT))
        data.update({"title": "Masaka", "partner_municipalities": [str(pk)]})
        self.assertEqual(self.client.post(ADD_PROJECT, data).status_code, 302)
        project = Project.objects.get(title="Masaka")
        self.assertEqual(list(project.partner_municipalities.all()), [masaka])

    def test_a_municipality_of_the_coordinators_own_country_is_left_to_the_staff(self):
        self.sign_in(self.kalix_user)
        response = self.add_municipality(name="Haparanda", country="SE")
        self.assertContains(response, "Municipalities in Sweden are added by the registry")
        self.assertFalse(Municipality.objects.filter(name="Haparanda").exists())

    def test_a_municipality_already_there_is_refused(self):
        self.sign_in(self.kalix_user)
        response = self.add_municipality(name="rezekne", country="LV")
        self.assertContains(response, "is in the registry already")
        self.assertEqual(Municipality.objects.filter(country="LV").count(), 1)

    def test_no_existing_municipality_is_changed_or_deleted_through_the_popup(self):
        self.sign_in(self.kalix_user)
        pk, _ = popup_value(self.add_municipality())
        for municipality_pk in [self.rezekne.pk, pk, self.kalix.pk]:
            change = reverse("admin:registry_municipality_change", args=[municipality_pk])
            response = self.client.post(
                f"{change}?_to_field=id&_popup=1",
                {"name": "Renamed", "slug": "renamed", "country": "LV", "kind": "municipality"},
            )
            self.assertEqual(response.status_code, 403)
            delete = reverse("admin:registry_municipality_delete", args=[municipality_pk])
            self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertEqual(
            set(Municipality.objects.values_list("name", flat=True)),
            {"Kalix", "Norrköping", "Rēzekne", "Masaka"},
        )

    def test_a_staff_user_without_a_municipality_cannot_add_one(self):
        staff = get_user_model().objects.create_user("staff", is_staff=True)
        staff.groups.set(self.kalix_user.groups.all())
        self.client.force_login(staff, backend=MODEL_BACKEND)
        self.assertEqual(self.client.get(ADD_MUNICIPALITY).status_code, 403)

    def test_a_superuser_keeps_the_whole_form_and_adds_nothing_for_review(self):
        root = get_user_model().objects.create_superuser("root", "root@example.org", "x")
        self.client.force_login(root, backend=MODEL_BACKEND)
        form = self.client.get(ADD_MUNICIPALITY).context["adminform"].form
        self.assertIn("slug", form.fields)
        self.assertIn("organisation_number", form.fields)
        self.assertIn("needs_review", form.fields)


def test_the_migration_lets_an_existing_coordinators_group_add_municipalities(db):
    migration = importlib.import_module(
        "registry.migrations.0009_partners_added_by_coordinators"
    )
    group = Group.objects.create(name="Coordinators")
    migration.coordinators_may_add_municipalities(apps, None)
    assert list(group.permissions.values_list("codename", flat=True)) == ["add_municipality"]
