"""404 and 500 pages: in the site's look and in the visitor's language, and a 500 page that
renders even when nothing else can."""

import pytest
from django.conf import settings
from django.template import loader
from django.urls import path
from django.utils import translation

from registry.urls import urlpatterns as site_urlpatterns
from tests.list_helpers import html_of


def broken_view(request):
    raise RuntimeError("Something in a view failed")


# The site's URLs plus one that fails, for the 500 tests (used through pytest.mark.urls).
urlpatterns = [path("broken/", broken_view), *site_urlpatterns]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.registry.test_error_pages")]

NOT_FOUND = {"sv": "Sidan hittades inte", "en": "Page not found", "lv": "Lapa nav atrasta"}
SERVER_ERROR = {
    "sv": "Något gick fel",
    "en": "Something went wrong",
    "lv": "Kaut kas nogāja greizi",
}


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_an_unknown_project_is_a_404_in_the_browsers_language(client, language):
    response = client.get("/projects/nope/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    html = html_of(response)
    assert f'<html lang="{language}">' in html
    assert f"<h1>{NOT_FOUND[language]}</h1>" in html


def test_the_404_follows_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lv"
    response = client.get("/projects/nope/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Lapa nav atrasta" in html_of(response)


def test_the_404_has_the_sites_look_and_one_h1(client):
    html = html_of(client.get("/no-such-page/"))
    assert html.count("<h1") == 1
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html and "<nav" in html and "<footer" in html
    assert 'href="/projects/"' in html
    assert "/static/css/site.css" in html


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_a_failing_view_gives_the_500_page_in_the_visitors_language(client, language):
    client.raise_request_exception = False
    response = client.get("/broken/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    html = html_of(response)
    assert f'<html lang="{language}">' in html
    assert f"<h1>{SERVER_ERROR[language]}</h1>" in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html


def test_the_500_page_renders_with_an_empty_context():
    # Django renders 500.html with an empty Context: no request, no context processors.
    with translation.override("lv"):
        html = loader.get_template("500.html").render()
    assert '<html lang="lv">' in html
    assert "Kaut kas nogāja greizi" in html
    assert 'href="/projects/"' in html
    assert "csrfmiddlewaretoken" not in html
