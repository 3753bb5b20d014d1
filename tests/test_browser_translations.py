"""A project's page with a translation, and one shown in its original language with a notice,
in a real browser (Debian's chromium through Playwright): axe-core finds no WCAG 2.1 A or AA
violation, in the three languages, with the original text opened too; the texts carry their
own `lang`.

Uses the seeded site, browser and axe helpers of tests/test_browser.py (skipped, or failing
under REQUIRE_BROWSER_TESTS=1, when chromium is missing)."""

import pytest

from tests.test_browser import WCAG_21_AA, Axe, browser, page, site, violations_report

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

__all__ = ["browser", "page", "site"]

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA}}


def _after_the_edit():
    """Brings the project index up to date after a fixture's edit, outside any test's
    transaction: a list or network page would otherwise write it in the live server's thread,
    which a test's open transaction on SQLite keeps waiting (it answers 503, busy)."""
    from projects import project_index

    project_index.current()


@pytest.fixture(scope="module")
def translated(site, django_db_blocker):
    """The seeded Latvian project with a machine translation into English, not reviewed; none
    into Swedish. Made for the module, outside each test's transaction (see
    tests/test_browser_record.py)."""
    from projects.models import Project, ProjectTranslation

    with django_db_blocker.unblock():
        project = Project.objects.published().filter(language="lv").first()
        translation = ProjectTranslation.objects.create(
            project=project,
            language="en",
            title="Active communities",
            summary="An educational initiative for local communities.",
            translated_by="Browser test translator",
            machine=True,
        )
        _after_the_edit()
        with django_db_blocker.block():
            yield project
        translation.delete()


@pytest.mark.parametrize(
    ("language", "shown_in", "notice"),
    [
        ("en", "en", "Translated from Latvian by Browser test translator."),
        ("sv", "lv", "Visas på lettiska, språket den skrevs på"),
        ("lv", "lv", None),
    ],
)
def test_a_project_page_with_a_translation_notice_has_no_violations(
    site, page, translated, language, shown_in, notice
):
    page.goto(f"{site}/language/{language}/?next=/projects/{translated.slug}/")
    assert page.locator("h1").get_attribute("lang") == shown_in
    notices = page.locator("article.project > .translation-notice")
    if notice is None:
        assert notices.count() == 0
    else:
        assert notices.first.inner_text().startswith(notice)
    results = Axe().run(page, options=AXE_OPTIONS)
    assert not results.violations_count, violations_report(results)
    if language == "en":
        assert "Machine translation." in notices.first.inner_text()
        assert "Not reviewed." in notices.first.inner_text()
        # The original opens without JavaScript's help from the page, marked as Latvian.
        original = page.locator("details.original-text")
        original.locator("summary").click()
        assert original.locator("div[lang=lv]").is_visible()
        results = Axe().run(page, options=AXE_OPTIONS)
        assert not results.violations_count, violations_report(results)
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth <= 320")


def test_the_list_with_translated_and_original_rows_has_no_violations(site, page, translated):
    page.goto(f"{site}/language/en/?next=/projects/")
    link = page.locator(f'.project-row__title a[href="/projects/{translated.slug}/"]')
    assert link.get_attribute("lang") == "en"
    assert link.inner_text() == "Active communities"
    assert page.locator(".translation-notice--compact").count() >= 2
    results = Axe().run(page, options=AXE_OPTIONS)
    assert not results.violations_count, violations_report(results)


@pytest.fixture(scope="module")
def translated_network(site, django_db_blocker):
    """A seeded network with its purpose translated into Latvian (made as `translated` is)."""
    from networks.models import Network, NetworkTranslation

    with django_db_blocker.unblock():
        network = Network.objects.exclude(purpose="").first()
        translation = NetworkTranslation.objects.create(
            network=network, language="lv", purpose="Pilsētu tīkls.", translated_by="Tests"
        )
        _after_the_edit()
        with django_db_blocker.block():
            yield network
        translation.delete()


@pytest.mark.parametrize("language", ["lv", "en"])
def test_a_network_page_with_a_translated_purpose_has_no_violations(
    site, page, translated_network, language
):
    page.goto(f"{site}/language/{language}/?next=/networks/{translated_network.slug}/")
    shown_in = "lv" if language == "lv" else translated_network.language
    assert page.locator("p.measure").first.get_attribute("lang") == shown_in
    # The purpose's notice, and the one for the members' roles left in the original.
    assert page.locator(".translation-notice").count() >= 1
    results = Axe().run(page, options=AXE_OPTIONS)
    assert not results.violations_count, violations_report(results)
