"""A project's title, summary and description, its events' and the strategies' items, in
Swedish, English and Latvian: the page, the list and the embed show the visitor's language when
there is a translation into it, say in words when they show the original instead, and label a
machine or unreviewed translation; coordinators add translations in the project's form and on
the event's and the item's page; search finds a project by the words of any of its languages;
the exports carry each language in columns of their own."""

import datetime
import re

import pytest
import reversion
from django.core.exceptions import ValidationError
from django.urls import reverse
from reversion.models import Version

from projects.models import (
    EventTranslation,
    Project,
    ProjectTranslation,
    Strategy,
    StrategyItem,
    StrategyItemTranslation,
)
from registry.translations import shown
from tests.admin_helpers import CoordinatorsTestCase, changeform_data
from tests.factories import make_event, make_municipality, make_project
from tests.list_helpers import html_of, listed_slugs, text_of
from tests.projects.test_exports import export, read_csv, read_json, read_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def kalix():
    return make_municipality("kalix", name="Kalix")


@pytest.fixture
def exchange(kalix):
    """A Swedish project translated into English by machine, not reviewed; none into Latvian."""
    project = make_project(
        slug="exchange",
        title="Skolutbyte med Masaka",
        summary="Elever från Kalix möter elever i Masaka.",
        description="Ett utbyte mellan skolor.",
        language=Project.Language.SWEDISH,
        municipality=kalix,
    )
    ProjectTranslation.objects.create(
        project=project,
        language="en",
        title="School exchange with Masaka",
        summary="Pupils from Kalix meet pupils in Masaka.",
        description="An exchange between schools.",
        translated_by="Kalix kommun",
        machine=True,
    )
    return project


def page(client, project, language):
    return html_of(client.get(project.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language))


def heading(html):
    return re.search(r'<h1 id="project-title" lang="(\w+)">([^<]*)</h1>', html).groups()


def notices(html):
    found = re.findall(r'<p class="translation-notice[^"]*">(.*?)</p>', html)
    return [text_of(notice) for notice in found]


# The page.


def test_the_english_page_shows_the_translation_with_who_made_it_and_its_labels(
    client, exchange
):
    html = page(client, exchange, "en")
    assert heading(html) == ("en", "School exchange with Masaka")
    assert '<p class="lead" lang="en">Pupils from Kalix meet pupils in Masaka.</p>' in html
    assert '<div class="prose" lang="en"><p>An exchange between schools.</p></div>' in html
    assert notices(html) == [
        "Translated from Swedish by Kalix kommun. Machine translation. Not reviewed."
    ]
    assert "<title>School exchange with Masaka" in html


def test_a_translated_page_offers_the_original_marked_with_its_language(client, exchange):
    html = page(client, exchange, "en")
    original = re.search(r'<details class="original-text">(.*?)</details>', html, re.S)[1]
    assert text_of(re.search(r"<summary>(.*?)</summary>", original)[1]) == (
        "The original text, in Swedish"
    )
    assert '<div lang="sv">' in original
    assert "Skolutbyte med Masaka" in original
    assert "Ett utbyte mellan skolor." in original


@pytest.mark.parametrize(
    "language, notice",
    [
        (
            "lv",
            "Rādīts zviedru valodā, kurā tas sākotnēji rakstīts; tulkojuma latviešu valodā "
            "vēl nav.",
        ),
    ],
)
def test_without_a_translation_into_the_visitors_language_the_page_says_it_shows_the_original(
    client, exchange, language, notice
):
    html = page(client, exchange, language)
    assert heading(html) == ("sv", "Skolutbyte med Masaka")
    assert '<p class="lead" lang="sv">Elever från Kalix möter elever i Masaka.</p>' in html
    assert notices(html) == [notice]
    assert "original-text" not in html


@pytest.mark.parametrize(
    "language, notice",
    [
        (
            "en",
            "Shown in Latvian, the language it was written in; no translation into English yet.",
        ),
        (
            "sv",
            "Visas på lettiska, språket den skrevs på; det finns ännu ingen översättning till "
            "svenska.",
        ),
    ],
)
def test_a_latvian_project_says_so_to_english_and_swedish_readers(client, language, notice):
    project = make_project(
        title="Darbīgās kopienas",
        language=Project.Language.LATVIAN,
        municipality=make_municipality("daugavpils", name="Daugavpils", country_code="LV"),
    )
    html = page(client, project, language)
    assert heading(html) == ("lv", "Darbīgās kopienas")
    assert notices(html) == [notice]


def test_a_reader_of_the_original_language_sees_no_notice(client, exchange):
    html = page(client, exchange, "sv")
    assert heading(html) == ("sv", "Skolutbyte med Masaka")
    assert notices(html) == []
    assert "original-text" not in html


@pytest.mark.parametrize(
    "language, notice",
    [
        ("en", "Translated from Swedish by Anna Berg. Reviewed by Kalix kommun on March 3, 2025."),
        ("lv", "Tulkots no zviedru valodas; tulkoja Anna Berg. Pārbaudīja Kalix kommun (2025."),
    ],
)
def test_a_reviewed_translation_names_its_reviewer_and_carries_no_label(
    client, exchange, language, notice
):
    ProjectTranslation.objects.create(
        project=exchange,
        language="lv",
        title="Skolēnu apmaiņa ar Masaku",
        translated_by="Anna Berg",
        reviewed_by="Kalix kommun",
        reviewed_on=datetime.date(2025, 3, 3),
    )
    exchange.translations.filter(language="en").update(
        machine=False,
        translated_by="Anna Berg",
        reviewed_by="Kalix kommun",
        reviewed_on=datetime.date(2025, 3, 3),
    )
    # (The Latvian translation has no description: the page says that part is not translated.)
    shown_notice = notices(page(client, exchange, language))[0]
    assert shown_notice.startswith(notice)
    assert "Machine" not in shown_notice and "Mašīn" not in shown_notice


def test_the_swedish_labels_of_a_machine_translation(client, kalix):
    project = make_project(title="Water schools", language="en", municipality=kalix)
    ProjectTranslation.objects.create(
        project=project, language="sv", title="Vattenskolor", translated_by="DeepL", machine=True
    )
    html = page(client, project, "sv")
    assert heading(html) == ("sv", "Vattenskolor")
    assert notices(html) == [
        "Översatt från engelska av DeepL. Maskinöversättning. Inte granskad."
    ]


def test_a_field_the_translation_leaves_empty_is_shown_in_the_original_and_said_so(
    client, exchange
):
    exchange.translations.update(summary="", description="")
    html = page(client, exchange, "en")
    assert heading(html) == ("en", "School exchange with Masaka")
    assert '<p class="lead" lang="sv">Elever från Kalix möter elever i Masaka.</p>' in html
    assert '<div class="prose" lang="sv"><p>Ett utbyte mellan skolor.</p></div>' in html
    assert "This part is not translated: shown in Swedish." in notices(html)


def test_the_display_rule_falls_back_field_by_field(exchange):
    exchange.translations.update(summary="")
    exchange = Project.objects.prefetch_related("translations").get(pk=exchange.pk)
    title, summary = shown(exchange, "title", "en"), shown(exchange, "summary", "en")
    assert (title.text, title.language, title.is_original, title.machine) == (
        "School exchange with Masaka", "en", False, True
    )
    assert (summary.language, summary.is_original, summary.in_other_language) == (
        "sv", True, True
    )
    original = shown(exchange, "title", "sv")
    assert (original.text, original.is_original, original.in_other_language) == (
        "Skolutbyte med Masaka", True, False
    )


# Lists and embeds.


def test_the_list_shows_each_row_in_the_visitors_language_or_says_it_is_the_original(
    client, exchange, kalix
):
    make_project(slug="untranslated", title="Vänort i Lettland", municipality=kalix)
    html = html_of(client.get("/projects/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<a href="/projects/exchange/" lang="en">School exchange with Masaka</a>' in html
    assert '<p class="project-row__summary" lang="en">Pupils from Kalix meet' in html
    assert '<a href="/projects/untranslated/" lang="sv">Vänort i Lettland</a>' in html
    assert notices(html) == [
        "Translated from Swedish. Machine translation. Not reviewed.",
        "Shown in Swedish, the language it was written in; no translation into English yet.",
    ] or notices(html) == [
        "Shown in Swedish, the language it was written in; no translation into English yet.",
        "Translated from Swedish. Machine translation. Not reviewed.",
    ]


def test_the_embedded_card_shows_the_translation_and_its_labels(client, exchange):
    html = html_of(client.get("/embed/projects/exchange/?lang=en"))
    assert 'lang="en">School exchange with Masaka</a></h1>' in html
    assert '<p class="embed-card__summary" lang="en">Pupils from Kalix meet' in html
    assert notices(html) == ["Translated from Swedish. Machine translation. Not reviewed."]
    html = html_of(client.get("/embed/projects/exchange/?lang=lv"))
    assert 'lang="sv">Skolutbyte med Masaka</a></h1>' in html
    assert notices(html) == [
        "Rādīts zviedru valodā, kurā tas sākotnēji rakstīts; tulkojuma latviešu valodā vēl nav."
    ]


# Search.


def test_a_search_finds_a_project_by_a_word_only_its_translation_has(client, exchange):
    def found(words):
        response = client.get("/projects/", {"q": words}, HTTP_ACCEPT_LANGUAGE="en")
        return listed_slugs(response)

    assert found("pupils") == ["exchange"]
    assert found("elever") == ["exchange"]
    exchange.translations.all().delete()
    assert found("pupils") == []
    assert found("elever") == ["exchange"]


# Exports and the API.


def test_the_exports_carry_each_language_in_columns_of_their_own(client, exchange):
    expected = {
        "title": "Skolutbyte med Masaka",
        "original_language": "sv",
        "title_sv": "Skolutbyte med Masaka",
        "title_en": "School exchange with Masaka",
        "title_lv": "",
        "summary_sv": "Elever från Kalix möter elever i Masaka.",
        "summary_en": "Pupils from Kalix meet pupils in Masaka.",
        "summary_lv": "",
        "description_sv": "Ett utbyte mellan skolor.",
        "description_en": "An exchange between schools.",
        "description_lv": "",
    }
    for reader, fmt in [(read_csv, "csv"), (read_json, "json"), (read_xlsx, "xlsx")]:
        [row] = reader(export(client, fmt))
        got = {key: row[key] if row[key] is not None else "" for key in expected}
        assert got == expected, fmt


def test_the_api_names_the_original_language_and_each_translation(client, exchange):
    project = client.get("/api/projects/exchange/").json()
    assert project["language"] == project["original_language"] == "sv"
    assert project["title"] == "Skolutbyte med Masaka"
    assert project["translations"] == [
        {
            "language": "en",
            "title": "School exchange with Masaka",
            "summary": "Pupils from Kalix meet pupils in Masaka.",
            "description": "An exchange between schools.",
            "translated_by": "Kalix kommun",
            "machine": True,
            "reviewed_by": "",
            "reviewed_on": None,
        }
    ]
    [record] = client.get("/api/projects/").json()["results"]
    assert record["title_en"] == "School exchange with Masaka"


# The page cache.


def test_editing_a_translation_updates_the_cached_project_page(client, exchange, settings):
    settings.PAGE_CACHE_SECONDS = 300
    assert heading(page(client, exchange, "en"))[1] == "School exchange with Masaka"
    cached = client.get(exchange.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert not cached.templates
    translation = exchange.translations.get()
    translation.title = "School exchange between Kalix and Masaka"
    translation.save()
    assert heading(page(client, exchange, "en"))[1] == "School exchange between Kalix and Masaka"
    translation.delete()
    assert heading(page(client, exchange, "en")) == ("sv", "Skolutbyte med Masaka")


# The model's rules.


def test_a_translation_is_never_into_the_originals_language_nor_by_an_address(exchange):
    translation = ProjectTranslation(
        project=exchange, language="sv", title="Skolutbyte", translated_by="anna@kalix.se"
    )
    with pytest.raises(ValidationError) as error:
        translation.full_clean()
    assert set(error.value.message_dict) == {"language", "translated_by"}


def test_a_review_names_its_reviewer_and_its_day(exchange):
    translation = ProjectTranslation(
        project=exchange, language="lv", title="Apmaiņa", translated_by="Anna Berg",
        reviewed_on=datetime.date(2025, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        translation.full_clean()
    assert set(error.value.message_dict) == {"reviewed_by"}


# The admin, as coordinators use it.


class TranslationAdminTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = make_project(
            slug="kalix-exchange",
            title="Skolutbyte med Masaka",
            municipality=cls.kalix,
            language="sv",
        )
        cls.translated = make_project(
            slug="kalix-translated", title="Vänort", municipality=cls.kalix, language="sv"
        )
        for language, title in [("en", "Twin town"), ("lv", "Sadraudzības pilsēta")]:
            ProjectTranslation.objects.create(
                project=cls.translated, language=language, title=title, translated_by="Kalix"
            )
        cls.other = make_project(
            slug="norrkoping-exchange", title="Vattenskolor", municipality=cls.norrkoping
        )
        ProjectTranslation.objects.create(
            project=cls.other, language="en", title="Water schools", translated_by="Norrköping"
        )

    def change_url(self, project):
        return reverse("admin:projects_project_change", args=[project.pk])

    def test_a_coordinator_adds_a_translation_beside_the_original(self):
        self.sign_in(self.kalix_user)
        url = self.change_url(self.project)
        form = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        [inline] = [
            inline
            for inline in form.context["inline_admin_formsets"]
            if inline.formset.model is ProjectTranslation
        ]
        # One row per language other than the original's.
        choices = [code for code, _ in inline.formset.form.base_fields["language"].choices]
        self.assertEqual([code for code in choices if code], ["en", "lv"])
        data = changeform_data(form)
        data.update(
            {
                "translations-TOTAL_FORMS": "1",
                "translations-0-language": "en",
                "translations-0-title": "School exchange with Masaka",
                "translations-0-summary": "Pupils meet pupils.",
                "translations-0-translated_by": "Anna Berg",
            }
        )
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 302, response.content[:3000])
        translation = self.project.translations.get()
        self.assertEqual(
            (translation.title, translation.translated_by, translation.machine),
            ("School exchange with Masaka", "Anna Berg", False),
        )
        # The history covers the translation: the project's new version holds it.
        version = Version.objects.get_for_object(self.project).first()
        self.assertIn(
            "School exchange with Masaka",
            [v.field_dict.get("title") for v in version.revision.version_set.all()],
        )
        page = html_of(self.client.get("/projects/kalix-exchange/", HTTP_ACCEPT_LANGUAGE="en"))
        self.assertIn('lang="en">School exchange with Masaka</h1>', page)

    def test_the_form_refuses_a_translation_into_the_originals_language(self):
        self.sign_in(self.kalix_user)
        url = self.change_url(self.project)
        data = changeform_data(self.client.get(url))
        data.update(
            {
                "language": "en",  # The original is changed to English in the same form.
                "translations-TOTAL_FORMS": "1",
                "translations-0-language": "en",
                "translations-0-title": "School exchange",
                "translations-0-translated_by": "Anna Berg",
            }
        )
        response = self.client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, "This is the language the original is written in: choose another one."
        )
        self.assertFalse(self.project.translations.exists())

    def test_the_list_shows_the_languages_and_filters_those_lacking_a_translation(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_project_changelist")
        response = self.client.get(url, {"untranslated": "en"}, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(list(response.context["cl"].result_list), [self.project])
        response = self.client.get(url, {"untranslated": "sv"}, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(list(response.context["cl"].result_list), [])
        response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "lacks a translation")
        self.assertContains(response, "Swedish (original), English, Latvian")
        self.assertContains(response, "<td class=\"field-languages\">Swedish (original)</td>")
        response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="lv")
        self.assertContains(response, "trūkst tulkojuma")
        self.assertContains(response, "(oriģināls)")

    def test_a_coordinator_of_another_municipality_never_reaches_a_translation(self):
        self.sign_in(self.kalix_user)
        response = self.client.get(self.change_url(self.other))
        self.assertNotEqual(response.status_code, 200)
        self.assertNotContains(response, "Water schools", status_code=response.status_code)
        listed = self.client.get(reverse("admin:projects_project_changelist"), {"q": "water"})
        self.assertEqual(list(listed.context["cl"].result_list), [])
        # Nor through the history of the other municipality's project.
        with reversion.create_revision():
            self.other.save()
        history = self.client.get(
            reverse("admin:projects_project_history", args=[self.other.pk])
        )
        self.assertNotEqual(history.status_code, 200)
        self.assertNotContains(history, "Water schools", status_code=history.status_code)


# Events, in their project's language and translated like it.


@pytest.fixture
def seminar(exchange):
    event = make_event(
        exchange,
        title="Seminarium om avfall",
        description="Elever berättar.",
        date=datetime.date(2022, 1, 28),
    )
    EventTranslation.objects.create(
        event=event,
        language="lv",
        title="Seminārs par atkritumiem",
        description="Skolēni stāsta.",
        translated_by="Daugavpils",
        reviewed_by="Kalix kommun",
        reviewed_on=datetime.date(2022, 2, 1),
    )
    make_event(exchange, title="Film om samarbetet", date=datetime.date(2022, 2, 2))
    return event


def timeline(html):
    return re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)[1]


def test_an_event_is_shown_in_its_translation_with_its_language(client, seminar):
    html = page(client, seminar.project, "lv")
    events = timeline(html)
    assert '<h3 class="timeline__title" lang="lv">Seminārs par atkritumiem</h3>' in events
    assert '<div class="prose" lang="lv"><p>Skolēni stāsta.</p></div>' in events
    assert "Tulkots no zviedru valodas. " in text_of(events)
    # The other event has no Latvian translation: in Swedish, marked so, and said once.
    assert '<h3 class="timeline__title" lang="sv">Film om samarbetet</h3>' in events
    assert (
        "Notikumi bez tulkojuma ir rādīti zviedru valodā, kurā tie sākotnēji rakstīti."
        in notices(html)
    )


def test_an_unreviewed_event_translation_is_labelled_and_the_original_said_once(
    client, seminar
):
    seminar.translations.update(language="en", title="Seminar on waste", reviewed_by="",
                                reviewed_on=None)
    html = page(client, seminar.project, "en")
    events = timeline(html)
    assert '<h3 class="timeline__title" lang="en">Seminar on waste</h3>' in events
    assert "Translated from Swedish. Not reviewed." in notices(events)
    assert notices(html).count(
        "Events without a translation are shown in Swedish, the language they were written in."
    ) == 1
    # A reader of the original sees neither.
    html = page(client, seminar.project, "sv")
    assert '<h3 class="timeline__title" lang="sv">Seminarium om avfall</h3>' in html
    assert notices(html) == []


def test_editing_an_event_translation_updates_the_cached_project_page(
    client, seminar, settings
):
    settings.PAGE_CACHE_SECONDS = 300
    assert "Seminārs par atkritumiem" in page(client, seminar.project, "lv")
    translation = seminar.translations.get()
    translation.title = "Seminārs par plastmasu"
    translation.save()
    html = page(client, seminar.project, "lv")
    assert "Seminārs par plastmasu" in html
    assert "Seminārs par atkritumiem" not in html


def test_an_event_translation_is_never_into_its_projects_language(seminar):
    translation = EventTranslation(
        event=seminar, language="sv", title="Seminarium", translated_by="Kalix kommun"
    )
    with pytest.raises(ValidationError) as error:
        translation.full_clean()
    assert set(error.value.message_dict) == {"language"}


class EventTranslationAdminTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = make_project(slug="kalix-exchange", municipality=cls.kalix, language="sv")
        cls.event = make_event(cls.project, title="Seminarium", date=datetime.date(2022, 1, 28))
        other = make_project(slug="norrkoping-exchange", municipality=cls.norrkoping)
        cls.other_event = make_event(other, title="Öppning", date=datetime.date(2022, 1, 28))
        EventTranslation.objects.create(
            event=cls.other_event, language="en", title="Opening", translated_by="Norrköping"
        )

    def test_a_coordinator_adds_an_event_translation_on_the_events_page(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_event_change", args=[self.event.pk])
        form = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        [inline] = form.context["inline_admin_formsets"]
        choices = [code for code, _ in inline.formset.form.base_fields["language"].choices]
        self.assertEqual([code for code in choices if code], ["en", "lv"])
        data = changeform_data(form)
        data.update(
            {
                "translations-TOTAL_FORMS": "1",
                "translations-0-language": "en",
                "translations-0-title": "Seminar",
                "translations-0-translated_by": "Anna Berg",
                "translations-0-machine": "on",
            }
        )
        response = self.client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 302, response.content[:3000])
        translation = self.event.translations.get()
        self.assertEqual((translation.title, translation.machine), ("Seminar", True))
        # The project's form links to the event's page, where its translations are.
        project_form = self.client.get(
            reverse("admin:projects_project_change", args=[self.project.pk])
        )
        self.assertContains(project_form, url)
        # Its history holds the translation.
        version = Version.objects.get_for_object(self.event).first()
        self.assertIn(
            "Seminar", [v.field_dict.get("title") for v in version.revision.version_set.all()]
        )

    def test_a_coordinator_of_another_municipality_never_reaches_an_events_translation(self):
        self.sign_in(self.kalix_user)
        response = self.client.get(
            reverse("admin:projects_event_change", args=[self.other_event.pk])
        )
        self.assertNotEqual(response.status_code, 200)
        self.assertNotContains(response, "Opening", status_code=response.status_code)
        listed = self.client.get(reverse("admin:projects_event_changelist"))
        self.assertEqual(list(listed.context["cl"].result_list), [self.event])


# A strategy's priority areas and aims, in the strategy's language and translated like it.


@pytest.fixture
def strategy(kalix):
    strategy = Strategy.objects.create(
        title="Strategi för internationalisering", slug="kalix-strategy", municipality=kalix
    )
    translated = StrategyItem.objects.create(
        strategy=strategy, kind="aim", position=1, text="Fler utbyten"
    )
    StrategyItem.objects.create(strategy=strategy, kind="aim", position=2, text="Fler nätverk")
    StrategyItemTranslation.objects.create(
        item=translated, language="en", text="More exchanges", translated_by="Kalix kommun"
    )
    return strategy


def test_a_strategys_items_are_shown_translated_or_said_to_be_in_the_original(
    client, strategy
):
    html = html_of(client.get("/municipalities/kalix/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<li><span lang="en">More exchanges</span><p class="translation-notice' in html
    assert '<li><span lang="sv">Fler nätverk</span></li>' in html
    assert notices(html) == [
        "Translated from Swedish. Not reviewed.",
        "Items without a translation are shown in Swedish, the language they were written in.",
    ]
    html = html_of(client.get("/municipalities/kalix/", HTTP_ACCEPT_LANGUAGE="sv"))
    assert '<li><span lang="sv">Fler utbyten</span></li>' in html
    assert notices(html) == []


class StrategyItemTranslationAdminTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        strategy = Strategy.objects.create(title="Strategi", slug="kalix", municipality=cls.kalix)
        cls.item = StrategyItem.objects.create(
            strategy=strategy, kind="aim", position=1, text="Fler utbyten"
        )
        other = Strategy.objects.create(
            title="Plan", slug="norrkoping", municipality=cls.norrkoping
        )
        cls.other_item = StrategyItem.objects.create(
            strategy=other, kind="aim", position=1, text="Fler nätverk"
        )

    def test_a_coordinator_translates_an_item_on_its_own_page(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_strategyitem_change", args=[self.item.pk])
        data = changeform_data(self.client.get(url))
        data.update(
            {
                "translations-TOTAL_FORMS": "1",
                "translations-0-language": "lv",
                "translations-0-text": "Vairāk apmaiņu",
                "translations-0-translated_by": "Anna Berg",
            }
        )
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        self.assertEqual(self.item.translations.get().text, "Vairāk apmaiņu")
        strategy_form = self.client.get(
            reverse("admin:projects_strategy_change", args=[self.item.strategy_id])
        )
        self.assertContains(strategy_form, url)

    def test_a_coordinator_of_another_municipality_never_reaches_an_item(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:projects_strategyitem_change", args=[self.other_item.pk])
        response = self.client.get(url)
        self.assertNotEqual(response.status_code, 200)
        listed = self.client.get(reverse("admin:projects_strategyitem_changelist"))
        self.assertEqual(list(listed.context["cl"].result_list), [self.item])
