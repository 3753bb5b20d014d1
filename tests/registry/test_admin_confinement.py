"""A coordinator does everything for their own municipality in the admin, nothing for another."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from networks.models import Membership, Network
from projects.models import Contact, Event, Project, Strategy
from registry.models import Goal, Organisation
from tests.admin_helpers import MODEL_BACKEND, CoordinatorsTestCase, changeform_data
from tests.factories import make_country, make_event, make_goal, make_municipality, make_project


def autocomplete(client, field_name, term="", model_name="project"):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "projects", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200, response.content
    return [result["text"] for result in response.json()["results"]]


class ProjectListTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.kalix_project = make_project(
            title="Arctic water schools", municipality=cls.kalix, organisations=[cls.kalix_school]
        )
        cls.norrkoping_project = make_project(
            title="Water and culture", municipality=cls.norrkoping
        )

    def test_the_project_list_shows_only_the_coordinators_municipality(self):
        self.sign_in(self.kalix_user)
        response = self.client.get(reverse("admin:projects_project_changelist"))
        self.assertContains(response, "Arctic water schools")
        self.assertNotContains(response, "Water and culture")
        self.assertEqual(list(response.context["cl"].result_list), [self.kalix_project])

    def test_a_search_never_reaches_another_municipality(self):
        self.sign_in(self.kalix_user)
        response = self.client.get(reverse("admin:projects_project_changelist"), {"q": "water"})
        self.assertEqual(list(response.context["cl"].result_list), [self.kalix_project])

    def test_a_search_matches_the_name_of_a_unit(self):
        self.sign_in(self.kalix_user)
        response = self.client.get(reverse("admin:projects_project_changelist"), {"q": "school"})
        self.assertEqual(list(response.context["cl"].result_list), [self.kalix_project])

    def test_a_search_ignores_case_and_accents_like_the_public_search(self):
        make_project(title="Partnerskap med Rēzekne", municipality=self.kalix, slug="rezekne")
        make_project(title="Rēzekne igen", municipality=self.norrkoping, slug="rezekne-2")
        self.sign_in(self.kalix_user)
        response = self.client.get(reverse("admin:projects_project_changelist"), {"q": "REZEKNE"})
        self.assertEqual([p.slug for p in response.context["cl"].result_list], ["rezekne"])

    def test_the_list_shows_units_years_status_and_publication(self):
        Project.objects.filter(pk=self.kalix_project.pk).update(start_year=2019, end_year=2021)
        self.sign_in(self.kalix_user)
        response = self.client.get(reverse("admin:projects_project_changelist"))
        self.assertContains(response, "Kalix School")
        self.assertContains(response, "2019–2021")
        self.assertContains(response, "completed")
        self.assertContains(response, "published")

    def test_the_changelist_needs_as_many_queries_for_many_rows_as_for_one(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_changelist")
        self.client.get(url)  # warm the session and content types
        with CaptureQueriesContext(connection) as one_row:
            self.client.get(url)
        for number in range(5):
            make_project(
                municipality=self.kalix,
                organisations=[self.kalix_school],
                countries=["LV"],
                goals=[number + 1],
            )
        with CaptureQueriesContext(connection) as six_rows:
            response = self.client.get(url)
        self.assertEqual(len(response.context["cl"].result_list), 6)
        self.assertEqual(len(six_rows), len(one_row))

    def test_a_superuser_sees_every_municipality(self):
        admin_user = get_user_model().objects.create_superuser("root", password="x" * 12)
        self.sign_in(admin_user)
        response = self.client.get(reverse("admin:projects_project_changelist"))
        self.assertContains(response, "Arctic water schools")
        self.assertContains(response, "Water and culture")

    def test_staff_without_a_coordinator_link_see_no_projects(self):
        staff = get_user_model().objects.create_user("visitor", password="x" * 12, is_staff=True)
        staff.groups.set(self.kalix_user.groups.all())
        self.sign_in(staff)
        response = self.client.get(reverse("admin:projects_project_changelist"))
        self.assertEqual(list(response.context["cl"].result_list), [])
        self.assertNotContains(response, "Arctic water schools")
        add = self.client.get(reverse("admin:projects_project_add"))
        self.assertEqual(add.status_code, 403)


class StatusAndReviewFilterTests(CoordinatorsTestCase):
    def test_the_status_filter_uses_the_derived_status(self):
        year = timezone.localdate().year
        ongoing = make_project(title="Running", municipality=self.kalix, start_year=year - 1)
        make_project(title="Finished", municipality=self.kalix, start_year=2001, end_year=2002)
        make_project(title="Resting", municipality=self.kalix, start_year=year - 1, paused=True)
        self.sign_in(self.kalix_user)
        response = self.client.get(
            reverse("admin:projects_project_changelist"), {"status": "ongoing"}
        )
        self.assertEqual(list(response.context["cl"].result_list), [ongoing])

    def test_not_reviewed_for_a_year_includes_never_reviewed(self):
        today = timezone.localdate()
        never = make_project(title="Never", municipality=self.kalix, reviewed_on=None)
        stale = make_project(
            title="Stale", municipality=self.kalix, reviewed_on=today - datetime.timedelta(400)
        )
        make_project(title="Fresh", municipality=self.kalix, reviewed_on=today)
        self.sign_in(self.kalix_user)
        response = self.client.get(
            reverse("admin:projects_project_changelist"), {"review": "stale"}
        )
        self.assertEqual(set(response.context["cl"].result_list), {never, stale})


class ObjectPageTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.kalix_project = make_project(title="Kalix exchange", municipality=cls.kalix)
        cls.norrkoping_project = make_project(title="Norrköping choir", municipality=cls.norrkoping)

    def test_another_municipalitys_project_is_not_found_to_open_delete_or_see_history(self):
        self.sign_in(self.kalix_user)
        pk = self.norrkoping_project.pk
        for name in ("change", "delete", "history"):
            with self.subTest(name):
                response = self.client.get(reverse(f"admin:projects_project_{name}", args=[pk]))
                self.assertEqual(response.status_code, 404)
                self.assertNotContains(response, "Norrköping choir", status_code=404)

    def test_posting_a_delete_of_another_municipalitys_project_deletes_nothing(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_delete", args=[self.norrkoping_project.pk])
        response = self.client.post(url, {"post": "yes"})
        self.assertEqual(response.status_code, 404)
        self.assertTrue(Project.objects.filter(pk=self.norrkoping_project.pk).exists())

    def test_posting_a_change_to_another_municipalitys_project_changes_nothing(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_change", args=[self.norrkoping_project.pk])
        response = self.client.post(url, {"title": "Taken over", "slug": "taken-over"})
        self.assertEqual(response.status_code, 404)
        self.norrkoping_project.refresh_from_db()
        self.assertEqual(self.norrkoping_project.title, "Norrköping choir")

    def test_the_coordinator_changes_their_own_project(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_change", args=[self.kalix_project.pk])
        data = changeform_data(self.client.get(url))
        data.update(title="Kalix exchange, second round", organisations=[self.kalix_school.pk])
        response = self.client.post(url, data)
        self.assertRedirects(response, reverse("admin:projects_project_changelist"))
        self.kalix_project.refresh_from_db()
        self.assertEqual(self.kalix_project.title, "Kalix exchange, second round")
        self.assertEqual(list(self.kalix_project.organisations.all()), [self.kalix_school])

    def test_the_municipality_field_is_not_offered_to_a_coordinator(self):
        self.sign_in(self.kalix_user)
        response = self.client.get(reverse("admin:projects_project_add"))
        self.assertNotIn("municipality", response.context["adminform"].form.fields)

    def test_a_forged_municipality_in_an_added_project_is_replaced_by_the_coordinators(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_add")
        data = changeform_data(self.client.get(url))
        data.update(title="Forged", slug="forged", municipality=self.norrkoping.pk)
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Project.objects.get(slug="forged").municipality, self.kalix)

    def test_another_municipalitys_unit_cannot_be_added_to_a_project(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_change", args=[self.kalix_project.pk])
        data = changeform_data(self.client.get(url))
        data["organisations"] = [self.kalix_school.pk, self.norrkoping_school.pk]
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("organisations", response.context["adminform"].form.errors)
        self.assertEqual(list(self.kalix_project.organisations.all()), [])

    def test_a_link_a_superuser_made_to_another_unit_survives_the_coordinators_edit(self):
        self.kalix_project.organisations.set([self.norrkoping_school])
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_change", args=[self.kalix_project.pk])
        data = changeform_data(self.client.get(url))
        data["title"] = "Kalix exchange, renamed"
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertEqual(list(self.kalix_project.organisations.all()), [self.norrkoping_school])

    def test_view_on_site_refuses_another_municipalitys_project(self):
        self.sign_in(self.kalix_user)
        content_type = ContentType.objects.get_for_model(Project)
        url = reverse("admin:view_on_site", args=[content_type.pk, self.norrkoping_project.pk])
        self.assertEqual(self.client.get(url).status_code, 404)


class AutocompleteTests(CoordinatorsTestCase):
    def test_the_units_offered_for_a_project_are_the_coordinators_own(self):
        self.sign_in(self.kalix_user)
        self.assertEqual(autocomplete(self.client, "organisations", "school"), ["Kalix School"])
        self.sign_in(self.norrkoping_user)
        self.assertEqual(
            autocomplete(self.client, "organisations", "school"), ["Norrköping School"]
        )

    def test_any_municipality_may_be_picked_as_a_partner(self):
        make_municipality("rezekne", name="Rēzekne", country_code="LV")
        self.sign_in(self.kalix_user)
        self.assertEqual(
            autocomplete(self.client, "partner_municipalities"), ["Kalix", "Norrköping", "Rēzekne"]
        )

    def test_countries_are_found_by_code_or_by_name_in_any_of_the_sites_languages(self):
        for code in ("LV", "LT", "SE"):
            make_country(code)
        self.sign_in(self.kalix_user)
        self.assertEqual(autocomplete(self.client, "partner_countries", "lettland"), ["Latvia"])
        self.assertEqual(autocomplete(self.client, "partner_countries", "Latvija"), ["Latvia"])
        self.assertIn("Lithuania", autocomplete(self.client, "partner_countries", "lt"))

    def test_countries_django_countries_leaves_in_english_are_named_and_found_in_swedish(self):
        for code in ("AL", "CA", "LV"):
            make_country(code)
        self.sign_in(self.kalix_user)
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "sv"
        self.assertEqual(autocomplete(self.client, "partner_countries", "albanien"), ["Albanien"])
        self.assertEqual(autocomplete(self.client, "partner_countries", "Canada"), ["Kanada"])
        self.assertEqual(autocomplete(self.client, "partner_countries", "lettland"), ["Lettland"])

    def test_goals_are_found_by_number_or_name(self):
        make_goal(4)
        make_goal(11)
        self.sign_in(self.kalix_user)
        self.assertEqual(autocomplete(self.client, "goals", "11"), ["11. Goal 11"])

    def test_the_projects_offered_for_an_event_are_the_coordinators_own(self):
        make_project(title="Kalix choir", municipality=self.kalix)
        make_project(title="Norrköping choir", municipality=self.norrkoping)
        self.sign_in(self.kalix_user)
        self.assertEqual(
            autocomplete(self.client, "project", "choir", model_name="event"), ["Kalix choir"]
        )


class ReferenceDataTests(CoordinatorsTestCase):
    def test_a_coordinator_may_look_at_a_goal_but_not_change_it(self):
        goal = make_goal(4)
        self.sign_in(self.kalix_user)
        url = reverse("admin:registry_goal_change", args=[goal.pk])
        self.assertContains(self.client.get(url), "Goal 4")
        response = self.client.post(url, {"name_en": "Changed", "colour": "#000000"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Goal.objects.get(pk=4).name_en, "Goal 4")

    def test_a_coordinator_cannot_add_countries_or_funders_nor_change_municipalities(self):
        # A partner municipality abroad they may add (tests/registry/test_admin_partners.py).
        self.sign_in(self.kalix_user)
        for name in ("country", "funder"):
            with self.subTest(name):
                response = self.client.get(reverse(f"admin:registry_{name}_add"))
                self.assertEqual(response.status_code, 403)
        response = self.client.post(
            reverse("admin:registry_municipality_change", args=[self.norrkoping.pk]),
            {"name": "Renamed", "slug": "norrkoping", "country": "SE", "kind": "municipality"},
        )
        self.assertEqual(response.status_code, 403)
        self.norrkoping.refresh_from_db()
        self.assertEqual(self.norrkoping.name, "Norrköping")


class OtherOwnedRecordsTests(CoordinatorsTestCase):
    """Units, events, contacts, memberships and strategies are confined like projects."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        network = Network.objects.create(name="Union of the Baltic Cities", slug="ubc")
        cls.records = {}
        places = [(cls.kalix, cls.kalix_school), (cls.norrkoping, cls.norrkoping_school)]
        for place, school in places:
            project = make_project(title=f"{place.name} project", municipality=place)
            cls.records[place.slug] = {
                "registry_organisation": school,
                "projects_event": make_event(
                    project, title=f"{place.name} opening", date=datetime.date(2024, 5, 1)
                ),
                "projects_contact": Contact.objects.create(
                    name=f"{place.name} contact", municipality=place
                ),
                "networks_membership": Membership.objects.create(
                    network=network, municipality=place, role=f"{place.name} member"
                ),
                "projects_strategy": Strategy.objects.create(
                    title=f"{place.name} strategy",
                    slug=f"{place.slug}-strategy",
                    municipality=place,
                ),
            }

    def test_every_list_shows_only_the_coordinators_records(self):
        self.sign_in(self.kalix_user)
        for name, own in self.records["kalix"].items():
            with self.subTest(name):
                response = self.client.get(reverse(f"admin:{name}_changelist"))
                self.assertEqual(list(response.context["cl"].result_list), [own])

    def test_every_record_of_another_municipality_is_not_found(self):
        self.sign_in(self.kalix_user)
        for name, other in self.records["norrkoping"].items():
            with self.subTest(name):
                response = self.client.get(reverse(f"admin:{name}_change", args=[other.pk]))
                self.assertEqual(response.status_code, 404)

    def test_an_event_cannot_be_moved_to_another_municipalitys_project(self):
        event = self.records["kalix"]["projects_event"]
        other_project = self.records["norrkoping"]["projects_event"].project
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_event_change", args=[event.pk])
        data = changeform_data(self.client.get(url))
        data["project"] = other_project.pk
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("project", response.context["adminform"].form.errors)
        self.assertEqual(Event.objects.get(pk=event.pk).project.municipality, self.kalix)

    def test_a_duplicate_contact_name_is_a_form_error_not_a_server_error(self):
        self.sign_in(self.kalix_user)
        response = self.client.post(
            reverse("admin:projects_contact_add"), {"name": "Kalix contact", "role": "again"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "already exists")
        self.assertEqual(Contact.objects.filter(name="Kalix contact").count(), 1)

    def test_a_coordinator_adds_a_contact_for_their_own_municipality(self):
        self.sign_in(self.kalix_user)
        response = self.client.post(
            reverse("admin:projects_contact_add"),
            {"name": "Norrköping contact", "municipality": self.norrkoping.pk},
        )
        self.assertEqual(response.status_code, 302)
        places = {c.municipality for c in Contact.objects.filter(name="Norrköping contact")}
        self.assertEqual(places, {self.kalix, self.norrkoping})

    def test_a_unit_added_by_a_coordinator_belongs_to_their_municipality(self):
        self.sign_in(self.kalix_user)
        response = self.client.post(
            reverse("admin:registry_organisation_add"),
            {
                "name": "Kalix Museum",
                "slug": "kalix-museum",
                "kind": "museum",
                "municipality": self.norrkoping.pk,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Organisation.objects.get(slug="kalix-museum").municipality, self.kalix)


class ActionTests(CoordinatorsTestCase):
    def test_publish_unpublish_and_mark_reviewed_change_only_the_selected_projects(self):
        draft = make_project(
            title="Draft", municipality=self.kalix, publication=Project.Publication.DRAFT
        )
        other = make_project(
            title="Other draft",
            municipality=self.norrkoping,
            publication=Project.Publication.DRAFT,
            reviewed_on=None,
        )
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_changelist")
        selected = [draft.pk, other.pk]  # a forged selection of another municipality's project

        self.client.post(url, {"action": "publish", "_selected_action": selected})
        draft.refresh_from_db()
        other.refresh_from_db()
        self.assertEqual(draft.publication, Project.Publication.PUBLISHED)
        self.assertEqual(other.publication, Project.Publication.DRAFT)

        self.client.post(url, {"action": "mark_reviewed", "_selected_action": selected})
        draft.refresh_from_db()
        other.refresh_from_db()
        self.assertEqual(draft.reviewed_on, timezone.localdate())
        self.assertIsNone(other.reviewed_on)

        self.client.post(url, {"action": "unpublish", "_selected_action": [draft.pk]})
        draft.refresh_from_db()
        self.assertEqual(draft.publication, Project.Publication.DRAFT)


class SuperuserTests(CoordinatorsTestCase):
    def test_a_superuser_may_give_a_project_to_any_municipality(self):
        root = get_user_model().objects.create_superuser("root", password="x" * 12)
        self.client.force_login(root, backend=MODEL_BACKEND)
        url = reverse("admin:projects_project_add")
        data = changeform_data(self.client.get(url))
        data.update(title="Shared", slug="shared", municipality=self.norrkoping.pk)
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertEqual(Project.objects.get(slug="shared").municipality, self.norrkoping)
