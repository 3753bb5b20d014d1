"""Every change is in the history; a coordinator reverts and recovers only their own records."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from reversion.models import Version

from projects.models import Contact, Event, Project, Strategy
from registry.models import Organisation
from tests.admin_helpers import (
    MODEL_BACKEND,
    CoordinatorsTestCase,
    changeform_data,
    make_versioned_project,
)
from tests.factories import make_event, make_organisation, make_project


def deleted_project_versions():
    return Version.objects.get_deleted(Project)


class HistoryAndRevertTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = make_versioned_project(title="Old title", municipality=cls.kalix)

    def rename(self, title):
        url = reverse("admin:projects_project_change", args=[self.project.pk])
        data = changeform_data(self.client.get(url))
        data["title"] = title
        data["organisations"] = [self.kalix_school.pk]
        self.assertEqual(self.client.post(url, data).status_code, 302)

    def test_a_change_is_recorded_with_who_made_it_and_what_changed(self):
        self.sign_in(self.kalix_user)
        self.rename("New title")
        latest = Version.objects.get_for_object(self.project).first()
        self.assertEqual(latest.revision.user, self.kalix_user)
        self.assertEqual(latest.field_dict["title"], "New title")
        self.assertEqual(latest.field_dict["organisations"], [self.kalix_school.pk])
        url = reverse("admin:projects_project_history", args=[self.project.pk])
        response = self.client.get(url)
        self.assertContains(response, "kalix-coordinator")
        self.assertContains(response, "Changed Title and Units and organisations.")

    def test_publishing_from_the_list_is_recorded_too(self):
        self.sign_in(self.kalix_user)
        self.client.post(
            reverse("admin:projects_project_changelist"),
            {"action": "unpublish", "_selected_action": [self.project.pk]},
        )
        latest = Version.objects.get_for_object(self.project).first()
        self.assertEqual(latest.revision.user, self.kalix_user)
        self.assertEqual(latest.field_dict["publication"], Project.Publication.DRAFT)
        self.assertEqual(latest.revision.get_comment(), "Changed Publication.")

    def test_reverting_restores_the_old_title(self):
        self.sign_in(self.kalix_user)
        self.rename("New title")
        first = Version.objects.get_for_object(self.project).last()
        url = reverse("admin:projects_project_revision", args=[self.project.pk, first.pk])
        page = self.client.get(url)
        self.assertContains(page, "Old title")
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "New title")  # looking changes nothing
        self.assertEqual(self.client.post(url, changeform_data(page)).status_code, 302)
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "Old title")
        self.assertEqual(list(self.project.organisations.all()), [])

    def test_another_municipalitys_coordinator_can_neither_see_nor_revert_the_history(self):
        first = Version.objects.get_for_object(self.project).last()
        self.sign_in(self.norrkoping_user)
        history = reverse("admin:projects_project_history", args=[self.project.pk])
        revision = reverse("admin:projects_project_revision", args=[self.project.pk, first.pk])
        self.assertEqual(self.client.get(history).status_code, 404)
        self.assertEqual(self.client.get(revision).status_code, 404)
        self.assertEqual(self.client.post(revision, {"title": "Hijacked"}).status_code, 404)
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "Old title")

    def test_a_revision_that_also_holds_another_municipalitys_project_cannot_be_reverted(self):
        other = make_versioned_project(title="Norrköping", municipality=self.norrkoping)
        root = get_user_model().objects.create_superuser("root", password="x" * 12)
        self.client.force_login(root, backend=MODEL_BACKEND)
        self.client.post(
            reverse("admin:projects_project_changelist"),
            {"action": "unpublish", "_selected_action": [self.project.pk, other.pk]},
        )
        shared = Version.objects.get_for_object(self.project).first()
        self.assertEqual(shared.revision.version_set.count(), 2)
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_revision", args=[self.project.pk, shared.pk])
        self.assertEqual(self.client.get(url).status_code, 404)


class RecoverTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Made outside the admin, like seeded records: no history before the deletion.
        cls.kalix_project = make_project(
            title="Kalix bridges", municipality=cls.kalix, organisations=[cls.kalix_school]
        )
        make_event(cls.kalix_project, title="Bridge opening", date_note="spring 2020")
        cls.norrkoping_project = make_project(
            title="Norrköping canals", municipality=cls.norrkoping
        )

    def delete(self, project):
        url = reverse("admin:projects_project_delete", args=[project.pk])
        response = self.client.post(url, {"post": "yes"}, follow=True)
        self.assertContains(response, "was deleted successfully")
        self.assertFalse(Project.objects.filter(pk=project.pk).exists())

    def test_a_deleted_project_is_recovered_with_its_events_and_units(self):
        self.sign_in(self.kalix_user)
        self.delete(self.kalix_project)
        listing = self.client.get(reverse("admin:projects_project_recoverlist"))
        self.assertContains(listing, "Kalix bridges")
        version = deleted_project_versions().get(object_id=str(self.kalix_project.pk))
        url = reverse("admin:projects_project_recover", args=[version.pk])
        page = self.client.get(url)
        self.assertContains(page, "Kalix bridges")
        self.assertEqual(self.client.post(url, changeform_data(page)).status_code, 302)
        project = Project.objects.get(pk=self.kalix_project.pk)
        self.assertEqual(list(project.organisations.all()), [self.kalix_school])
        self.assertEqual([event.title for event in project.events.all()], ["Bridge opening"])

    def test_another_municipalitys_deleted_project_is_neither_listed_nor_recoverable(self):
        self.sign_in(self.norrkoping_user)
        self.delete(self.norrkoping_project)
        version = deleted_project_versions().get(object_id=str(self.norrkoping_project.pk))

        self.sign_in(self.kalix_user)
        listing = self.client.get(reverse("admin:projects_project_recoverlist"))
        self.assertEqual(listing.context["deleted"], [])
        self.assertNotContains(listing, "Norrköping canals")
        url = reverse("admin:projects_project_recover", args=[version.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"title": "Norrköping canals"}).status_code, 404)
        self.assertFalse(Project.objects.filter(pk=self.norrkoping_project.pk).exists())

    def test_projects_deleted_together_are_recovered_one_at_a_time(self):
        second = make_project(title="Kalix ferries", municipality=self.kalix)
        self.sign_in(self.kalix_user)
        response = self.client.post(
            reverse("admin:projects_project_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [self.kalix_project.pk, second.pk],
                "post": "yes",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Project.objects.filter(municipality=self.kalix).count(), 0)
        version = deleted_project_versions().get(object_id=str(second.pk))
        url = reverse("admin:projects_project_recover", args=[version.pk])
        self.client.post(url, changeform_data(self.client.get(url)))
        recovered = Project.objects.filter(municipality=self.kalix)
        self.assertEqual([project.title for project in recovered], ["Kalix ferries"])
        self.assertFalse(Event.objects.filter(title="Bridge opening").exists())


class CompleteRecoveryTests(CoordinatorsTestCase):
    """Recovering a project restores what its deletion emptied or took with it: its contacts'
    links to it, its units and its events; and a slug taken since offers to pick another."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = make_project(
            title="Kalix bridges",
            slug="kalix-bridges",
            municipality=cls.kalix,
            organisations=[cls.kalix_school],
        )
        make_event(cls.project, title="Bridge opening", date_note="spring 2020")
        cls.contact = Contact.objects.create(
            name="Per Eriksson", municipality=cls.kalix, project=cls.project
        )

    def delete_and_recover_page(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_delete", args=[self.project.pk])
        self.client.post(url, {"post": "yes"})
        self.assertFalse(Project.objects.filter(pk=self.project.pk).exists())
        version = deleted_project_versions().get(object_id=str(self.project.pk))
        return reverse("admin:projects_project_recover", args=[version.pk])

    def recover(self, url):
        page = self.client.get(url)
        self.assertEqual(self.client.post(url, changeform_data(page)).status_code, 302)
        return Project.objects.get(pk=self.project.pk)

    def test_recovering_a_project_restores_its_contacts_link_units_and_events(self):
        url = self.delete_and_recover_page()
        self.contact.refresh_from_db()
        self.assertIsNone(self.contact.project)
        project = self.recover(url)
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.project, project)
        self.assertEqual(list(project.organisations.all()), [self.kalix_school])
        self.assertEqual([event.title for event in project.events.all()], ["Bridge opening"])

    def test_recovery_keeps_what_was_done_to_the_contact_since(self):
        url = self.delete_and_recover_page()
        Contact.objects.filter(pk=self.contact.pk).update(role="Rektor", email="per@kalix.se")
        self.recover(url)
        self.contact.refresh_from_db()
        self.assertEqual(
            (self.contact.role, self.contact.email, self.contact.project_id),
            ("Rektor", "per@kalix.se", self.project.pk),
        )

    def test_recovery_leaves_a_contact_linked_elsewhere_since_and_a_deleted_one_deleted(self):
        other = make_project(title="Kalix ferries", municipality=self.kalix)
        second = Contact.objects.create(
            name="Anna Berg", municipality=self.kalix, project=self.project
        )
        url = self.delete_and_recover_page()
        Contact.objects.filter(pk=self.contact.pk).update(project=other)
        second.delete()
        self.recover(url)
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.project, other)
        self.assertFalse(Contact.objects.filter(name="Anna Berg").exists())

    def test_a_unit_deleted_since_is_left_out_of_the_recovered_projects_units(self):
        other = make_organisation(self.kalix, slug="kalix-harbour", name="Kalix Harbour")
        self.project.organisations.add(other)
        url = self.delete_and_recover_page()
        self.client.post(
            reverse("admin:registry_organisation_delete", args=[other.pk]), {"post": "yes"}
        )
        project = self.recover(url)
        self.assertEqual(list(project.organisations.all()), [self.kalix_school])
        through = Project.organisations.through.objects
        # No link row to the deleted unit, which the database would refuse on commit.
        self.assertEqual(
            list(through.values_list("organisation", flat=True)), [self.kalix_school.pk]
        )

    def test_another_municipalitys_contact_is_not_part_of_the_recovery(self):
        stranger = Contact.objects.create(
            name="Lars Ek", municipality=self.norrkoping, project=self.project
        )
        url = self.delete_and_recover_page()
        self.recover(url)
        stranger.refresh_from_db()
        self.assertIsNone(stranger.project)

    def test_a_slug_taken_since_is_said_so_and_another_can_be_picked(self):
        url = self.delete_and_recover_page()
        # Another municipality's project takes the slug, in other letters.
        make_project(
            title="Secret Norrköping plan", slug="Kalix-Bridges", municipality=self.norrkoping
        )
        page = self.client.get(url)
        self.assertContains(page, "The slug “kalix-bridges” has been taken by another record since")
        self.assertNotContains(page, "Secret Norrköping plan")
        self.assertNotContains(page, "Kalix-Bridges")
        self.assertEqual(page.context["form"]["slug"].value(), "kalix-bridges-2")
        # A slug that is taken too, or too long, is refused on the same page.
        too_long = self.client.post(url, {"slug": "x" * 121})
        self.assertContains(too_long, "at most 120 characters")
        refused = self.client.post(url, {"slug": "KALIX-BRIDGES"})
        self.assertContains(refused, "This slug is taken too")
        response = self.client.post(url, {"slug": "kalix-bridges-2"})
        self.assertEqual(response.status_code, 302)
        project = self.recover(response["Location"])
        self.assertEqual(project.slug, "kalix-bridges-2")
        self.assertEqual([event.title for event in project.events.all()], ["Bridge opening"])
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.project, project)

    def test_the_taken_slug_page_is_in_the_users_language(self):
        url = self.delete_and_recover_page()
        make_project(slug="kalix-bridges", municipality=self.norrkoping)
        page = self.client.get(url, HTTP_ACCEPT_LANGUAGE="sv")
        self.assertContains(page, "har tagits av en annan post")

    def test_another_municipalitys_coordinator_cannot_use_the_slug_page(self):
        url = self.delete_and_recover_page()
        make_project(slug="kalix-bridges", municipality=self.norrkoping)
        self.sign_in(self.norrkoping_user)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"slug": "mine"}).status_code, 404)


class UnitRecoveryTests(CoordinatorsTestCase):
    def test_recovering_a_unit_restores_its_contacts_link(self):
        contact = Contact.objects.create(
            name="Per Eriksson", municipality=self.kalix, organisation=self.kalix_school
        )
        self.sign_in(self.kalix_user)
        delete = reverse("admin:registry_organisation_delete", args=[self.kalix_school.pk])
        self.client.post(delete, {"post": "yes"})
        contact.refresh_from_db()
        self.assertIsNone(contact.organisation)
        version = Version.objects.get_deleted(Organisation).get(object_id=str(self.kalix_school.pk))
        url = reverse("admin:registry_organisation_recover", args=[version.pk])
        page = self.client.get(url)
        self.assertEqual(self.client.post(url, changeform_data(page)).status_code, 302)
        contact.refresh_from_db()
        self.assertEqual(contact.organisation, self.kalix_school)


class SlugsIgnoringCaseTests(CoordinatorsTestCase):
    def test_an_upper_case_copy_of_another_municipalitys_unit_slug_is_a_form_error(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:registry_organisation_add")
        data = {"name": "Kalix school 2", "slug": "Norrkoping-School", "kind": "school"}
        response = self.client.post(url, data)
        self.assertContains(
            response, "Another record already has this slug, perhaps in other capital"
        )
        self.assertNotContains(response, "Norrköping School")
        self.assertFalse(Organisation.objects.filter(name="Kalix school 2").exists())

    def test_an_upper_case_copy_of_another_projects_slug_is_a_form_error(self):
        make_project(title="Norrköping canals", slug="canals", municipality=self.norrkoping)
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_add")
        data = changeform_data(self.client.get(url))
        data.update(title="Kalix canals", slug="Canals")
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, "Another record already has this slug, perhaps in other capital"
        )
        self.assertFalse(Project.objects.filter(title="Kalix canals").exists())
        sv = self.client.post(url, data, HTTP_ACCEPT_LANGUAGE="sv")
        self.assertContains(sv, "En annan post har redan den här slugen")

    def test_an_upper_case_copy_of_another_strategys_slug_is_a_form_error(self):
        Strategy.objects.create(title="Norrköping plan", slug="plan", municipality=self.norrkoping)
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_strategy_add")
        data = changeform_data(self.client.get(url))
        data.update(title="Kalix plan", slug="PLAN")
        response = self.client.post(url, data)
        self.assertContains(
            response, "Another record already has this slug, perhaps in other capital"
        )
        self.assertFalse(Strategy.objects.filter(title="Kalix plan").exists())
