"""Every page type in a real browser (Debian's chromium through Playwright), checked by axe-core
against the WCAG 2.1 A and AA rules, plus keyboard focus and a 320 px wide viewport.

Skipped when chromium is missing, unless REQUIRE_BROWSER_TESTS=1 (as in CI), where it fails.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.db import connections
from django.test.testcases import LiveServerThread
from django_countries import countries

# A database test, so pytest-django always sets up the test database (run alone, a module of
# unmarked tests would get none and reach the developer's own database). The pages' data is
# seeded once per module below; each test only reads it.
pytestmark = pytest.mark.django_db

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

if not Path(CHROMIUM).exists():
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise RuntimeError(f"Browser tests are required here but {CHROMIUM} is missing.")
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """The seeded registry served on loopback for this module; emptied again afterwards.

    pytest-django's own live_server flushes the database after every test, so the pages would
    lose their data after the first test; this server keeps one seeded database for the module.
    """
    from registry.models import Country

    with django_db_blocker.unblock():
        name = str(connections["default"].settings_dict["NAME"])
        assert "test" in name or "memory" in name, f"refusing to seed and flush {name}"
        Country.objects.bulk_create(
            [Country(code=code) for code, _ in countries], ignore_conflicts=True
        )
        call_command("seed", verbosity=0)
        shared = {
            connection.alias: connection
            for connection in connections.all()
            if connection.vendor == "sqlite" and connection.is_in_memory_db()
        }
        for connection in shared.values():
            connection.inc_thread_sharing()
        server = LiveServerThread(
            "127.0.0.1", StaticFilesHandler, connections_override=shared, port=0
        )
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        yield f"http://127.0.0.1:{server.port}"
        server.terminate()
        for connection in shared.values():
            connection.dec_thread_sharing()
        call_command("flush", interactive=False, verbosity=0)
        Country.objects.bulk_create([Country(code=code) for code, _ in countries])


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # meanwhile are still plain synchronous calls, so Django's async-safety guard steps aside
    # while the browser runs (and only then: the variable would leak into subprocesses).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    # axe is injected by evaluate(); the site's CSP must not block the test tool itself.
    context = browser.new_context(bypass_csp=True, locale="sv-SE")
    page = context.new_page()
    yield page
    context.close()


def page_paths(django_db_blocker):
    from networks.models import Network
    from projects.models import Project
    from registry.models import Funder

    with django_db_blocker.unblock():
        project = Project.objects.published().filter(events__isnull=False).first()
        country = (
            project.partner_countries.first()
            or Project.objects.published()
            .exclude(partner_countries=None)
            .first()
            .partner_countries.first()
        )
        funder = Funder.objects.filter(projects__isnull=False).first()
        network = Network.objects.first()
    return {
        "home": "/",
        "project list": "/projects/",
        "filtered project list": "/projects/?goal=4&country=es&sort=title",
        "invalid filter": "/projects/?goal=99",
        "project": project.get_absolute_url(),
        "goals": "/goals/",
        "goal": "/goals/4/",
        "countries": "/countries/",
        "country": f"/countries/{country.code.lower()}/",
        "municipalities": "/municipalities/",
        "municipality": "/municipalities/norrkoping/",
        "funders": "/funders/",
        "funder": funder.get_absolute_url(),
        "networks": "/networks/",
        "network": network.get_absolute_url(),
        "accessibility statement": "/accessibility/",
        "not found": "/projects/no-such-project/",
    }


def violations_report(results):
    return "\n".join(
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes: "
        f"{', '.join(str(node['target']) for node in violation['nodes'][:3])})"
        for violation in results.response["violations"]
    )


def test_every_page_type_has_no_wcag_21_aa_violations(site, page, django_db_blocker):
    axe = Axe()
    failures = {}
    for name, path in page_paths(django_db_blocker).items():
        page.goto(site + path)
        assert page.locator("h1").count() == 1, f"{name} ({path}) must have exactly one h1"
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
        if results.violations_count:
            failures[f"{name} {path}"] = violations_report(results)
    assert not failures, "\n\n".join(f"{page}:\n{report}" for page, report in failures.items())


def test_every_page_type_fits_a_320_px_screen_without_sideways_scrolling(
    site, browser, django_db_blocker
):
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    too_wide = {}
    for name, path in page_paths(django_db_blocker).items():
        page.goto(site + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[f"{name} {path}"] = width
    context.close()
    assert not too_wide, f"pages wider than 320 px: {too_wide}"


def test_the_skip_link_is_the_first_tab_stop_and_shows_focus(site, page):
    page.goto(site + "/projects/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({text: document.activeElement.textContent.trim(),"
        " href: document.activeElement.getAttribute('href'),"
        " outline: getComputedStyle(document.activeElement).outlineStyle,"
        " visible: document.activeElement.getBoundingClientRect().height > 0})"
    )
    assert focused["href"] == "#main"
    assert focused["text"] == "Hoppa till innehållet"
    assert focused["visible"] and focused["outline"] != "none"


def test_the_filter_form_works_from_the_keyboard_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False, locale="sv-SE")
    page = context.new_page()
    page.goto(site + "/projects/")
    page.get_by_label("Sök").first.fill("rezekne")
    page.get_by_label("Sök").first.press("Enter")
    page.wait_for_url("**/projects/?*q=rezekne*")
    assert page.get_by_role("link", name="Darbīgās kopienas").count() >= 1
    context.close()


def test_the_language_switcher_keeps_the_page_and_query(site, page):
    page.goto(site + "/projects/?goal=4")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/projects/?goal=4")
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("width", [1280, 320])
def test_screenshots_of_the_list_and_a_project_page(site, browser, width, django_db_blocker):
    from projects.models import Project

    with django_db_blocker.unblock():
        project_path = Project.objects.published().get(slug__contains="comake").get_absolute_url()
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for name, path in [("list", "/projects/"), ("project", project_path)]:
        page.goto(site + path)
        target = ARTIFACTS / f"{name}-{width}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    context.close()


def test_chromium_is_the_one_from_debian():
    assert shutil.which("chromium") == CHROMIUM
