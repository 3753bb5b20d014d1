"""A project's page with a picture, results and money in a real browser (Debian's chromium
through Playwright): axe-core finds no WCAG 2.1 A or AA violation, in the three languages, and
the picture is loaded from the site's own media URL; so it is in the project's card framed by
another site.

Uses the seeded site, browser and axe helpers of tests/test_browser.py (skipped, or failing
under REQUIRE_BROWSER_TESTS=1, when chromium is missing)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from tests.test_browser import WCAG_21_AA, Axe, browser, page, site, violations_report
from tests.test_browser_open_data import other_site

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

__all__ = ["browser", "page", "site"]


@pytest.fixture(scope="module")
def recorded(site, tmp_path_factory, django_db_blocker):
    """A seeded project with two funders' money, an identifier, results, a picture and a
    contact to write to. Made
    for the module, outside each test's transaction, which would keep SQLite's shared
    in-memory tables locked for the live server's thread."""
    from projects.models import Contact, FunderReference, Grant, Picture, Project, Result
    from projects.pictures import process
    from registry.models import Funder

    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with media, django_db_blocker.unblock():
        project = Project.objects.published().first()
        funders = list(Funder.objects.order_by("name")[:2])
        project.funders.add(*funders)
        money = zip(funders, ["35000.50", "1200000"], ["EUR", "SEK"], strict=True)
        for funder, amount, currency in money:
            Grant.objects.create(
                project=project, funder=funder, amount=Decimal(amount), currency=currency,
                year=2021, source="https://example.org/decision",
            )
        Grant.objects.create(
            project=project, funder=funders[0], amount=Decimal(9000), currency="EUR",
            kind=Grant.Kind.BUDGET, source="Beslut i kommunstyrelsen",
        )
        FunderReference.objects.create(
            project=project, funder=funders[0], number="2019-1-SE01-KA229-060600",
            url="https://example.org/record",
        )
        Result.objects.create(
            project=project, date=datetime.date(2022, 5, 1), text="A handbook for exchanges.",
            url="https://example.org/handbook.pdf", reach_number=1250, reach_unit="pupils",
        )
        buffer = io.BytesIO()
        Image.new("RGB", (1600, 900), (20, 90, 160)).save(buffer, format="JPEG")
        picture = Picture(project=project, alt_text="Pupils by a lake", credit="Photo: A. Berg")
        picture.store(process(SimpleUploadedFile("lake.jpg", buffer.getvalue())))
        picture.save()
        # Someone to write to, through the contact form (their address is never shown).
        contact = Contact.objects.create(
            municipality=project.municipality, name="Browser test contact", project=project,
            email="contact@example.org", is_public=True,
        )
        with django_db_blocker.block():
            yield project
        contact.delete()
        Picture.objects.filter(project=project).delete()
        for model in (Grant, FunderReference, Result):
            model.objects.filter(project=project).delete()


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_a_project_page_with_a_picture_results_and_money_has_no_violations(
    site, page, recorded, language
):
    page.goto(f"{site}/language/{language}/?next=/projects/{recorded.slug}/")
    assert page.locator("h1").count() == 1
    picture = page.locator("figure.picture img")
    assert picture.get_attribute("alt") == "Pupils by a lake"
    # The picture was served and decoded: the media view answered with the file.
    assert picture.evaluate("image => image.complete && image.naturalWidth") == 1200
    assert page.locator("#funding-heading").count() == 1
    assert page.locator("#results-heading").count() == 1
    # On a page in another language than the project's, the same page has its translation
    # notice too (shown in the original): pictures, results and a notice, checked together.
    notices = page.locator("article.project > .translation-notice")
    assert notices.count() == (0 if language == recorded.language else 1)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert not results.violations_count, violations_report(results)
    # 320 CSS pixels wide: the money tables scroll inside their region, the page does not.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth <= 320")


@pytest.mark.parametrize("language", ["sv", "lv"])
def test_the_contact_form_and_its_errors_have_no_violations(site, page, recorded, language):
    with override_settings(CONTACT_MIN_SECONDS=0):
        page.goto(f"{site}/language/{language}/?next=/projects/{recorded.slug}/contact/")
        assert page.locator("h1").count() == 1
        axe = Axe()
        options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}}
        results = axe.run(page, options=options)
        assert not results.violations_count, violations_report(results)
        # Sent empty (no JavaScript needed): the form comes back with its errors, still clean.
        page.click("button[type=submit]")
        assert page.locator(".error-summary").count() == 1
        assert page.locator("[aria-invalid=true]").count() == 3
        results = axe.run(page, options=options)
        assert not results.violations_count, violations_report(results)


@pytest.mark.parametrize(
    ("language", "larger"),
    [("sv", "Större bild"), ("en", "Larger picture"), ("lv", "Lielāks attēls")],
)
def test_the_card_framed_by_another_site_shows_the_picture_without_violations(
    site, browser, recorded, language, larger
):
    # The site's own policies apply (no bypass), as for a visitor on the other site.
    context = browser.new_context()
    page = context.new_page()
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    path = f"/embed/projects/{recorded.slug}/?lang={language}"
    host = (
        f'<!DOCTYPE html><html lang="{language}"><title>Kommunen</title>'
        f'<iframe id="registry" src="{site}{path}" title="Projekt" width="480" height="400">'
        "</iframe>"
    )
    with other_site(host) as address:
        page.goto(address)
        frame = page.frame_locator("#registry")
        picture = frame.locator("figure.picture img")
        assert picture.get_attribute("alt") == "Pupils by a lake"
        picture.scroll_into_view_if_needed()
        assert picture.evaluate("image => image.decode().then(() => image.naturalWidth)") == 1200
        assert (
            frame.locator("figure.picture figcaption")
            .inner_text()
            .startswith(f"Photo: A. Berg · {larger}")
        )
    assert not [text for text in messages if "Content Security Policy" in text], messages
    # The card itself, in a page of its own: no violation, and it fits 320 CSS pixels.
    page.goto(site + path)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert not results.violations_count, violations_report(results)
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth <= 320")
    context.close()
