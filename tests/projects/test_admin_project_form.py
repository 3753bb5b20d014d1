"""The project form as a coordinator uses it: what is public, quick to fill, a draft's preview,
the municipality always named, bad import rows in plain view, many projects reviewed at once."""

import datetime

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from projects.models import Project
from projects.resources import COLUMNS
from registry.models import Organisation
from tests.admin_helpers import (
    MODEL_BACKEND,
    CoordinatorsTestCase,
    changeform_data,
    make_versioned_project,
)
from tests.factories import (
    make_event,
    make_funder,
    make_municipality,
    make_organisation,
    make_project,
)

ADD_URL = reverse("admin:projects_project_add")


def preview_url(project):
    return reverse("admin:projects_project_preview", args=[project.pk])


class ProjectFormTests(CoordinatorsTestCase):
    def test_every_publicly_shown_field_says_so(self):
        self.sign_in(self.kalix_user)
        form = self.client.get(ADD_URL).context["adminform"].form
        for name in ["title", "summary", "description", "start_year", "end_year", "website"]:
            self.assertIn("Shown publicly", str(form.fields[name].help_text), name)
        self.assertIn("Empty for an open-ended project.", str(form.fields["end_year"].help_text))
        self.assertIn("never shown publicly", str(form.fields["source"].help_text))

    def test_a_new_project_starts_in_the_municipalitys_language_with_its_only_unit(self):
        self.sign_in(self.kalix_user)
        initial = self.client.get(ADD_URL).context["adminform"].form.initial
        self.assertEqual(initial["language"], "sv")
        self.assertEqual(initial["organisations"], [self.kalix_school.pk])
        latvian = make_municipality("rezekne", name="Rēzekne", country_code="LV")
        make_organisation(latvian)
        make_organisation(latvian)
        self.kalix_user.coordinator.municipality = latvian
        self.kalix_user.coordinator.save()
        initial = self.client.get(ADD_URL).context["adminform"].form.initial
        self.assertEqual(initial["language"], "lv")
        self.assertNotIn("organisations", initial)  # two units: none is assumed

    def test_an_empty_slug_is_made_from_the_title(self):
        make_project(slug="kalix-rezekne-2030", municipality=self.norrkoping)
        self.sign_in(self.kalix_user)
        data = changeform_data(self.client.get(ADD_URL))
        data.update({"title": "Kalix–Rēzekne 2030", "slug": ""})
        response = self.client.post(ADD_URL, data)
        self.assertEqual(response.status_code, 302)
        project = Project.objects.get(title="Kalix–Rēzekne 2030")
        self.assertEqual(project.slug, "kalix-rezekne-2030-2")  # the first one is taken
        self.assertEqual(project.municipality, self.kalix)


class PreviewTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.draft = make_project(
            title="Winter school",
            slug="winter-school",
            summary="Pupils build a snow bridge.",
            municipality=cls.kalix,
            publication=Project.Publication.DRAFT,
        )

    def test_a_coordinator_sees_their_draft_as_it_will_look_marked_as_a_preview(self):
        self.assertEqual(self.client.get("/projects/winter-school/").status_code, 404)
        self.sign_in(self.kalix_user)
        response = self.client.get(preview_url(self.draft))
        page = response.content.decode()
        self.assertTemplateUsed(response, "projects/project_detail.html")
        self.assertIn('<div class="preview-marker" role="note"', page)
        self.assertIn("This draft is not public.", page)
        self.assertIn("Pupils build a snow bridge.", page)
        self.assertIn('<meta name="robots" content="noindex">', page)
        self.assertIn("no-store", response["Cache-Control"])

    def test_view_on_site_leads_a_draft_to_its_preview(self):
        self.sign_in(self.kalix_user)
        change = reverse("admin:projects_project_change", args=[self.draft.pk])
        self.assertContains(self.client.get(change), f'href="{preview_url(self.draft)}"')
        self.draft.publication = Project.Publication.PUBLISHED
        self.draft.save()
        page = self.client.get(change).content.decode()
        self.assertNotIn(preview_url(self.draft), page)

    def test_nobody_else_reaches_the_preview(self):
        url = preview_url(self.draft)
        login = f"{reverse('admin:login')}?next={url}"
        self.assertRedirects(self.client.get(url), login, fetch_redirect_response=False)
        self.sign_in(self.norrkoping_user)
        self.assertEqual(self.client.get(url).status_code, 404)
        staff = get_user_model().objects.create_user("staff", is_staff=True)
        self.client.force_login(staff, backend=MODEL_BACKEND)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_one_who_may_only_view_cannot_preview(self):
        self.sign_in(self.kalix_user)
        self.kalix_user.groups.first().permissions.filter(codename="change_project").delete()
        self.assertEqual(self.client.get(preview_url(self.draft)).status_code, 404)


class WorkingForTests(CoordinatorsTestCase):
    def test_every_admin_page_names_the_municipality_being_edited(self):
        self.sign_in(self.kalix_user)
        for url, language, text in [
            (reverse("admin:index"), "en", "You are editing for <strong>Kalix</strong>"),
            (ADD_URL, "sv", "Du redigerar för <strong>Kalix</strong>"),
            (reverse("admin:projects_event_changelist"), "lv", "<strong>Kalix</strong>"),
        ]:
            response = self.client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            self.assertContains(response, text)

    def test_a_superuser_edits_for_no_one_municipality(self):
        root = get_user_model().objects.create_superuser("root", "root@example.org", "x")
        self.client.force_login(root, backend=MODEL_BACKEND)
        self.assertNotContains(self.client.get(reverse("admin:index")), "municipality-banner")


class ReviewedTodayTests(CoordinatorsTestCase):
    def test_many_projects_are_marked_reviewed_today_at_once_and_the_public_date_follows(self):
        old = make_project(municipality=self.kalix, reviewed_on=datetime.date(2020, 1, 1))
        new = make_project(municipality=self.kalix, reviewed_on=None)
        others = make_project(municipality=self.norrkoping, reviewed_on=None)
        self.sign_in(self.kalix_user)
        response = self.client.post(
            reverse("admin:projects_project_changelist"),
            {"action": "mark_reviewed", "_selected_action": [old.pk, new.pk, others.pk]},
            follow=True,
        )
        self.assertContains(response, "2 projects marked reviewed today.")
        today = timezone.localdate()
        for project in [old, new]:
            project.refresh_from_db()
            self.assertEqual(project.reviewed_on, today)
            self.assertEqual(project.confirmed_on, today)  # the "as of" date pages show
        others.refresh_from_db()
        self.assertIsNone(others.reviewed_on)

    def test_the_swedish_message_agrees_with_the_number_of_projects(self):
        first = make_project(municipality=self.kalix, reviewed_on=None)
        second = make_project(municipality=self.kalix, reviewed_on=None)
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_changelist")
        for selected, message in [
            ([first.pk], "1 projekt markerades som granskat i dag."),
            ([first.pk, second.pk], "2 projekt markerades som granskade i dag."),
        ]:
            response = self.client.post(
                url,
                {"action": "mark_reviewed", "_selected_action": selected},
                follow=True,
                HTTP_ACCEPT_LANGUAGE="sv",
            )
            self.assertContains(response, message)

    def mark_reviewed(self, project):
        return self.client.post(
            reverse("admin:projects_project_changelist"),
            {"action": "mark_reviewed", "_selected_action": [project.pk]},
            follow=True,
        )

    def test_marking_reviewed_records_only_what_changed(self):
        sida = make_funder("sida", name="Sida")
        project = make_versioned_project(municipality=self.kalix, funders=[sida], reviewed_on=None)
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_change", args=[project.pk])
        data = changeform_data(self.client.get(url))
        data.update(
            {
                "grants-TOTAL_FORMS": "1",
                "grants-0-funder": str(sida.pk),
                "grants-0-kind": "grant",
                "grants-0-amount": "1200000",
                "grants-0-currency": "SEK",
                "grants-0-source": "Sidas beslut 2024-03-01",
            }
        )
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.mark_reviewed(project)
        history_url = reverse("admin:projects_project_history", args=[project.pk])
        history = self.client.get(history_url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
        # The grant was saved again with the project, unchanged: not listed as changed.
        self.assertNotIn("(ändrade)", history)
        self.assertIn('<span class="history-field">Uppgifterna senast bekräftade</span>', history)
        versions = Version.objects.get_for_object(project).count()
        entries = LogEntry.objects.filter(object_id=str(project.pk)).count()
        # Again the same day: nothing changes, so nothing is recorded.
        response = self.mark_reviewed(project)
        self.assertContains(response, "1 project marked reviewed today.")
        self.assertEqual(Version.objects.get_for_object(project).count(), versions)
        self.assertEqual(LogEntry.objects.filter(object_id=str(project.pk)).count(), entries)


class ImportErrorsInPlainViewTests(CoordinatorsTestCase):
    def test_each_bad_row_shows_its_reasons_without_hovering(self):
        header = ",".join(COLUMNS)
        row = "kalix-x,Kalix X,,,en,exchange,2024,2022,0,XX;YY,4,,,,draft,"
        self.sign_in(self.kalix_user)
        response = self.client.post(
            reverse("admin:projects_project_import"),
            {
                "format": "0",
                "resource": "0",
                "import_file": SimpleUploadedFile(
                    "p.csv", f"{header}\n{row}\n".encode(), "text/csv"
                ),
            },
        )
        page = response.content.decode()
        self.assertIn('<table class="import-errors-plain" id="import-errors">', page)
        self.assertIn(
            '<li><code translate="no">end_year</code>: '
            "The end year cannot be before the start year.</li>",
            page,
        )
        self.assertIn("Unknown countries: XX, YY.", page)
        self.assertNotIn("validation-error-container", page)

    def test_unknown_codes_are_named_in_words_that_agree(self):
        header = ",".join(COLUMNS)
        row = "kalix-x,Kalix X,,,en,exchange,,,0,XX,,,,,draft,"
        self.sign_in(self.kalix_user)
        response = self.client.post(
            reverse("admin:projects_project_import"),
            {
                "format": "0",
                "resource": "0",
                "import_file": SimpleUploadedFile(
                    "p.csv", f"{header}\n{row}\n".encode(), "text/csv"
                ),
            },
            HTTP_ACCEPT_LANGUAGE="sv",
        )
        self.assertContains(response, "Okända länder: XX.")


class PartnerOrganisationTests(CoordinatorsTestCase):
    """Partner organisations are bodies outside any municipality: a coordinator picks any of
    them, and still no other municipality's unit."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.university = Organisation.objects.create(
            name="Rēzekne Academy", slug="rezekne-academy", municipality=None
        )
        cls.project = make_project(municipality=cls.kalix)

    def autocomplete(self, field_name, term):
        response = self.client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "projects",
                "model_name": "project",
                "field_name": field_name,
                "term": term,
            },
        )
        return {result["text"] for result in response.json()["results"]}

    def test_the_autocomplete_offers_bodies_outside_municipalities(self):
        self.sign_in(self.kalix_user)
        self.assertEqual(self.autocomplete("partner_organisations", ""), {"Rēzekne Academy"})
        self.assertEqual(self.autocomplete("organisations", ""), {"Kalix School"})

    def test_a_partner_organisation_is_saved_and_another_municipalitys_unit_refused(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_change", args=[self.project.pk])
        data = changeform_data(self.client.get(url))
        data["partner_organisations"] = [self.university.pk]
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertEqual(list(self.project.partner_organisations.all()), [self.university])
        data = changeform_data(self.client.get(url))
        data["partner_organisations"] = [self.norrkoping_school.pk]
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("partner_organisations", response.context["adminform"].form.errors)


class DeletePageTests(CoordinatorsTestCase):
    def test_the_delete_page_lists_records_and_not_the_rows_of_their_links(self):
        project = make_project(
            title="Ice road", municipality=self.kalix, countries=["LV"],
            organisations=[self.kalix_school],
        )
        make_event(project, title="Road opens", date=datetime.date(2026, 2, 1))
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_delete", args=[project.pk])
        page = self.client.get(url).content.decode()
        self.assertIn("Road opens", page)
        self.assertIn("Ice road", page)
        self.assertNotIn("object (", page)
        self.assertNotIn("relationship", page)
        self.client.post(url, {"post": "yes"})
        self.assertFalse(Project.objects.filter(pk=project.pk).exists())
