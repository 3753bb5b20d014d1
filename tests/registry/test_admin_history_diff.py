"""The history shows what each version changed, field by field, in the reader's language."""

from django.urls import reverse
from django.utils import translation
from reversion.models import Version

from projects.models import Project
from registry.admin_history import text_diff, translated_comment
from tests.admin_helpers import CoordinatorsTestCase, changeform_data, make_versioned_project


class HistoryDiffTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = make_versioned_project(
            title="Ice road",
            summary="Pupils from Kalix visit Rēzekne in spring.",
            municipality=cls.kalix,
            start_year=2022,
            end_year=2024,
        )

    def edit(self, **values):
        url = reverse("admin:projects_project_change", args=[self.project.pk])
        data = changeform_data(self.client.get(url))
        data.update(values)
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])

    def history(self, language):
        url = reverse("admin:projects_project_history", args=[self.project.pk])
        return self.client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    def test_each_changed_field_is_named_with_its_old_and_new_value(self):
        self.sign_in(self.kalix_user)
        self.edit(summary="Pupils from Kalix visit Rēzekne in autumn.", end_year="2025")
        page = self.history("en")
        self.assertIn('<span class="history-field">End year</span>', page)
        self.assertIn("<del>2024</del> → <ins>2025</ins>", page)
        self.assertIn('<span class="history-field">Summary</span>', page)
        # Only the word that changed is marked.
        self.assertIn("Rēzekne in <del>spring</del><ins>autumn</ins>.", page)
        self.assertNotIn('<span class="history-field">Title</span>', page)
        self.assertIn("The first version kept.", page)

    def test_field_names_are_the_forms_own_in_each_language(self):
        self.sign_in(self.kalix_user)
        self.edit(summary="Pupils from Kalix visit Rēzekne in autumn.", end_year="2025")
        swedish = self.history("sv")
        self.assertIn('<span class="history-field">Sammanfattning</span>', swedish)
        self.assertIn("Ändrade Sammanfattning och Slutår.", swedish)
        self.assertNotIn("End year", swedish)
        self.assertNotIn("Översikt", swedish)
        latvian = self.history("lv")
        self.assertIn('<span class="history-field">Kopsavilkums</span>', latvian)
        self.assertIn('<span class="history-field">Beigu gads</span>', latvian)
        self.assertNotIn("Ändrade", latvian)
        self.assertNotIn("Välj", latvian)

    def test_a_choice_is_shown_by_its_label_in_the_readers_language(self):
        self.project = make_versioned_project(
            title="Ferry", municipality=self.kalix, publication=Project.Publication.DRAFT
        )
        self.sign_in(self.kalix_user)
        self.edit(publication="published")
        field = '<span class="history-field">Publicering</span>:\n                '
        swedish = self.history("sv")
        self.assertIn(f"{field}<del>utkast</del> → <ins>publicerat</ins>", swedish)
        self.assertNotIn("<del>draft</del>", swedish)
        self.assertIn("<del>melnraksts</del> → <ins>publicēts</ins>", self.history("lv"))
        self.assertIn("<del>draft</del> → <ins>published</ins>", self.history("en"))

    def test_links_are_shown_by_name(self):
        self.sign_in(self.kalix_user)
        self.edit(organisations=[self.kalix_school.pk])
        self.assertIn(
            '<span class="history-field">Units and organisations</span>:\n'
            "                <del>—</del> → <ins>Kalix School</ins>",
            self.history("en"),
        )

    def test_another_municipalitys_history_stays_hidden(self):
        self.sign_in(self.norrkoping_user)
        url = reverse("admin:projects_project_history", args=[self.project.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_comment_stored_in_english_is_shown_in_the_readers_language(self):
        version = Version.objects.get_for_object(self.project).first()
        version.revision.comment = "Imported from projekt.csv."
        version.revision.save()
        self.sign_in(self.kalix_user)
        self.assertIn("Importēts no faila projekt.csv.", self.history("lv"))
        self.assertIn("Importerat från projekt.csv.", self.history("sv"))


def test_a_revert_stored_in_swedish_reads_in_latvian():
    stored = "Återställd till en tidigare version, sparad 3 mars 2026 10:00"
    with translation.override("lv"):
        assert translated_comment(Project, stored) == (
            # The date after a colon: as written (in the nominative), it needs no case.
            "Atgriezta iepriekšējā versija (saglabāta: 3 mars 2026 10:00)"
        )


def test_a_text_diff_escapes_what_it_marks():
    assert str(text_diff("a <b>", "a <i>")) == "a &lt;<del>b</del><ins>i</ins>&gt;"


def test_djangos_change_message_gets_the_fields_current_labels():
    # Stored as Django stores it: the form's labels, untranslated.
    message = '[{"changed": {"fields": ["Summary", "End year"]}}]'
    with translation.override("sv"):
        assert translated_comment(Project, message) == "Ändrade Sammanfattning och Slutår."
    assert translated_comment(Project, "") == ""
