"""/accessibility/: the statement lag (2018:1937) asks of a public site, after DIGG's model:
compliance status, known gaps, how it was tested, how to report a problem, DIGG's
enforcement, and the date."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_statement_names_the_law_the_standard_and_an_honest_compliance_status(english):
    content = english.get("/accessibility/").content.decode()

    assert content.count("<h1") == 1
    assert "Accessibility statement</h1>" in content
    assert "lag (2018:1937) om tillgänglighet till digital offentlig service" in content
    assert "WCAG" in content and "2.1" in content and "level AA" in content
    assert "<strong>partially compliant</strong>" in content


def test_the_statement_lists_known_gaps_and_what_was_not_tested(english):
    content = english.get("/accessibility/").content.decode()

    assert "Content that is not accessible" in content
    assert "Content entered by coordinators" in content
    assert "The world map" in content
    assert "Not tested" in content
    assert "no PDF" in content


def test_the_statement_says_how_the_site_was_tested(english):
    content = english.get("/accessibility/").content.decode()

    assert "axe-core" in content
    assert "keyboard" in content
    assert "320 CSS pixels" in content


def test_problems_are_reported_through_the_form_and_no_address_is_published(english, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "tillganglighet@example.se"

    content = english.get("/accessibility/").content.decode()

    assert 'href="/accessibility/report/"' in content
    assert "tillganglighet@example.se" not in content and "mailto:" not in content
    # No longer sends visitors to municipalities' registrars, whom no page links.
    assert "registrar" not in content


def test_the_enforcement_procedure_names_digg_in_text(english):
    content = english.get("/accessibility/").content.decode()

    assert "Enforcement procedure" in content
    assert "Myndigheten för digital förvaltning (DIGG)" in content
    assert 'href="https://www.digg.se' not in content


def test_the_statement_is_dated(english):
    content = english.get("/accessibility/").content.decode()

    assert "This statement was made on Nov. 21, 2026" in content


def test_every_page_links_the_statement_from_its_footer(client):
    assert 'href="/accessibility/"' in client.get("/").content.decode()


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_the_statement_renders_in_each_language(client, settings, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    content = client.get("/accessibility/").content.decode()

    assert f'<html lang="{language}">' in content
    assert content.count("<h1") == 1
    assert "Myndigheten för digital förvaltning (DIGG)" in content
    assert "2026" in content


def test_the_latvian_statement_leaves_its_dates_in_the_nominative(client, settings):
    # Django writes a Latvian date in the nominative; after a verb it would need the locative,
    # so each date follows a colon.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lv"
    content = client.get("/accessibility/").content.decode()
    assert "Vietne pēdējoreiz novērtēta: 20" in content
    assert "Šis paziņojums sagatavots: 20" in content
    assert "pēdējoreiz atjaunināts: 20" in content
