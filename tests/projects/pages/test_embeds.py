"""/embed/…: a filtered list, a project's card and the partner-country map that other sites
may frame (while every other page still refuses framing), set no cookie, need no JavaScript,
follow `lang` or the visitor's language and link back to the registry; and the builder."""

import io
import re
from itertools import pairwise

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from projects import project_index
from projects.models import Picture, Project
from projects.pictures import process
from tests.factories import make_project
from tests.list_helpers import html_of, listed_slugs
from tests.projects.open_data_helpers import make_registry

pytestmark = pytest.mark.django_db

EMBEDS = ["/embed/projects/?municipality=norrkoping", "/embed/projects/water/", "/embed/map/"]
PAGES = ["/", "/projects/", "/projects/water/", "/countries/", "/embed-builder/", "/api/"]


@pytest.fixture
def registry():
    data = make_registry()
    project_index.forget()
    return data


def frame_ancestors(response):
    policy = response.get("Content-Security-Policy", "")
    found = re.search(r"frame-ancestors ([^;]+)", policy)
    return found.group(1).strip() if found else None


@pytest.mark.parametrize("path", EMBEDS)
def test_embeds_may_be_framed_by_any_site(client, registry, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert frame_ancestors(response) == "*"
    # The rest of the policy still holds: scripts and styles from the registry only.
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", PAGES)
def test_every_other_page_still_refuses_framing(client, registry, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert frame_ancestors(response) == "'none'"


def test_a_cached_embed_may_still_be_framed(client, registry, settings):
    settings.PAGE_CACHE_SECONDS = 300
    first = client.get("/embed/projects/water/")
    second = client.get("/embed/projects/water/")
    assert first.content == second.content
    assert frame_ancestors(second) == "*" and "X-Frame-Options" not in second


@pytest.mark.parametrize("path", EMBEDS)
def test_embeds_set_no_cookie_and_need_no_script(client, registry, path):
    response = client.get(path, {"lang": "en"})
    assert not response.cookies
    html = html_of(response)
    # The only script is the optional resizer, deferred: the content is all in the HTML.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/embed-frame.js" defer>']
    assert 'target="_top"' in html
    assert "From the registry of municipal international projects" in html


def test_the_list_embed_shows_the_lists_projects_with_a_link_to_them(client, registry):
    response = client.get("/embed/projects/", {"municipality": "norrkoping", "lang": "en"})
    html = html_of(response)
    assert listed_slugs(response) == ["schools", "water"]
    assert "secret-draft" not in html
    assert 'href="/projects/?municipality=norrkoping"' in html
    assert "Norrköping" in html


def test_the_list_embed_links_to_the_rest(client, registry, monkeypatch):
    monkeypatch.setattr("projects.embeds.views.LIST_SIZE", 2)
    html = html_of(client.get("/embed/projects/", {"lang": "en"}))
    assert "See all 4 projects in the registry" in html


@pytest.mark.parametrize(
    ("language", "word"),
    [("sv", "Partnerländer"), ("en", "Partner countries"), ("lv", "Partnervalstis")],
)
def test_lang_chooses_the_language(client, registry, language, word):
    response = client.get("/embed/projects/water/", {"lang": language}, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == language
    assert f'<html lang="{language}">' in html_of(response)
    assert word in html_of(response)


def test_without_lang_the_visitors_language(client, registry):
    response = client.get("/embed/projects/water/", HTTP_ACCEPT_LANGUAGE="lv")
    assert response["Content-Language"] == "lv"
    unknown = client.get("/embed/projects/water/", {"lang": "xx"}, HTTP_ACCEPT_LANGUAGE="sv")
    assert unknown["Content-Language"] == "sv"


def test_the_card_shows_the_project_and_escapes_its_text(client, registry):
    html = html_of(client.get("/embed/projects/water/", {"lang": "en"}))
    assert "Clean water" in html
    assert "Water &amp; sanitation &lt;together&gt;" in html
    assert '<img class="flag" src="/static/flags/ke.gif" alt=""' in html
    assert client.get("/embed/projects/secret-draft/").status_code == 404


@pytest.fixture
def pictured(registry, settings, tmp_path):
    """The "water" project's two pictures; the first by position is returned."""
    settings.MEDIA_ROOT = tmp_path
    project = Project.objects.get(slug="water")
    pictures = []
    for position, (alt_text, credit) in enumerate(
        [("Pupils by a new well", "Photo: Anna Berg"), ("A pump & a tap", "Photo: Per Ek")]
    ):
        buffer = io.BytesIO()
        Image.new("RGB", (1600, 900), (20, 90, 160)).save(buffer, format="JPEG")
        picture = Picture(project=project, alt_text=alt_text, credit=credit, position=position)
        picture.store(process(SimpleUploadedFile("well.jpg", buffer.getvalue())))
        picture.save()
        pictures.append(picture)
    return pictures[0]


def figures(html):
    return re.findall(r'<figure class="picture">.*?</figure>', html, re.DOTALL)


@pytest.mark.parametrize(
    ("language", "larger"),
    [("sv", "Större bild"), ("en", "Larger picture"), ("lv", "Lielāks attēls")],
)
def test_the_card_shows_the_first_picture_as_the_projects_page_does(
    client, pictured, language, larger
):
    response = client.get("/embed/projects/water/", {"lang": language})
    card = html_of(response)
    page = html_of(client.get("/projects/water/", HTTP_ACCEPT_LANGUAGE=language))
    [figure] = figures(card)
    # The same figure, alternative text and credit as on the page, in the visitor's language.
    assert figure == figures(page)[0]
    assert (
        f'<img src="/media/{pictured.display}" alt="Pupils by a new well" lang="sv" '
        'width="1200" height="675" loading="lazy">'
    ) in figure
    assert '<span lang="sv">Photo: Anna Berg</span>' in figure
    assert f'<a href="/media/{pictured.original}">{larger}<span class="visually-hidden">' in figure
    assert "A pump &amp; a tap" not in card
    # Served by the registry itself, which the embed's policy (default-src 'self') allows; the
    # frame still loads nothing from another site.
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "img-src" not in response["Content-Security-Policy"]
    assert client.get(f"/media/{pictured.display}").status_code == 200


def test_a_new_picture_reaches_the_cached_card(client, registry, pictured, settings):
    settings.PAGE_CACHE_SECONDS = 300
    assert "Pupils by a new well" in html_of(client.get("/embed/projects/water/"))
    pictured.alt_text = "Pupils by the well they dug"
    pictured.save()
    assert "Pupils by the well they dug" in html_of(client.get("/embed/projects/water/"))


def test_a_card_without_a_picture_has_no_figure(client, registry):
    assert not figures(html_of(client.get("/embed/projects/water/", {"lang": "en"})))


def test_the_map_embed_counts_the_filtered_projects_on_the_europe_map(client, registry):
    html = html_of(client.get("/embed/map/", {"municipality": "norrkoping", "lang": "en"}))
    assert 'viewBox="400 172 216 214"' in html
    assert "Kenya: 1 project" in html and "Malta: 1 project" in html
    assert "Latvia" not in html.split("embed__countries")[1]  # only Kalix's project names it
    assert 'href="/projects/?municipality=norrkoping&amp;country=mt"' in html
    # Malta is too small to see on the map: it also gets a round marker.
    assert "world-map__marker" in html
    world = html_of(client.get("/embed/map/", {"view": "world"}))
    assert 'viewBox="400 172 216 214"' not in world


def test_bad_filter_values_answer_400_not_500(client, registry):
    for path in ["/embed/projects/", "/embed/map/"]:
        response = client.get(path, {"goal": "99", "country": "\x00"})
        assert response.status_code == 400
        assert frame_ancestors(response) == "*"


def heading_levels(html):
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]


def test_the_embedded_list_starts_at_h1_and_skips_no_heading_level(client, registry):
    html = html_of(client.get("/embed/projects/?municipality=kalix", HTTP_ACCEPT_LANGUAGE="en"))
    levels = heading_levels(html)
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in pairwise(levels))
    assert '<h2 class="project-row__title"><a href="/projects/waste/"' in html
    # The site's own list keeps its rows below its h2.
    listed = html_of(client.get("/projects/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<h3 class="project-row__title"><a href="/projects/waste/"' in listed


def test_the_builder_works_without_javascript(client, registry):
    empty = client.get("/embed-builder/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Preview and snippet" in html_of(empty) and "<iframe" not in html_of(empty)
    response = client.get(
        "/embed-builder/",
        {"kind": "list", "municipality": "norrkoping", "goal": "4", "lang": "lv"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = html_of(response)
    url = "http://testserver/embed/projects/?municipality=norrkoping&amp;goal=4&amp;lang=lv"
    assert f'<iframe class="embed-builder__preview" src="{url}"' in html
    # The snippet is text to copy, escaped once more inside the field.
    assert "&lt;iframe src=&quot;" + url.replace("&amp;", "&amp;amp;") in html
    assert "/static/js/embed.js" in html
    # The preview's address answers with the same filters.
    assert listed_slugs(client.get("/embed/projects/?municipality=norrkoping&goal=4")) == [
        "schools"
    ]


def select_options(html, name):
    """The (value, label) of each option of the select named `name`."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_the_builder_offers_the_lists_partner_countries_in_alphabetical_order(client, registry):
    make_project(slug="gulf", municipality=registry["kalix"], countries=["AE", "AL"])
    project_index.forget()

    html = html_of(client.get("/embed-builder/", HTTP_ACCEPT_LANGUAGE="sv"))
    listed = html_of(client.get("/projects/", HTTP_ACCEPT_LANGUAGE="sv"))

    countries = select_options(html, "country")
    # Only the countries with published projects (not all 249, not the draft's alone), in
    # Swedish alphabetical order, as the list's filter offers them.
    assert countries == [
        ("", "alla"),
        ("AL", "Albanien"),
        ("AE", "Förenade Arabemiraten"),
        ("KE", "Kenya"),
        ("LV", "Lettland"),
        ("MT", "Malta"),
        ("SE", "Sverige"),
        ("DE", "Tyskland"),
    ]
    offered = re.findall(r'name="country" value="([A-Z]{2})"', listed)
    assert offered == [code for code, _label in countries[1:]]
    municipalities = [label for _value, label in select_options(html, "municipality")[1:]]
    assert municipalities == ["Kalix", "Norrköping", "Rēzekne"]


def test_the_builder_makes_a_card_from_a_projects_address(client, registry):
    response = client.get(
        "/embed-builder/", {"kind": "project", "project": "http://example.org/projects/water/"}
    )
    assert 'src="http://testserver/embed/projects/water/"' in html_of(response)
    missing = client.get(
        "/embed-builder/",
        {"kind": "project", "project": "secret-draft"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert missing.status_code == 400
    assert "Give the address or slug of a published project." in html_of(missing)
    assert "<iframe" not in html_of(missing)


def test_a_bad_choice_in_the_builder_answers_400_with_the_form_and_its_errors(client, registry):
    response = client.get(
        "/embed-builder/", {"kind": "list", "goal": "99"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    html = html_of(response)
    assert "Select a valid choice. 99 is not one of the available choices." in html
    assert '<select name="goal"' in html and "<iframe" not in html
    assert client.get("/embed-builder/", {"kind": "list", "goal": "4"}).status_code == 200
    assert client.get("/embed-builder/").status_code == 200


def test_the_builder_makes_a_world_map(client, registry):
    response = client.get("/embed-builder/", {"kind": "map", "view": "world", "country": "KE"})
    assert 'src="http://testserver/embed/map/?country=ke&amp;view=world"' in html_of(response)


def test_every_page_links_the_builder_and_the_api(client, registry):
    html = html_of(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<a href="/embed-builder/">Show the registry on your website</a>' in html
    assert '<a href="/api/reference/">Open data: the API</a>' in html


def test_a_cards_frame_is_as_tall_as_the_card_in_the_builder_and_in_oembed(
    client, registry, pictured
):
    """The card with a picture needs a taller frame than one without; the builder's snippet
    and the oEmbed answer give the same height, and oEmbed's maxheight may only lower it."""

    def builder_height(slug):
        html = html_of(client.get("/embed-builder/", {"kind": "project", "project": slug}))
        preview = re.search(r'class="embed-builder__preview" [^>]* height="(\d+)"', html)
        snippet = re.search(r'width=(?:&quot;|")100%(?:&quot;|") height=(?:&quot;|")(\d+)', html)
        assert preview.group(1) == snippet.group(1)
        return int(preview.group(1))

    def oembed(slug, **params):
        return client.get("/oembed", {"url": f"/projects/{slug}/", **params}).json()

    assert builder_height("water") == oembed("water")["height"] == 520
    assert 'height="520"' in oembed("water")["html"]
    assert oembed("water", maxheight="300")["height"] == 300
    Picture.objects.filter(project__slug="water").delete()
    assert builder_height("water") == oembed("water")["height"] == 420
