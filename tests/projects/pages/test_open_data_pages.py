"""What search engines and other sites read from the pages: schema.org JSON-LD and Open Graph
on the pages of a project, a municipality and a funder; oEmbed for projects; /robots.txt;
compressed HTML; and flags as images on the map and in the tables."""

import gzip
import json
import re

import pytest
from django.contrib.staticfiles import finders

from projects import project_index
from tests.list_helpers import html_of
from tests.projects.open_data_helpers import make_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    data = make_registry()
    project_index.forget()
    return data


def json_ld(response):
    (block,) = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html_of(response), re.S
    )
    return json.loads(block)


def test_a_project_page_has_json_ld_open_graph_and_oembed(client, registry):
    response = client.get("/projects/water/", HTTP_ACCEPT_LANGUAGE="en")
    data = json_ld(response)
    assert data["@type"] == "Project" and data["name"] == "Clean water"
    assert data["parentOrganization"]["name"] == "Norrköping"
    assert [f["name"] for f in data["funder"]] == ["ICLD"]
    assert data["areaServed"] == [{"@type": "Country", "name": "Kenya"}]
    html = html_of(response)
    # Text that could end the element is escaped inside it.
    assert "\\u003Ctogether\\u003E" in html and "<together>" not in html.split("ld+json")[1]
    assert '<meta property="og:title" content="Clean water">' in html
    assert '<meta property="og:url" content="http://testserver/projects/water/">' in html
    oembed = re.search(r'type="application/json\+oembed" href="([^"]+)"', html).group(1)
    answer = client.get(oembed.replace("&amp;", "&")).json()
    assert answer["type"] == "rich" and answer["version"] == "1.0"
    assert 'src="http://testserver/embed/projects/water/"' in answer["html"]


def test_municipality_and_funder_pages_have_json_ld(client, registry):
    municipality = json_ld(client.get("/municipalities/norrkoping/"))
    assert municipality["@type"] == "GovernmentOrganization"
    assert municipality["sameAs"] == "https://www.norrkoping.se/"
    assert municipality["address"]["addressCountry"] == "SE"
    funder = json_ld(client.get("/funders/icld/"))
    assert funder["name"] == "ICLD" and funder["parentOrganization"]["name"] == "Sida"
    assert 'property="og:title" content="ICLD"' in html_of(client.get("/funders/icld/"))


def test_oembed_refuses_what_is_not_a_published_project(client, registry):
    draft = client.get("/oembed", {"url": "http://testserver/projects/secret-draft/"})
    assert draft.status_code == 404
    assert client.get("/oembed", {"url": "http://testserver/countries/"}).status_code == 404
    assert client.get("/oembed", {"url": "\x00"}).status_code == 404
    response = client.get("/oembed", {"url": "/projects/water/", "format": "xml"})
    assert response.status_code == 501
    sized = client.get("/oembed", {"url": "/projects/water/", "maxwidth": "300"}).json()
    assert sized["width"] == 300


def test_robots_txt_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert client.get("/sitemap.xml").status_code == 200


def test_public_html_is_compressed_in_transit(client, registry):
    response = client.get("/projects/water/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert b"Clean water" in gzip.decompress(response.content)
    api = client.get("/api/projects/water/", HTTP_ACCEPT_ENCODING="gzip")
    assert api["Content-Encoding"] == "gzip"


def test_pages_with_a_secret_are_not_compressed(client, registry, admin_user):
    login = client.get("/admin/login/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in login  # it carries the CSRF token
    client.force_login(admin_user)
    signed_in = client.get("/projects/water/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in signed_in  # a session: a coordinator's view


def test_flags_are_images_never_flag_characters(client, registry):
    paths = ["/countries/", "/countries/ke/", "/municipalities/", "/municipalities/norrkoping/"]
    for path in paths:
        html = html_of(client.get(path))
        assert '<img class="flag" src="/static/flags/' in html, path
        # Regional indicator symbols (U+1F1E6–U+1F1FF) make the emoji flags.
        assert not re.search("[\U0001f1e6-\U0001f1ff]", html), path
    # The images are django-countries' own static files.
    assert finders.find("flags/ke.gif")


def test_the_countries_page_has_a_europe_view_with_home_countries_marked(client, registry):
    html = html_of(client.get("/countries/", HTTP_ACCEPT_LANGUAGE="en"))
    assert 'viewBox="400 172 216 214"' in html
    assert "Map of Europe: partner countries" in html
    assert html.count("world-map__shape--home") >= 2  # Sweden and Latvia, on both maps
    assert "home country of the registry" in html


def test_the_admins_country_list_shows_flags_as_images(client, registry, admin_user):
    client.force_login(admin_user)
    html = html_of(client.get("/admin/registry/country/?q=KE"))
    assert '<img class="flag" src="/static/flags/ke.gif" alt=""' in html
    assert not re.search("[\U0001f1e6-\U0001f1ff]", html)
