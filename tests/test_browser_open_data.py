"""The embeds and the embed builder in a real browser (Debian's chromium through Playwright):
axe-core finds no WCAG 2.1 A or AA violation; another site can frame an embed, and the
optional script sizes the frame, while a page that is not an embed stays out of any frame.

Uses the seeded site, browser and axe helpers of tests/test_browser.py (skipped, or failing
under REQUIRE_BROWSER_TESTS=1, when chromium is missing)."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.test_browser import WCAG_21_AA, Axe, browser, page, site, violations_report

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

__all__ = ["browser", "page", "site"]


def embed_paths(django_db_blocker):
    from projects.models import Project

    with django_db_blocker.unblock():
        project = Project.objects.published().exclude(partner_countries=None).first()
        municipality = project.municipality.slug
    return {
        "embedded list": f"/embed/projects/?municipality={municipality}",
        "embedded card": f"/embed/projects/{project.slug}/?lang=lv",
        "embedded map": "/embed/map/?lang=en",
        "embedded world map": f"/embed/map/?view=world&municipality={municipality}",
        "embed builder": "/embed-builder/",
        "embed builder with a preview": f"/embed-builder/?kind=list&municipality={municipality}",
        "API reference": "/api/reference/",
    }


def test_embeds_and_the_builder_have_no_wcag_21_aa_violations(site, page, django_db_blocker):
    axe = Axe()
    failures = {}
    for name, path in embed_paths(django_db_blocker).items():
        page.goto(site + path)
        assert page.locator("h1").count() == 1, f"{name} ({path}) must have exactly one h1"
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
        if results.violations_count:
            failures[f"{name} {path}"] = violations_report(results)
    assert not failures, "\n\n".join(f"{name}:\n{report}" for name, report in failures.items())


@contextmanager
def other_site(html):
    """Another site (another origin: a port of its own on loopback) serving the page `html`
    for as long as the block lasts."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_another_site_frames_an_embed_and_the_script_sizes_it(site, browser, django_db_blocker):
    path = embed_paths(django_db_blocker)["embedded list"]
    # The site's own policies apply (no bypass), as for a visitor; a Swedish browser.
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    host = (
        f'<!DOCTYPE html><html lang="sv"><title>Kommunen</title>'
        f'<iframe id="registry" src="{site}{path}" title="Projekt" height="150"></iframe>'
        f'<script src="{site}/static/js/embed.js"></script>'
    )
    with other_site(host) as address:
        page.goto(address)
        frame = page.frame_locator("#registry")
        assert frame.locator("h1").inner_text() == "Internationella projekt"
        assert frame.locator(".project-row").count() >= 1
        # The frame reports its height and the host's script applies it.
        page.wait_for_function("document.getElementById('registry').style.height !== ''")
        script = "document.getElementById('registry').getBoundingClientRect().height"
        assert page.evaluate(script) > 150
    assert not context.cookies(), "an embed sets no cookie"
    context.close()


def test_a_page_that_is_not_an_embed_stays_out_of_other_sites_frames(site, browser):
    context = browser.new_context()
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text))
    host = (
        f'<!DOCTYPE html><html lang="sv"><title>Kommunen</title>'
        f'<iframe id="registry" src="{site}/projects/" title="Projekt"></iframe>'
    )
    with other_site(host) as address:
        page.goto(address)
        page.wait_for_timeout(500)
        assert page.frame_locator("#registry").locator(".project-row").count() == 0
    assert any("frame-ancestors" in text or "X-Frame-Options" in text for text in refused)
    context.close()


def test_the_builder_copies_the_snippet_with_javascript(site, browser, django_db_blocker):
    path = embed_paths(django_db_blocker)["embed builder with a preview"]
    context = browser.new_context(locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page = context.new_page()
    page.goto(site + path)
    page.get_by_role("button", name="Copy the snippet").click()
    page.get_by_text("The snippet is copied.").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith('<iframe src="http://127.0.0.1:') and "/embed/projects/" in copied
    assert page.frame_locator(".embed-builder__preview").locator(".project-row").count() >= 1
    context.close()


def test_embeds_and_the_builder_fit_a_320_px_frame(site, browser, django_db_blocker):
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    too_wide = {}
    for name, path in embed_paths(django_db_blocker).items():
        page.goto(site + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[f"{name} {path}"] = width
    context.close()
    assert not too_wide, f"wider than 320 px: {too_wide}"
