"""Coordinators import and export projects as CSV or XLSX, within their municipality only."""

import csv
import io

import openpyxl
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.tmp_storages import TempFolderStorage
from reversion.models import Version

from projects.models import Project
from projects.resources import COLUMNS
from tests.admin_helpers import CoordinatorsTestCase
from tests.factories import make_country, make_funder, make_goal, make_project

CSV_FORMAT, XLSX_FORMAT = "0", "1"
HEADER = ",".join(COLUMNS)
IMPORT_URL = "admin:projects_project_import"
CONFIRM_URL = "admin:projects_project_process_import"
EXPORT_URL = "admin:projects_project_export"


def csv_row(**values):
    defaults = {"language": "en", "type": "exchange", "publication": "draft"}
    values = {**defaults, **values}
    buffer = io.StringIO()
    csv.writer(buffer).writerow([values.get(column, "") for column in COLUMNS])
    return buffer.getvalue().strip()


def csv_file(*rows):
    return SimpleUploadedFile(
        "projects.csv", "\n".join([HEADER, *rows]).encode("utf-8"), content_type="text/csv"
    )


def export_form(file_format):
    selected = {f"projectresource_{column}": "on" for column in COLUMNS}
    return {"format": file_format, "resource": "0", **selected}


def rows_of_csv(response):
    return rows_of_csv_bytes(response.content)


def rows_of_csv_bytes(content):
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def rows_of_xlsx(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


class ImportTestCase(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_country("LV")
        make_goal(4)
        make_goal(11)
        make_funder("erasmus-plus", name="Erasmus+")
        cls.norrkoping_project = make_project(
            title="Norrköping canals", slug="canals", municipality=cls.norrkoping
        )

    def upload(self, upload, file_format=CSV_FORMAT):
        return self.client.post(
            reverse(IMPORT_URL), {"import_file": upload, "format": file_format, "resource": "0"}
        )

    def confirm(self, preview):
        confirm_form = preview.context["confirm_form"]
        data = {name: confirm_form[name].value() for name in confirm_form.fields}
        return self.client.post(reverse(CONFIRM_URL), data, follow=True)


class ImportTests(ImportTestCase):
    def test_the_project_list_offers_import_export_and_recover(self):
        self.sign_in(self.kalix_user)
        response = self.client.get(reverse("admin:projects_project_changelist"))
        self.assertContains(response, reverse(IMPORT_URL))
        self.assertContains(response, reverse(EXPORT_URL))
        self.assertContains(response, reverse("admin:projects_project_recoverlist"))

    def test_the_import_page_explains_the_columns(self):
        self.sign_in(self.kalix_user)
        response = self.client.get(reverse(IMPORT_URL))
        self.assertContains(response, "goal numbers separated by “;”")
        self.assertContains(response, "strategic_partnership")

    def test_the_import_page_names_each_column_in_the_readers_language(self):
        self.sign_in(self.kalix_user)
        url = reverse(IMPORT_URL)
        swedish = self.client.get(url, HTTP_ACCEPT_LANGUAGE="sv")
        self.assertContains(swedish, '<li><code translate="no">title</code>: Titel</li>', html=True)
        self.assertContains(
            swedish, '<li><code translate="no">units</code>: Enheter och organisationer</li>'
        )
        self.assertNotContains(swedish, "slug, title")
        latvian = self.client.get(url, HTTP_ACCEPT_LANGUAGE="lv")
        self.assertContains(latvian, '<li><code translate="no">start_year</code>: Sākuma gads</li>')

    def test_the_preview_shows_the_rows_and_saves_nothing(self):
        self.sign_in(self.kalix_user)
        preview = self.upload(
            csv_file(
                csv_row(slug="ice-road", title="Ice road", start_year="2023", goals="4;11"),
                csv_row(slug="river-choir", title="River choir", partner_countries="lv"),
            )
        )
        self.assertContains(preview, "Preview")
        self.assertContains(preview, "Ice road")
        self.assertContains(preview, "River choir")
        self.assertIn("confirm_form", preview.context)
        self.assertFalse(Project.objects.filter(slug__in=["ice-road", "river-choir"]).exists())

    def test_confirming_saves_every_row_for_the_coordinators_municipality_with_history(self):
        self.sign_in(self.kalix_user)
        preview = self.upload(
            csv_file(
                csv_row(
                    slug="ice-road",
                    title="Ice road",
                    start_year="2023",
                    end_year="2025",
                    goals="4;11",
                    partner_countries="LV",
                    funders="erasmus-plus",
                    units="kalix-school",
                    municipality="norrkoping",  # ignored: a coordinator imports for Kalix
                ),
                csv_row(slug="river-choir", title="River choir"),
            )
        )
        response = self.confirm(preview)
        self.assertContains(response, "Imported: 2 projects added, 0 projects updated.")
        project = Project.objects.get(slug="ice-road")
        self.assertEqual(project.municipality, self.kalix)
        self.assertEqual((project.start_year, project.end_year), (2023, 2025))
        self.assertEqual(sorted(goal.number for goal in project.goals.all()), [4, 11])
        self.assertEqual([c.code for c in project.partner_countries.all()], ["LV"])
        self.assertEqual([f.slug for f in project.funders.all()], ["erasmus-plus"])
        self.assertEqual(list(project.organisations.all()), [self.kalix_school])
        self.assertEqual(Project.objects.get(slug="river-choir").municipality, self.kalix)
        version = Version.objects.get_for_object(project).get()
        self.assertEqual(version.revision.user, self.kalix_user)
        # One revision per row: the project with its links that say how they are known.
        revised = {v.object_repr for v in version.revision.version_set.all()}
        self.assertEqual(revised, {"Ice road", "Erasmus+", *(str(g) for g in project.goals.all())})

    def test_an_existing_project_is_updated_by_its_slug(self):
        make_project(title="Old", slug="ice-road", municipality=self.kalix)
        self.sign_in(self.kalix_user)
        self.confirm(self.upload(csv_file(csv_row(slug="ice-road", title="Ice road"))))
        self.assertEqual(Project.objects.get(slug="ice-road").title, "Ice road")

    def test_a_file_with_bad_rows_reports_each_rows_number_and_reason_and_saves_nothing(self):
        self.sign_in(self.kalix_user)
        response = self.upload(
            csv_file(
                csv_row(slug="good", title="Good"),
                csv_row(slug="backwards", title="Backwards", start_year="2024", end_year="2020"),
                csv_row(slug="nowhere", title="Nowhere", partner_countries="LV;XX"),
            )
        )
        self.assertNotIn("confirm_form", response.context)
        invalid = {row.number: row.error_dict for row in response.context["result"].invalid_rows}
        self.assertEqual(sorted(invalid), [2, 3])
        self.assertContains(response, "The end year cannot be before the start year.")
        self.assertContains(response, "Unknown countries: XX.")
        self.assertFalse(Project.objects.filter(slug__in=["good", "backwards", "nowhere"]).exists())

    def test_a_goal_that_is_not_a_number_is_reported_plainly(self):
        self.sign_in(self.kalix_user)
        response = self.upload(csv_file(csv_row(slug="odd", title="Odd", goals="4;x")))
        self.assertContains(response, "Unknown goals: x.")
        self.assertFalse(Project.objects.filter(slug="odd").exists())

    def test_a_year_that_is_not_a_number_is_reported_plainly(self):
        self.sign_in(self.kalix_user)
        response = self.upload(csv_file(csv_row(slug="odd", title="Odd", start_year="soon")))
        self.assertContains(response, "“soon” is not a year.")
        self.assertFalse(Project.objects.filter(slug="odd").exists())

    def test_a_row_naming_another_municipalitys_project_is_refused(self):
        self.sign_in(self.kalix_user)
        response = self.upload(csv_file(csv_row(slug="canals", title="Taken over")))
        self.assertNotIn("confirm_form", response.context)
        self.assertContains(response, "“canals” is another municipality&#x27;s project.")
        self.norrkoping_project.refresh_from_db()
        self.assertEqual(self.norrkoping_project.title, "Norrköping canals")

    def test_another_municipalitys_unit_cannot_be_named(self):
        self.sign_in(self.kalix_user)
        response = self.upload(
            csv_file(csv_row(slug="mixed", title="Mixed", units="kalix-school;norrkoping-school"))
        )
        self.assertContains(response, "norrkoping-school")
        self.assertNotIn("confirm_form", response.context)
        self.assertFalse(Project.objects.filter(slug="mixed").exists())

    def test_the_confirm_step_saves_nothing_when_any_row_fails(self):
        # The file changed after the preview (or the preview was skipped): still all or nothing.
        storage = TempFolderStorage(encoding="utf-8-sig", read_mode="r")
        storage.save(
            "\n".join(
                [
                    HEADER,
                    csv_row(slug="good", title="Good"),
                    csv_row(slug="bad", title="Bad", start_year="2024", end_year="2020"),
                ]
            ).encode("utf-8")
        )
        self.sign_in(self.kalix_user)
        response = self.client.post(
            reverse(CONFIRM_URL),
            {
                "import_file_name": storage.name,
                "original_file_name": "projects.csv",
                "format": CSV_FORMAT,
                "resource": "0",
            },
            follow=True,
        )
        self.assertContains(response, "Nothing was imported")
        self.assertEqual([m.level for m in response.context["messages"]], [messages.ERROR])
        self.assertFalse(Project.objects.filter(slug__in=["good", "bad"]).exists())

    def test_an_xlsx_file_imports_like_a_csv(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(list(COLUMNS))
        values = {
            "slug": "sauna",
            "title": "Sauna exchange",
            "language": "sv",
            "type": "exchange",
            "start_year": 2022,
            "goals": 11,
            "publication": "published",
        }
        sheet.append([values.get(column) for column in COLUMNS])
        content = io.BytesIO()
        workbook.save(content)
        upload = SimpleUploadedFile("projects.xlsx", content.getvalue())
        self.sign_in(self.kalix_user)
        preview = self.upload(upload, XLSX_FORMAT)
        self.assertContains(preview, "Sauna exchange")
        self.confirm(preview)
        project = Project.objects.get(slug="sauna")
        self.assertEqual((project.start_year, project.municipality), (2022, self.kalix))
        self.assertEqual([goal.number for goal in project.goals.all()], [11])
        self.assertEqual(project.publication, Project.Publication.PUBLISHED)

    def test_staff_without_a_municipality_cannot_import(self):
        staff = get_user_model().objects.create_user("visitor", password="x" * 12, is_staff=True)
        staff.groups.set(self.kalix_user.groups.all())
        self.sign_in(staff)
        response = self.upload(csv_file(csv_row(slug="stray", title="Stray")))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Project.objects.filter(slug="stray").exists())

    def test_a_superuser_imports_for_the_municipality_named_in_the_file(self):
        root = get_user_model().objects.create_superuser("root", password="x" * 12)
        self.client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
        preview = self.upload(
            csv_file(csv_row(slug="shared", title="Shared", municipality="norrkoping"))
        )
        self.confirm(preview)
        self.assertEqual(Project.objects.get(slug="shared").municipality, self.norrkoping)


class ExportTests(ImportTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.kalix_project = make_project(
            title='=HYPERLINK("http://evil.example")',
            slug="formula",
            summary="+1 for culture",
            description="\tindented",
            municipality=cls.kalix,
            organisations=[cls.kalix_school],
            countries=["LV"],
            goals=[4, 11],
        )
        cls.plain_project = make_project(
            title="Plain", slug="plain", summary="@home", reach="-", municipality=cls.kalix
        )

    def test_the_export_button_exports_only_the_coordinators_projects_as_csv(self):
        self.sign_in(self.kalix_user)
        response = self.client.post(reverse(EXPORT_URL), export_form(CSV_FORMAT))
        self.assertEqual(response["Content-Type"], "text/csv")
        rows = rows_of_csv(response)
        self.assertEqual(sorted(row["slug"] for row in rows), ["formula", "plain"])
        formula = next(row for row in rows if row["slug"] == "formula")
        self.assertEqual(formula["units"], "kalix-school")
        self.assertEqual(formula["goals"], "4;11")
        self.assertEqual(formula["partner_countries"], "LV")
        self.assertEqual(formula["municipality"], "kalix")

    def test_the_export_page_names_each_column_in_the_readers_language(self):
        self.sign_in(self.kalix_user)
        swedish = self.client.get(reverse(EXPORT_URL), HTTP_ACCEPT_LANGUAGE="sv")
        form = swedish.context["form"]
        labels = [str(form.fields[f"projectresource_{column}"].label) for column in COLUMNS]
        self.assertEqual(
            labels[:3], ["Slug (adressdel)", "Titel (title)", "Sammanfattning (summary)"]
        )
        self.assertIn("Startår (start_year)", labels)
        self.assertContains(swedish, "Titel (title)")
        self.assertNotContains(swedish, ">Start Year<")
        latvian = self.client.get(reverse(EXPORT_URL), HTTP_ACCEPT_LANGUAGE="lv")
        self.assertContains(latvian, "Partnervalstis (partner_countries)")

    def test_the_exported_files_columns_stay_the_file_formats_own_in_any_language(self):
        self.sign_in(self.kalix_user)
        response = self.client.post(
            reverse(EXPORT_URL), export_form(CSV_FORMAT), HTTP_ACCEPT_LANGUAGE="sv"
        )
        self.assertEqual(list(rows_of_csv(response)[0]), list(COLUMNS))

    def test_the_export_follows_the_lists_current_search(self):
        self.sign_in(self.kalix_user)
        url = reverse(EXPORT_URL) + "?q=plain"
        rows = rows_of_csv(self.client.post(url, export_form(CSV_FORMAT)))
        self.assertEqual([row["slug"] for row in rows], ["plain"])

    def test_exporting_selected_rows_keeps_to_the_coordinators_projects(self):
        self.sign_in(self.kalix_user)
        selected = [self.plain_project.pk, self.norrkoping_project.pk]
        page = self.client.post(
            reverse("admin:projects_project_changelist"),
            {"action": "export_admin_action", "_selected_action": selected},
        )
        export_items = page.context["form"].initial["export_items"]
        self.assertEqual(export_items, [self.plain_project.pk])
        data = {**export_form(CSV_FORMAT), "export_items": export_items}
        rows = rows_of_csv(self.client.post(reverse(EXPORT_URL), data))
        self.assertEqual([row["slug"] for row in rows], ["plain"])

    def test_a_forged_selection_of_another_municipalitys_project_exports_nothing(self):
        self.sign_in(self.kalix_user)
        data = {**export_form(CSV_FORMAT), "export_items": [self.norrkoping_project.pk]}
        response = self.client.post(reverse(EXPORT_URL), data)
        self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")
        self.assertIn("export_items", response.context["form"].errors)
        self.assertNotContains(response, "canals")

    def test_the_xlsx_export_has_the_same_rows(self):
        self.sign_in(self.norrkoping_user)
        response = self.client.post(reverse(EXPORT_URL), export_form(XLSX_FORMAT))
        rows = rows_of_xlsx(response)
        self.assertEqual([row["slug"] for row in rows], ["canals"])

    def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(self):
        self.sign_in(self.kalix_user)
        for file_format, read in ((CSV_FORMAT, rows_of_csv), (XLSX_FORMAT, rows_of_xlsx)):
            with self.subTest(file_format):
                response = self.client.post(reverse(EXPORT_URL), export_form(file_format))
                rows = {row["slug"]: row for row in read(response)}
                self.assertEqual(rows["formula"]["title"], '\'=HYPERLINK("http://evil.example")')
                self.assertEqual(rows["formula"]["summary"], "'+1 for culture")
                self.assertEqual(rows["formula"]["description"], "'\tindented")
                self.assertEqual(rows["plain"]["summary"], "'@home")
                self.assertEqual(rows["plain"]["title"], "Plain")

    def test_an_exported_file_imports_back_unchanged(self):
        self.sign_in(self.kalix_user)
        exported = self.client.post(reverse(EXPORT_URL), export_form(CSV_FORMAT)).content
        preview = self.upload(SimpleUploadedFile("projects.csv", exported))
        self.confirm(preview)
        project = Project.objects.get(slug="formula")
        self.assertEqual(project.title, '=HYPERLINK("http://evil.example")')
        self.assertEqual(project.summary, "+1 for culture")
        self.assertEqual(list(project.organisations.all()), [self.kalix_school])

    def test_a_control_character_never_breaks_the_xlsx_export(self):
        # openpyxl refuses such characters: without dropping them, the whole file failed.
        make_project(title="Bell\x07 and\x01 start", slug="control", municipality=self.kalix)
        self.sign_in(self.kalix_user)
        response = self.client.post(reverse(EXPORT_URL), export_form(XLSX_FORMAT))
        rows = {row["slug"]: row for row in rows_of_xlsx(response)}
        self.assertEqual(rows["control"]["title"], "Bell and start")

    def test_a_formula_behind_leading_spaces_is_neutralised_and_imports_back(self):
        make_project(title="  =1+1", summary=" @home", slug="spaced", municipality=self.kalix)
        self.sign_in(self.kalix_user)
        exported = self.client.post(reverse(EXPORT_URL), export_form(CSV_FORMAT)).content
        rows = {row["slug"]: row for row in rows_of_csv_bytes(exported)}
        self.assertEqual(rows["spaced"]["title"], "'  =1+1")
        self.assertEqual(rows["spaced"]["summary"], "' @home")
        Project.objects.filter(slug="spaced").update(title="Changed", summary="")
        self.confirm(self.upload(SimpleUploadedFile("projects.csv", exported)))
        project = Project.objects.get(slug="spaced")
        self.assertEqual((project.title, project.summary), ("  =1+1", " @home"))
