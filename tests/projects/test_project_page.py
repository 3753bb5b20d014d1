"""/projects/<slug>/: everything about one project, links to every related page, drafts
hidden; and the colours its goal tiles and the site use meet WCAG AA contrast."""

import datetime
import itertools
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from networks.models import Membership, Network
from projects.models import Contact, Project
from projects.templatetags.project_tags import (
    chronological,
    contrast_ratio,
    goal_tile,
    goal_tile_variant,
)
from registry.models import Goal
from tests.factories import (
    GOAL_COLOURS,
    make_event,
    make_funder,
    make_municipality,
    make_organisation,
    make_project,
)
from tests.list_helpers import html_of, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    daugavpils = make_municipality("daugavpils", name="Daugavpils", country_code="LV")
    rezekne = make_municipality("rezekne", name="Rēzekne", country_code="LV")
    sida = make_funder("sida", name="Sida")
    icld = make_funder("icld", name="ICLD", parent=sida)
    council = make_funder("british-council", name="British Council")
    project = make_project(
        slug="active-communities",
        title="Darbīgās kopienas",
        summary="Izglītojoša iniciatīva vietējām kopienām.",
        description="Kopš 2019. gada marta.\n\nOtrā rindkopa.",
        language=Project.Language.LATVIAN,
        municipality=daugavpils,
        organisations=[make_organisation(daugavpils, name="BJC Mezgls")],
        partner_municipalities=[rezekne],
        countries=["GB", "UG"],
        funders=[council, icld],
        goals=[4, 11],
        type=Project.Type.COMMUNITY_DEVELOPMENT,
        start_year=2019,
        end_year=2021,
        period_note="no 2019. gada marta līdz 2021. gada pavasarim",
        extension_note="pagarināts līdz 2022",
        reach="1400 dalībnieki",
        website="https://example.org/kopienas",
        source="Izglītības ziņas, 2020",
        reviewed_on=datetime.date(2024, 5, 2),
    )
    make_event(
        project,
        title="Resursu centra atklāšana",
        date=datetime.date(2020, 1, 23),
        time=datetime.time(17, 0),
        place="Smilšu iela 92",
        description="Atklāšanas pasākums.",
    )
    make_event(project, title="Ievadseminārs", date_note="no 2019. gada augusta")
    make_event(project, title="Pirmā tikšanās", date=datetime.date(2019, 3, 1))
    Contact.objects.create(
        name="Arvita Jukša", role="koordinatore", municipality=daugavpils, project=project,
        email="arvita@example.org", is_public=True,
    )
    Contact.objects.create(
        name="Hidden Person", municipality=daugavpils, project=project,
        email="hidden@example.org", is_public=False,
    )
    network = Network.objects.create(name="Latgale Network", slug="latgale")
    Membership.objects.create(network=network, municipality=daugavpils)
    return project


def page(client, slug="active-communities", language="en"):
    return client.get(f"/projects/{slug}/", HTTP_ACCEPT_LANGUAGE=language)


def test_the_title_is_the_one_h1_in_the_content_language(client, project):
    html = html_of(page(client))
    assert html.count("<h1") == 1
    assert '<h1 id="project-title" lang="lv">Darbīgās kopienas</h1>' in html
    assert "<title>Darbīgās kopienas – " in html


def test_summary_and_description_carry_the_content_language(client, project):
    html = html_of(page(client))
    assert '<p class="lead" lang="lv">Izglītojoša iniciatīva vietējām kopienām.</p>' in html
    paragraphs = "<p>Kopš 2019. gada marta.</p>\n\n<p>Otrā rindkopa.</p>"
    assert f'<div class="prose" lang="lv">{paragraphs}</div>' in html


def test_the_facts_are_shown_with_their_labels(client, project):
    text = text_of(html_of(page(client)))
    for fact in [
        "Municipality Daugavpils",
        "Units and organisations BJC Mezgls",
        "Partner municipalities Rēzekne",
        "Partner countries Uganda, United Kingdom",
        "British Council",
        "ICLD (financed by Sida)",
        "Type Community development",
        "Period 2019–2021 (no 2019. gada marta līdz 2021. gada pavasarim)",
        "Status Completed",
        "Extension pagarināts līdz 2022",
        "Reach 1400 dalībnieki",
        "Website https://example.org/kopienas",
        "Facts confirmed as of: May 2, 2024 (reviewed by a coordinator)",
    ]:
        assert fact in text, fact
    # The editors' notes are for staff: never on the public page.
    assert "Izglītības ziņas, 2020" not in text


def test_last_changed_is_shown_in_local_time(client, project):
    html = html_of(page(client))
    updated = timezone.localtime(project.changed_at).date()
    assert f'Record last changed:</strong> <time datetime="{updated:%Y-%m-%d}">' in html


def test_each_related_thing_links_to_its_own_page(client, project):
    html = html_of(page(client))
    for url in [
        reverse("registry:municipality_detail", args=["daugavpils"]),
        reverse("registry:municipality_detail", args=["rezekne"]),
        reverse("registry:country_detail", args=["gb"]),
        reverse("registry:country_detail", args=["ug"]),
        reverse("registry:funder_detail", args=["british-council"]),
        reverse("registry:funder_detail", args=["icld"]),
        reverse("registry:funder_detail", args=["sida"]),
        reverse("registry:goal_detail", args=[4]),
        reverse("registry:goal_detail", args=[11]),
        reverse("networks:detail", args=["latgale"]),
    ]:
        assert f'href="{url}"' in html, url


def test_goals_are_coloured_tiles_with_their_names(client, project):
    html = html_of(page(client))
    goals = html.split('id="goals-heading"')[1].split("</section>")[0]
    assert 'class="goal-tile goal-tile--light"' in goals
    assert f'fill="{GOAL_COLOURS[4]}"' in goals
    assert "Goal 4" in text_of(goals) and "Goal 11" in text_of(goals)


def test_events_come_in_date_order_with_time_place_and_notes(client, project):
    html = html_of(page(client))
    events = text_of(html.split('id="events-heading"')[1].split("</ol>")[0])
    assert events.index("March 1, 2019") < events.index("Jan. 23, 2020, at 17:00")
    assert events.index("Jan. 23, 2020") < events.index("no 2019. gada augusta Ievadseminārs")
    assert "Smilšu iela 92" in events and "Atklāšanas pasākums." in events
    assert '<time datetime="2020-01-23T17:00">' in html


def test_undated_events_follow_the_dated_ones_on_every_database():
    dated = SimpleNamespace(date=datetime.date(2020, 1, 1), time=None)
    timed = SimpleNamespace(date=datetime.date(2020, 1, 1), time=datetime.time(9))
    undated = SimpleNamespace(date=None, time=None)
    assert chronological([undated, timed, dated]) == [dated, timed, undated]


def test_only_public_contacts_are_shown(client, project):
    html = html_of(page(client))
    # Named, never with the address: the contact form relays (projects/contact.py).
    assert "Arvita Jukša" in html and "arvita@example.org" not in html
    assert 'href="/projects/active-communities/contact/"' in html
    assert "Hidden Person" not in html and "hidden@example.org" not in html


def test_a_draft_is_not_found(client, project):
    project.publication = Project.Publication.DRAFT
    project.save()
    response = page(client)
    assert response.status_code == 404
    assert "Darbīgās kopienas" not in html_of(response)


def test_an_unknown_slug_is_not_found(client):
    response = page(client, "no-such-project")
    assert response.status_code == 404
    assert "Page not found" in html_of(response)


def test_a_project_with_only_a_title_shows_no_empty_sections(client):
    make_project(slug="bare", title="Bare project")
    html = html_of(page(client, "bare"))
    assert "Bare project" in html
    assert "years not stated" in html
    for absent in ["events-heading", "contacts-heading", "goals-heading", "Extension", "Reach"]:
        assert absent not in html


def test_the_page_costs_the_same_queries_with_many_related_rows(
    client, project, django_assert_max_num_queries
):
    for number in range(20):
        make_event(project, title=f"Seminar {number}", date=datetime.date(2020, 2, 1 + number))
    project.goals.add(*[Goal.objects.get_or_create(number=n, defaults=_goal(n))[0] for n in (1, 2)])
    # Four of them say how it is known: its funders' and goals' links with their basis, its
    # citations and its events' citations; two read the translations of its texts and of its
    # events'. When the record last changed is its own column (`changed_at`).
    with django_assert_max_num_queries(22):
        assert page(client).status_code == 200


def _goal(number):
    return {
        "name_sv": "x", "name_en": "x", "name_lv": "x", "description_sv": "x",
        "description_en": "x", "description_lv": "x", "colour": GOAL_COLOURS[number],
    }


# Contrast: WCAG 2.1 AA asks 4.5:1 for normal text.


@pytest.mark.parametrize(("number", "colour"), sorted(GOAL_COLOURS.items()))
def test_every_official_goal_colour_is_legible_with_its_text_colour(number, colour):
    goal = Goal(number=number, colour=colour)
    assert contrast_ratio(goal.text_colour, colour) >= 4.5
    assert goal_tile_variant(goal) in {"dark", "light"}


def test_black_or_white_text_is_legible_on_any_colour():
    for red, green, blue in itertools.product(range(0, 256, 15), repeat=3):
        colour = f"#{red:02x}{green:02x}{blue:02x}"
        goal = Goal(number=1, colour=colour)
        assert contrast_ratio(goal.text_colour, colour) >= 4.5, colour


def test_a_pair_that_fails_becomes_a_band_beside_dark_text():
    failing = SimpleNamespace(number=7, name="Energy", colour="#595959", text_colour="#000000")
    assert contrast_ratio(failing.text_colour, failing.colour) < 4.5
    assert goal_tile_variant(failing) == "band"
    html = goal_tile(failing, plain=True)
    assert 'class="goal-tile goal-tile--band"' in html
    assert 'fill="#595959"' in html


def test_a_goal_tile_can_show_a_project_count(project):
    goal = Goal.objects.get(number=4)
    with translation.override("en"):
        html = goal_tile(goal, count=3)
    assert text_of(html) == "4 Goal 4 (3 projects)"
    assert f'href="{goal.get_absolute_url()}"' in html


def _css_variables():
    css = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css)), css


def test_site_colours_meet_aa_contrast():
    colours, css = _css_variables()
    pairs = [
        (colours["text"], colours["background"]),
        (colours["text"], colours["surface"]),
        (colours["muted"], colours["background"]),
        (colours["muted"], colours["surface"]),
        (colours["link"], colours["background"]),
        (colours["link"], colours["surface"]),
        (colours["link-visited"], colours["background"]),
        (colours["error"], colours["background"]),
        (colours["error"], colours["surface"]),
        (colours["header-text"], colours["header"]),
        (colours["header-text"], "#0c2742"),  # the navigation bar
        ("#ffffff", colours["link"]),  # buttons, the current page number
        ("#0b3a66", "#e7eff8"),  # filter chips
        ("#1d6b2f", colours["background"]),  # statuses
        ("#8a4b00", colours["background"]),
        ("#4d4d4d", colours["background"]),
        (colours["text"], colours["focus"]),  # the skip link
    ]
    for foreground, background in pairs:
        assert foreground.lower() in css.lower() and background.lower() in css.lower()
        assert contrast_ratio(foreground, background) >= 4.5, (foreground, background)


def test_the_focus_ring_stands_out_on_light_and_dark_backgrounds():
    colours, _ = _css_variables()
    # Non-text contrast (WCAG 1.4.11) asks 3:1: the outer ring on white, the inner on the header.
    assert contrast_ratio(colours["focus-outer"], colours["background"]) >= 3
    assert contrast_ratio(colours["focus"], colours["header"]) >= 3


def test_pages_have_no_inline_style_the_content_security_policy_would_block(client, project):
    for url in ["/projects/", "/projects/?goal=4&country=GB", "/projects/active-communities/"]:
        html = html_of(client.get(url))
        assert " style=" not in html and "<style" not in html, url
