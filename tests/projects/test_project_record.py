"""A project's money per funder, its funders' identifiers and its results: on its page (in the
three languages), summed per currency on its funder's and municipality's pages, and kept in the
admin by the coordinator of its municipality only."""

import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image

from projects.models import FunderReference, Grant, Picture, Project, Result
from projects.pictures import process
from projects.record import Total, format_amount, totals
from registry.models import Organisation
from tests.admin_helpers import CoordinatorsTestCase, changeform_data
from tests.factories import make_funder, make_municipality, make_project
from tests.list_helpers import html_of, text_of

pytestmark = pytest.mark.django_db


def grant(project, funder, amount, currency="SEK", **fields):
    fields.setdefault("source", "Decision of 12 March 2021")
    return Grant.objects.create(
        project=project, funder=funder, amount=Decimal(amount), currency=currency, **fields
    )


@pytest.fixture
def erasmus():
    return make_funder("erasmus-plus", name="Erasmus+")


@pytest.fixture
def project(erasmus):
    sida = make_funder("sida", name="Sida")
    project = make_project(
        slug="school-exchange",
        title="Skolutbyte",
        language=Project.Language.SWEDISH,
        municipality=make_municipality("kalix", name="Kalix"),
        funders=[erasmus, sida],
        start_year=2019,
    )
    grant(project, erasmus, "35000.50", "EUR", year=2019, source="https://example.org/decision")
    grant(project, erasmus, "12000", "EUR", year=2020)
    grant(project, sida, "1200000", "SEK", kind=Grant.Kind.BUDGET)
    FunderReference.objects.create(
        project=project,
        funder=erasmus,
        number="2019-1-SE01-KA229-060600",
        url="https://erasmus-plus.ec.europa.eu/projects/2019-1-SE01-KA229-060600",
    )
    Result.objects.create(
        project=project,
        date=datetime.date(2021, 6, 10),
        text="En handbok för utbyten.",
        url="https://example.org/handbok.pdf",
        reach_number=1250,
        reach_unit="elever",
    )
    Result.objects.create(project=project, date=datetime.date(2020, 5, 1), text="Första besöket.")
    return project


def page(client, slug="school-exchange", language="en"):
    return client.get(f"/projects/{slug}/", HTTP_ACCEPT_LANGUAGE=language)


# The money's rules.


def test_a_currency_must_be_an_iso_4217_code(project, erasmus):
    for code in ["SEK", "EUR", "NOK"]:
        Grant(project=project, funder=erasmus, amount=1, currency=code, source="x").full_clean()
    for code in ["XYZ", "KR", "€", "S EK"]:
        with pytest.raises(ValidationError) as error:
            Grant(project=project, funder=erasmus, amount=1, currency=code, source="x").full_clean()
        assert "currency" in error.value.message_dict


def test_a_currency_typed_in_lower_case_is_upper_cased(project, erasmus):
    grant = Grant(project=project, funder=erasmus, amount=1, currency="eur", source="x")
    grant.full_clean()
    assert grant.currency == "EUR"


def test_a_grant_needs_its_source_and_no_negative_amount(project, erasmus):
    with pytest.raises(ValidationError) as error:
        Grant(project=project, funder=erasmus, amount=-1, currency="SEK", source="").full_clean()
    assert set(error.value.message_dict) == {"amount", "source"}
    with transaction.atomic(), pytest.raises(IntegrityError):
        grant(project, erasmus, "-5", source="x")
    with transaction.atomic(), pytest.raises(IntegrityError):
        grant(project, erasmus, "5", source="")


def test_totals_never_add_two_currencies_nor_a_grant_to_a_budget(project, erasmus):
    grant(project, erasmus, "100", "SEK")
    assert Grant.objects.filter(project=project).totals() == [
        Total("budget", "SEK", Decimal("1200000.00")),
        Total("grant", "EUR", Decimal("47000.50")),
        Total("grant", "SEK", Decimal("100.00")),
    ]


def test_a_pages_totals_of_grants_at_hand_are_the_databases(project, erasmus):
    grant(project, erasmus, "100", "SEK", year=2019)
    grant(project, erasmus, "0.25", "EUR", kind=Grant.Kind.BUDGET)
    grants = Grant.objects.filter(project=project)
    assert totals(list(grants)) == grants.totals()
    # Per year, the same rule: each year's totals add up to the whole's.
    per_year = defaultdict(Decimal)
    for _year, by_year in grants.totals_by_year():
        for total in by_year:
            per_year[total.kind, total.currency] += total.amount
    assert [Total(*key, amount) for key, amount in sorted(per_year.items())] == grants.totals()


def test_amounts_are_written_in_the_readers_language_with_the_iso_code():
    # Two decimals when there is a fractional part ("50 000,50", never "50 000,5"), none
    # when the amount is whole.
    assert format_amount(Decimal("1200000.50"), "SEK", "sv") == "1\xa0200\xa0000,50\xa0SEK"
    assert format_amount(Decimal("1200000.50"), "SEK", "en") == "1,200,000.50\xa0SEK"
    assert format_amount(Decimal("50000.5"), "EUR", "lv") == "50\xa0000,50\xa0EUR"
    assert format_amount(Decimal("50000.05"), "EUR", "en") == "50,000.05\xa0EUR"
    assert format_amount(Decimal("35000"), "EUR", "lv") == "35\xa0000\xa0EUR"
    assert format_amount(Decimal("35000.00"), "EUR", "sv") == "35\xa0000\xa0EUR"


# The project's page.


def test_the_page_shows_each_funders_money_identifier_and_totals(client, project):
    html = html_of(page(client))
    funding = text_of(html)
    assert "Funding" in funding
    assert "Money from Erasmus+" in funding
    assert "35,000.50 EUR" in funding and "12,000 EUR" in funding
    assert "Budget" in funding and "1,200,000 SEK" in funding
    # One total per kind and currency, the two EUR grants added, never the SEK budget.
    assert "Grant: 47,000.50 EUR" in funding
    assert "Budget: 1,200,000 SEK" in funding
    assert "Funder's project number: 2019-1-SE01-KA229-060600" in funding
    assert (
        '<a href="https://erasmus-plus.ec.europa.eu/projects/2019-1-SE01-KA229-060600">'
        "2019-1-SE01-KA229-060600" in html
    )
    assert '<a href="https://example.org/decision">' in html
    assert '<span lang="sv">Decision of 12 March 2021</span>' in html


def test_the_page_shows_the_results_newest_first_with_reach_and_output(client, project):
    html = html_of(page(client, language="sv"))
    results = html[html.index('id="results-heading"') :]
    assert "Resultat" in results
    assert results.index("En handbok för utbyten.") < results.index("Första besöket.")
    assert '<time datetime="2021-06-10">' in results
    assert 'Räckvidd:</strong> 1\xa0250 <span lang="sv">elever</span>' in results
    assert '<a href="https://example.org/handbok.pdf">' in results


@pytest.mark.parametrize(
    ("language", "notice"),
    [
        (
            "en",
            "Shown in Swedish, the language it was written in; no translation into English yet.",
        ),
        (
            "lv",
            "Rādīts zviedru valodā, kurā tas sākotnēji rakstīts; tulkojuma latviešu valodā vēl "
            "nav.",
        ),
        ("sv", None),
    ],
)
def test_a_result_in_another_language_than_the_pages_says_so(client, project, language, notice):
    html = html_of(page(client, language=language))
    results = html[html.index('id="results-heading"') :]
    results = results[: results.index("</section>")]
    assert '<div class="prose" lang="sv"><p>En handbok för utbyten.</p></div>' in results
    if notice is None:
        assert "translation-notice" not in results
    else:
        # One notice under each of the two results, as the page's other untranslated texts.
        assert results.count(notice) == 2


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("sv", ["Finansiering", "Summa per slag och valuta", "1\xa0200\xa0000\xa0SEK"]),
        ("en", ["Funding", "Total per kind and currency", "1,200,000\xa0SEK"]),
        ("lv", ["Finansējums", "Kopā pa veidiem un valūtām", "1\xa0200\xa0000\xa0SEK"]),
    ],
)
def test_the_money_reads_in_each_language(client, project, language, words):
    html = html_of(page(client, language=language))
    for word in words:
        assert word in html


@pytest.mark.parametrize(
    ("language", "words", "wrong"),
    [
        # The funder's name stands uninflected: no Swedish genitive ("i Sida egna uppgifter").
        ("sv", "(projektet i uppgifterna hos Erasmus+)", "egna uppgifter"),
        ("en", "(the project in Erasmus+'s own records)", None),
        ("lv", "(projekts finansētāja Erasmus+ ierakstos)", None),
    ],
)
def test_the_link_to_the_funders_record_reads_in_each_language(client, project, language, words,
                                                              wrong):
    html = html_of(page(client, language=language))
    assert words in html
    assert wrong is None or wrong not in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "sv",
            ["Partnerorganisationer", "Kenya", "Finansiärens projektnummer", "Resultat",
             "Räckvidd:</strong> 1\xa0250", "Resultatet", "Bilder", "Större bild"],
        ),
        (
            "en",
            ["Partner organisations", "Kenya", "Funder's project number", "Results",
             "Reach:</strong> 1,250", "The output", "Pictures", "Larger picture"],
        ),
        (
            "lv",
            ["Partnerorganizācijas", "Kenija", "Finansētāja projekta numurs", "Rezultāti",
             "Aptvērums:</strong> 1\xa0250", "Rezultāts", "Attēli", "Lielāks attēls"],
        ),
    ],
)
def test_the_rest_of_the_record_reads_in_each_language(
    client, project, settings, tmp_path, language, words
):
    settings.MEDIA_ROOT = tmp_path
    project.partner_organisations.add(
        Organisation.objects.create(
            slug="kisumu-girls", name="Kisumu Girls High School", country_id="KE"
        )
    )
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (20, 90, 160)).save(buffer, format="JPEG")
    picture = Picture(project=project, alt_text="Elever vid en sjö", credit="Foto: Anna Berg")
    picture.store(process(SimpleUploadedFile("lake.jpg", buffer.getvalue())))
    picture.save()
    html = html_of(page(client, language=language)).replace("&#x27;", "'")
    for word in words:
        assert word in html, word
    # The project's own texts keep their language, marked as such.
    assert '<span lang="sv">elever</span>' in html
    assert 'alt="Elever vid en sjö" lang="sv"' in html
    assert "Kisumu Girls High School" in html


def test_a_project_without_money_identifiers_or_results_shows_no_such_section(client):
    make_project(slug="bare")
    html = html_of(page(client, "bare"))
    assert "funding-heading" not in html and "results-heading" not in html


def test_one_grant_needs_no_total(client, erasmus):
    project = make_project(slug="one-grant", funders=[erasmus])
    grant(project, erasmus, "500", "EUR")
    html = html_of(page(client, "one-grant"))
    assert "500\xa0EUR" in html and "Total per kind" not in html


def test_an_edit_of_the_money_reaches_the_cached_page(client, project, erasmus):
    assert "12,000\xa0EUR" in html_of(page(client))
    Grant.objects.filter(project=project, amount=Decimal("12000")).update(amount=1)
    # update() sends no signal; a save through the model does, as the admin's does.
    money = Grant.objects.get(project=project, amount=1)
    money.amount = Decimal("13000")
    money.save()
    assert "13,000\xa0EUR" in html_of(page(client))
    Result.objects.filter(project=project).first().delete()
    assert "En handbok" not in html_of(page(client))


# Totals on the funder's and the municipality's pages.


def test_a_funders_page_sums_its_money_per_year_and_currency(client, project, erasmus):
    draft = make_project(publication=Project.Publication.DRAFT, funders=[erasmus])
    grant(draft, erasmus, "999999", "EUR", year=2019)
    other = make_project(funders=[erasmus])
    grant(other, erasmus, "1000", "EUR", year=2019)
    grant(other, erasmus, "5000", "SEK", year=2019)
    html = html_of(client.get("/funders/erasmus-plus/", HTTP_ACCEPT_LANGUAGE="en"))
    table = text_of(html[html.index('id="money-heading"') :])
    assert "2019 Grant 36,000.50 EUR" in table
    assert "2019 Grant 5,000 SEK" in table
    assert "2020 Grant 12,000 EUR" in table
    assert "999" not in table  # a draft counts nowhere
    assert "1,200,000" not in table  # Sida's budget is Sida's


def test_a_municipalitys_page_sums_its_projects_money(client, project):
    html = html_of(client.get("/municipalities/kalix/", HTTP_ACCEPT_LANGUAGE="en"))
    table = text_of(html[html.index('id="money-heading"') :])
    assert "year not stated Budget 1,200,000 SEK" in table
    assert "2019 Grant 35,000.50 EUR" in table


@pytest.mark.parametrize(
    ("language", "rows", "note"),
    [
        (
            "sv",
            ["2019 Bidrag 35 000,50 EUR", "2019 Bidrag 5 000 SEK"],
            "med varje belopp så som dess källa anger det",
        ),
        (
            "en",
            ["2019 Grant 35,000.50 EUR", "2019 Grant 5,000 SEK"],
            "with each amount as its source states it",
        ),
        (
            "lv",
            ["2019 Dotācija 35 000,50 EUR", "2019 Dotācija 5 000 SEK"],
            "katra summa ir tāda, kādu to norāda tās avots",
        ),
    ],
)
def test_the_funders_and_municipalitys_totals_keep_two_currencies_apart_in_each_language(
    client, project, erasmus, language, rows, note
):
    grant(project, erasmus, "5000", "SEK", year=2019)
    for address in ["/funders/erasmus-plus/", "/municipalities/kalix/"]:
        html = html_of(client.get(address, HTTP_ACCEPT_LANGUAGE=language))
        section = html[html.index('id="money-heading"') :]
        # The table as read (text_of reads a no-break space as a space).
        table = text_of(section[: section.index("</section>")])
        for row in rows:
            assert row in table, (address, table)
        assert note in table
        # Two currencies in one year stay two figures: no sum of 35,000.50 and 5,000 anywhere.
        assert "40 000" not in table and "40,000" not in table


def test_a_municipality_without_money_shows_no_money(client):
    make_municipality("skara", name="Skara")
    html = html_of(client.get("/municipalities/skara/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "money-heading" not in html


# The admin.


class RecordAdminTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.erasmus = make_funder("erasmus-plus", name="Erasmus+")
        cls.sida = make_funder("sida", name="Sida")
        cls.project = make_project(
            slug="kalix-exchange", municipality=cls.kalix, funders=[cls.erasmus]
        )
        cls.url = reverse("admin:projects_project_change", args=[cls.project.pk])

    def form_data(self):
        data = changeform_data(self.client.get(self.url))
        data.update(
            {
                "grants-TOTAL_FORMS": "1",
                "grants-0-funder": str(self.erasmus.pk),
                "grants-0-kind": "grant",
                "grants-0-amount": "35000.50",
                "grants-0-currency": "EUR",
                "grants-0-year": "2019",
                "grants-0-source": "Beslut 2019-06-01",
                "funder_references-TOTAL_FORMS": "1",
                "funder_references-0-funder": str(self.erasmus.pk),
                "funder_references-0-number": "2019-1-SE01-KA229-060600",
                "funder_references-0-url": "https://example.org/project",
                "results-TOTAL_FORMS": "1",
                "results-0-date": "2021-06-10",
                "results-0-text": "En handbok.",
                "results-0-reach_number": "120",
                "results-0-reach_unit": "deltagare",
            }
        )
        return data

    def test_a_coordinator_adds_money_an_identifier_and_a_result(self):
        self.sign_in(self.kalix_user)
        response = self.client.post(self.url, self.form_data())
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        money = Grant.objects.get(project=self.project)
        self.assertEqual(
            (money.amount, money.currency, money.year), (Decimal("35000.50"), "EUR", 2019)
        )
        self.assertEqual(FunderReference.objects.get().number, "2019-1-SE01-KA229-060600")
        self.assertEqual(Result.objects.get().reach_unit, "deltagare")

    def test_a_currency_typed_in_lower_case_is_saved_in_upper_case(self):
        self.sign_in(self.kalix_user)
        data = self.form_data()
        data["grants-0-currency"] = "eur"
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        self.assertEqual(Grant.objects.get(project=self.project).currency, "EUR")

    def test_money_from_a_funder_not_among_the_projects_funders_is_refused(self):
        self.sign_in(self.kalix_user)
        data = self.form_data()
        data["grants-0-funder"] = str(self.sida.pk)
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Add Sida to the project&#x27;s funders too.")
        self.assertFalse(Grant.objects.exists())

    def test_a_bad_currency_and_a_reach_without_its_unit_are_form_errors(self):
        self.sign_in(self.kalix_user)
        data = self.form_data()
        data["grants-0-currency"] = "KR"
        data["results-0-reach_unit"] = ""
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "KR is not an ISO 4217 currency code")
        self.assertContains(response, "Give the number reached together with what it counts.")
        self.assertFalse(Grant.objects.exists() or Result.objects.exists())

    def test_the_coordinators_form_reads_in_each_language(self):
        self.sign_in(self.kalix_user)
        for language, words, error in [
            (
                "sv",
                ["Pengar", "Finansiärers beteckningar", "Resultat", "Bilder", "Belopp", "Valuta"],
                "KR är ingen valutakod enligt ISO 4217 (som SEK eller EUR).",
            ),
            (
                "en",
                ["Money", "Funders&#x27; identifiers", "Results", "Pictures", "Amount"],
                "KR is not an ISO 4217 currency code (such as SEK or EUR).",
            ),
            (
                "lv",
                ["Nauda", "Finansētāju identifikatori", "Rezultāti", "Attēli", "Summa", "Valūta"],
                "KR nav ISO 4217 valūtas kods (piemēram, SEK vai EUR).",
            ),
        ]:
            with self.subTest(language=language):
                self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
                response = self.client.get(self.url)
                for word in words:
                    self.assertContains(response, word)
                data = self.form_data()
                data["grants-0-currency"] = "KR"
                response = self.client.post(self.url, data)
                self.assertContains(response, error)
                self.assertFalse(Grant.objects.exists())
                # Sent right, it is saved whatever the language.
                data["grants-0-currency"] = "SEK"
                self.assertEqual(self.client.post(self.url, data).status_code, 302)
                self.assertEqual(Grant.objects.get().currency, "SEK")
                self.project.grants.all().delete()
                self.project.funder_references.all().delete()
                self.project.results.all().delete()

    def test_another_municipalitys_coordinator_cannot_reach_the_form(self):
        self.sign_in(self.norrkoping_user)
        self.assertIn(self.client.get(self.url).status_code, (302, 403, 404))
        response = self.client.post(self.url, {"grants-TOTAL_FORMS": "1"})
        self.assertIn(response.status_code, (302, 403, 404))
        self.assertFalse(Grant.objects.exists())
