"""What the editors assumed, and the sources, in a real browser (Debian's chromium through
Playwright): a project's page and the project list show the assumed funders and goals in words
that the accessibility tree holds (so a screen reader says them), the project page its source
line, and axe-core finds no WCAG 2.1 A or AA violation on them, on the list's search naming a
network by another name, or on the accessibility statement's report form; in the three
languages.

Uses the seeded site, browser and axe helpers of tests/test_browser.py (skipped, or failing
under REQUIRE_BROWSER_TESTS=1, when chromium is missing)."""

import pytest

from tests.test_browser import WCAG_21_AA, Axe, browser, page, site, violations_report

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

__all__ = ["browser", "page", "site"]

PROJECT = "/projects/daugavpils-darbigas-kopienas/"
LIST = "/projects/?municipality=daugavpils"

WORDS = {
    "sv": {"assumed": "antaget av redaktörerna, anges inte av källan", "source": "Källa:"},
    "en": {"assumed": "assumed by the editors, not stated by the source", "source": "Source:"},
    "lv": {"assumed": "redaktoru pieņēmums, avotā nav norādīts", "source": "Avots:"},
}


def in_language(browser, language):
    context = browser.new_context(bypass_csp=True)
    context.add_cookies([{"name": "django_language", "value": language, "url": "http://127.0.0.1"}])
    return context


def no_violations(page):
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    return violations_report(results) if results.violations_count else ""


def read_aloud(page, text):
    """How many elements saying `text` are visible and in the accessibility tree (not hidden
    from assistive technology by aria-hidden or display)."""
    marks = page.locator("em.basis--assumed", has_text=text)
    return sum(
        1
        for index in range(marks.count())
        if marks.nth(index).is_visible()
        and marks.nth(index).evaluate("node => node.closest('[aria-hidden=\"true\"]') === null")
    )


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_the_project_page_marks_assumed_links_and_names_its_source(site, browser, language):
    context = in_language(browser, language)
    page = context.new_page()
    page.goto(site + PROJECT)
    assert page.locator("html").get_attribute("lang") == language
    # British Council, and the four goals.
    assert read_aloud(page, WORDS[language]["assumed"]) == 5
    funder = page.get_by_role("listitem").filter(has_text="British Council")
    assert WORDS[language]["assumed"] in funder.first.inner_text()
    assert page.get_by_text(WORDS[language]["source"]).first.is_visible()
    assert no_violations(page) == ""
    context.close()


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_the_list_card_marks_assumed_goals_in_the_goal_tiles(site, browser, language):
    context = in_language(browser, language)
    page = context.new_page()
    page.goto(site + LIST)
    card = page.locator("article.project-row").filter(has_text="Darbīgās kopienas")
    assert card.locator("em.basis--assumed").count() == 4
    assert read_aloud(page, WORDS[language]["assumed"]) >= 4
    assert no_violations(page) == ""
    context.close()


def test_the_search_naming_a_network_and_the_report_form_have_no_violations(site, page):
    failures = {}
    for path in ["/projects/?q=Nordic+Cities+Network", "/accessibility/report/"]:
        page.goto(site + path)
        assert page.locator("h1").count() == 1, path
        report = no_violations(page)
        if report:
            failures[path] = report
    assert not failures, failures
    page.goto(site + "/projects/?q=Nordic+Cities+Network")
    assert page.get_by_role("link", name="Nordic City Network").count() == 1


def test_the_marked_pages_fit_a_320_px_screen(site, browser):
    # The goal tiles put the marking on a line of its own (static/css/site.css).
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    for path in [PROJECT, LIST, "/accessibility/report/"]:
        page.goto(site + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    context.close()
