"""What the public pages say of the seeded registry: each fact with its source and "as of"
date, what the editors assumed marked in words, no editorial note, counts that mean what they
say (issue: "Say what is known, how it is known, and as of when")."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from networks.models import Network
from projects import project_index
from projects.models import Project

pytestmark = pytest.mark.django_db

ASSUMED = "assumed by the editors, not stated by the source"
# The one marking every page, list card and embed draws (registry_format.assumed_mark).
ASSUMED_MARK = f'<em class="basis basis--assumed">({ASSUMED})</em>'
ITEM_9 = "norrkoping-09-silver-oaks-international-school-indien"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _seeded(seeded, db):
    # The index of another test's rolled-back data must not answer for this one's.
    project_index.forget()
    yield
    project_index.forget()


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_no_public_project_page_shows_an_editorial_note(english):
    for project in Project.objects.all():
        content = page(english, project.get_absolute_url())
        assert project.source[:60] not in content, project.slug
        for note in (".txt", "a reading", "Reading:", "Source:</strong> <span"):
            assert note not in content, (project.slug, note)


def test_a_project_page_names_its_source_in_one_line_with_its_date(english):
    content = page(english, f"/projects/{ITEM_9}/")
    assert "<strong>Source:</strong>" in content
    assert '<cite lang="sv">Norrköpings kommun, Globala rummet</cite>' in content
    assert '<time datetime="2020-11-27">' in content
    assert '(<span lang="sv">punkt 9</span>)' in content


@pytest.mark.parametrize(
    ("language", "words"),
    [("sv", "Källa"), ("lv", "Avots")],
)
def test_the_source_line_is_in_the_readers_language(client, settings, language, words):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert f"<strong>{words}:</strong>" in page(client, f"/projects/{ITEM_9}/")


def test_an_assumed_funder_is_marked_in_words_and_a_stated_one_is_not(english):
    daugavpils = page(english, "/projects/daugavpils-darbigas-kopienas/")
    start = daugavpils.index(">British Council</a>")
    assert ASSUMED in daugavpils[start : start + 300]
    stated = page(english, "/projects/norrkoping-30-social-inclusion-through-pupils-participation/")
    start = stated.index(">Erasmus+</a>")
    assert ASSUMED not in stated[start : start + 300]
    nordplus = page(english, "/projects/norrkoping-10-unequal-childhood/")
    assert '>Nordplus</a>: <span lang="sv">spridningsaktiviteter</span>' in nordplus


def test_assumed_goals_are_marked_on_the_goal_tiles(english):
    content = page(english, f"/projects/{ITEM_9}/")
    assert f'<span class="goal-tile__name">Quality education</span> {ASSUMED_MARK}' in content


DARBIGAS = "daugavpils-darbigas-kopienas"


def row_of(content, slug):
    """The list card of the project `slug` on a page."""
    start = content.index(f'<a href="/projects/{slug}/"')
    return content[start : content.index("</article>", start)]


@pytest.mark.parametrize(
    "path",
    [
        "/projects/?municipality=daugavpils",
        "/municipalities/daugavpils/",
        "/goals/8/",
        "/funders/british-council/",
        "/countries/lv/",
        "/embed/projects/?municipality=daugavpils",
    ],
)
def test_list_cards_mark_assumed_goals_with_the_project_pages_words(english, path):
    card = row_of(page(english, path), DARBIGAS)
    assert (
        f'<span class="goal-tile__name">Decent work and economic growth</span> {ASSUMED_MARK}'
        in card
    )
    assert card.count(ASSUMED_MARK) == 4


def test_the_network_pages_card_marks_assumed_goals_too(english):
    project = Project.objects.get(slug=DARBIGAS)
    network = Network.objects.create(name="Test network", slug="test-network")
    project.networks.add(network)
    project_index.forget()
    assert row_of(page(english, "/networks/test-network/"), DARBIGAS).count(ASSUMED_MARK) == 4


def test_the_embedded_card_marks_assumed_funders_and_goals(english):
    card = page(english, f"/embed/projects/{DARBIGAS}/")
    assert f"British Council {ASSUMED_MARK}" in card
    assert card.count(ASSUMED_MARK) == 5
    stated = page(
        english, "/embed/projects/norrkoping-30-social-inclusion-through-pupils-participation/"
    )
    assert "Erasmus+</dd>" in stated or "Erasmus+," in stated
    assert f"Erasmus+ {ASSUMED_MARK}" not in stated


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("sv", "antaget av redaktörerna, anges inte av källan"),
        ("lv", "redaktoru pieņēmums, avotā nav norādīts"),
    ],
)
def test_the_marking_is_read_in_each_language(client, settings, language, words):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    card = row_of(page(client, "/projects/?municipality=daugavpils"), DARBIGAS)
    assert words in card


def test_open_ended_projects_show_as_unconfirmed_since_their_sources_date(english):
    content = page(english, f"/projects/{ITEM_9}/")
    assert "Unconfirmed since Nov. 27, 2020" in content
    assert "from 2019, end not stated" in content
    assert "Facts confirmed as of" in content
    kalix = page(english, "/projects/kalix-masaka-kommunalt-partnerskap/")
    assert "Unconfirmed since Jan. 28, 2022" in kalix


def test_the_latvian_status_leaves_the_date_in_the_nominative(client, settings):
    # Django writes a Latvian date in the nominative ("27. novembris"); after "kopš" it would
    # need the genitive, so the status names the date after a colon instead.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lv"
    for path in ("/projects/norrkoping-uasin-gishu-kommunalt-partnerskap/", "/funders/sida/"):
        content = page(client, path)
        assert "Neapstiprināts (pēdējoreiz apstiprināts: 2020. gada 27. novembris)" in content
        assert "kopš 2020" not in content


def test_a_seeded_record_shows_no_last_updated_date_of_the_load(english):
    content = page(english, f"/projects/{ITEM_9}/")
    assert "Record last changed" not in content
    project = Project.objects.get(slug=ITEM_9)
    project.summary = "A corrected summary."
    project.save()
    assert "Record last changed" in page(english, f"/projects/{ITEM_9}/")


def test_foreign_partner_schools_are_partner_organisations_not_units(english):
    content = page(english, f"/projects/{ITEM_9}/")
    assert "<dt>Partner organisations</dt>" in content
    assert "Silver Oaks International School, Hyderabad (India)" in content
    listing = page(english, "/projects/?municipality=norrkoping&q=silver")
    assert "Matteusskolan" in listing
    assert "Matteusskolan, Silver Oaks" not in listing


def test_status_filter_and_active_in_follow_the_confirmation(english):
    unconfirmed = english.get("/projects/?status=unconfirmed").context["page_obj"]
    slugs = {project.slug for project in unconfirmed}
    assert {ITEM_9, "kalix-masaka-kommunalt-partnerskap"} <= slugs
    assert english.get("/projects/?active_in=1990").context["page_obj"].paginator.count == 0


def test_the_export_says_how_each_funder_and_goal_is_known(english):
    response = english.get("/projects/export.json?municipality=daugavpils")
    [record] = json.loads(b"".join(response.streaming_content))["results"]
    assert record["funders"] == ["british-council"]
    assert record["funders_stated"] == []
    assert record["funders_assumed"] == ["british-council"]
    assert record["goals_stated"] == [] and record["goals_assumed"] == record["goals"]
    assert record["status"] == "completed"


def test_icorn_shows_no_project_and_the_network_list_counts_linked_projects(english):
    response = english.get("/networks/icorn/")
    assert response.context["section"]["total"] == 0
    assert "Projects linked to the network" in response.content.decode()
    listing = english.get("/networks/").context["networks"]
    assert {network.project_count for network in listing} == {0}


def test_an_assumed_membership_is_marked_and_a_university_is_a_member(english):
    culture_schools = page(english, "/networks/kultur-norrbotten-skolorna/")
    assert ASSUMED in culture_schools
    eunivercities = page(english, "/networks/eunivercities/")
    assert "Linköpings universitet" in eunivercities
    assert "<strong>Source:</strong>" in eunivercities
    nordic = page(english, "/networks/nordic-city-network/")
    assert "<dt>Also called</dt><dd>Nordic Cities Network</dd>" in nordic


def test_latvias_page_shows_daugavpils_project_as_a_home_project(english):
    response = english.get("/countries/lv/")
    content = response.content.decode()
    home = {project.slug for project in response.context["home_section"]["projects"]}
    assert home == {"daugavpils-darbigas-kopienas"}
    assert "1 published project belongs to a municipality in Latvia." in content
    partners = {municipality.slug for municipality in response.context["partners"]}
    assert partners == {"rezekne", "preili", "aglona"}


def test_the_municipality_list_counts_no_project_twice(english):
    listing = english.get("/municipalities/").context["municipalities"]
    counts = {m.slug: (m.project_count, m.partner_count) for m in listing}
    assert counts["kalix"] == (1, 0)
    assert counts["masaka"] == (0, 1)
    assert counts["daugavpils"] == (1, 0)


def test_the_funder_page_tells_stated_from_assumed_projects(english):
    response = english.get("/funders/erasmus-plus/")
    assert response.context["basis"] == {
        "stated": 2,
        "assumed": 22,
        "stated_url": "/projects/?stated_funder=erasmus-plus",
    }
    stated = english.get("/projects/?stated_funder=erasmus-plus").context["page_obj"]
    assert {project.slug[11:13] for project in stated} == {"30", "32"}


def test_strategies_say_what_is_not_stated(english):
    kalix = page(english, "/municipalities/kalix/")
    assert ASSUMED in kalix  # its culture-school membership
    norrbotten = page(english, "/networks/kultur-norrbotten-skolorna/")
    plan = norrbotten[norrbotten.index("Strategiplan för samverkan") :]
    assert "<dt>Action plan</dt><dd>not stated</dd>" in plan
    skara = page(english, "/municipalities/skara/")
    assert "from 2017, end not stated" in skara
    assert "<dt>Action plan</dt><dd>yes</dd>" in skara


def test_latvian_goal_pages_say_the_names_are_the_registrys_translation(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lv"
    assert "ir reģistra tulkojums" in page(client, "/goals/4/")


def test_the_latvian_goal_list_says_the_names_are_the_registrys_translation(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lv"
    numbers = ", ".join(str(number) for number in range(1, 18))
    assert f"Mērķu {numbers} nosaukumi un apraksti latviski ir reģistra tulkojums" in page(
        client, "/goals/"
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert "registrets egen översättning" not in page(client, "/goals/")


def test_a_cited_source_of_latvian_names_is_named_instead(client, settings):
    from registry.models import Goal, Source

    source = Source.objects.create(
        slug="vk-ilgtspejigas-attistibas-merki",
        publisher="Valsts kanceleja",
        title="Ilgtspējīgas attīstības mērķi",
        language="lv",
    )
    Goal.objects.filter(number__in=[4, 5]).update(names_lv_source=source)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lv"
    goals = page(client, "/goals/")
    assert "Mērķu 4, 5 nosaukumi un apraksti latviski: Valsts kanceleja, Ilgtspējīgas" in goals
    assert "Mērķu 1, 2, 3, 6, 7," in goals
    assert "Nosaukums un apraksts latviski: Valsts kanceleja" in page(client, "/goals/4/")


def test_the_embedded_card_says_since_when_a_project_is_unconfirmed(english):
    card = page(english, "/embed/projects/kalix-masaka-kommunalt-partnerskap/")
    assert "Unconfirmed since Jan. 28, 2022" in card


@pytest.mark.parametrize("language", ["en", "lv"])
def test_a_funders_note_on_what_it_funds_keeps_its_own_language(client, settings, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    erasmus = page(client, "/funders/erasmus-plus/")
    assert '<p class="lead" lang="sv">EU:s utbildningsprogram; finansierar' in erasmus
