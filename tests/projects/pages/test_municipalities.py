"""/municipalities/ and /municipalities/<slug>/: units, projects, partnerships, networks,
strategies, public contacts and counts per goal and country, from published projects only."""

from decimal import Decimal

import pytest
from django.test import Client

from networks.models import Membership, Network
from projects import project_index
from projects.models import Contact, Project, Strategy, StrategyItem
from projects.pages import municipalities
from tests.factories import make_goal, make_municipality, make_organisation, make_project
from tests.list_helpers import listed_slugs

pytestmark = pytest.mark.django_db

# The page's own queries once the project index is built (its build, after any change, is a
# fixed number of queries more); one of them reads the change stamp.
# Six when some municipality both owns partnerships and is a partner in others.
MUNICIPALITY_LIST_QUERIES = 6
# The detail page's first partnerships: their ids in order, then their rows and partners; and
# one for its projects' money's totals, one for its strategies' citations; and two for the
# translations of its memberships' roles and of its strategies' items.
MUNICIPALITY_DETAIL_QUERIES = 24


@pytest.fixture
def kalix_and_masaka():
    """Kalix's municipal partnership with Masaka in Uganda, run by its culture school."""
    kalix = make_municipality("kalix", name="Kalix", region="Norrbotten")
    masaka = make_municipality("masaka", name="Masaka", country_code="UG")
    school = make_organisation(kalix, slug="kulturskolan-kalix", name="Kulturskolan i Kalix",
                               kind="culture_school")
    partnership = make_project(
        title="Municipal partnership Kalix and Masaka",
        municipality=kalix,
        type=Project.Type.MUNICIPAL_PARTNERSHIP,
        partner_municipalities=[masaka],
        organisations=[school],
        countries=["UG"],
        goals=[4, 12],
    )
    return kalix, masaka, partnership


def test_the_list_groups_municipalities_by_country_with_own_and_partner_project_counts(
    english, kalix_and_masaka
):
    kalix, masaka, _ = kalix_and_masaka
    make_project(municipality=kalix, title="Another Kalix project")
    make_municipality("umea", name="Umeå")

    response = english.get("/municipalities/")
    content = response.content.decode()

    assert content.count("<h1") == 1
    counts = {m.slug: (m.project_count, m.partner_count)
              for m in response.context["municipalities"]}
    # Kalix's own partnership is one of its own projects, not counted again beside them.
    assert counts == {"kalix": (2, 0), "masaka": (0, 1), "umea": (0, 0)}
    assert content.index("Sweden</h2>") < content.index("Kalix</a>") < content.index("Uganda</h2>")
    assert content.index("Uganda</h2>") < content.index("Masaka</a>")
    assert 'href="/municipalities/umea/">Umeå</a>' in content


def test_the_list_can_be_narrowed_to_one_country(english, kalix_and_masaka):
    response = english.get("/municipalities/?country=ug")

    assert [m.slug for m in response.context["municipalities"]] == ["masaka"]
    assert '<option value="ug" selected>Uganda</option>' in response.content.decode()


def test_a_country_code_of_no_listed_country_answers_400_naming_the_parameter(
    english, settings, kalix_and_masaka
):
    response = english.get("/municipalities/?country=<b>nowhere")

    assert response.status_code == 400
    content = response.content.decode()
    # The page still lists every municipality, and the filter says what was wrong.
    assert [m.slug for m in response.context["municipalities"]] == ["kalix", "masaka"]
    assert (
        "Country: no municipality in the registry is in a country with the code "
        "“&lt;b&gt;nowhere”." in content
    )
    assert 'aria-invalid="true" aria-describedby="country-filter-error"' in content
    assert '<option value="" >' not in content and " selected>" not in content
    swedish = Client()
    swedish.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    in_swedish = swedish.get("/municipalities/?country=zz").content.decode()
    assert "Land: ingen kommun i registret ligger i ett land med koden ”zz”" in in_swedish
    # A country that exists but has no municipality here is no country of the list either.
    assert english.get("/municipalities/?country=de").status_code == 400
    assert english.get("/municipalities/?country=").status_code == 200


def test_a_municipality_page_shows_its_units_projects_and_partnerships_both_ways(
    english, kalix_and_masaka
):
    kalix_content = english.get("/municipalities/kalix/").content.decode()
    masaka_content = english.get("/municipalities/masaka/").content.decode()

    assert kalix_content.count("<h1") == 1
    assert "Kalix</h1>" in kalix_content
    assert "Kulturskolan i Kalix" in kalix_content
    assert "Municipal partnership Kalix and Masaka" in kalix_content
    assert 'with <a href="/municipalities/masaka/">Masaka</a> (Uganda)' in kalix_content
    assert "Municipal partnership Kalix and Masaka" in masaka_content
    assert 'with <a href="/municipalities/kalix/">Kalix</a> (Sweden)' in masaka_content


def test_a_municipality_page_counts_its_projects_per_goal_and_country_with_filtered_links(
    english, kalix_and_masaka
):
    kalix, _, _ = kalix_and_masaka
    make_project(municipality=kalix, countries=["UG", "KE"], goals=[4])

    response = english.get("/municipalities/kalix/")
    content = response.content.decode()

    assert [(g.number, g.project_count) for g in response.context["goals"]] == [(4, 2), (12, 1)]
    assert [(c.code, c.project_count) for c in response.context["countries"]] == [
        ("KE", 1), ("UG", 2),
    ]
    assert 'href="/projects/?municipality=kalix&amp;goal=4">4. Goal 4</a>: 2 projects' in content
    assert 'href="/projects/?municipality=kalix&amp;country=ug">Uganda</a>: 2 projects' in content
    assert 'href="/projects/?municipality=kalix"' in content


def test_many_partnerships_show_the_first_newest_first_and_link_each_kind_to_the_list(
    english, monkeypatch
):
    """A municipality with thousands of partnerships would render them all: the page names the
    first few and links each kind (partner in, runs itself) to the list, with its count."""
    monkeypatch.setattr(municipalities, "PARTNERSHIPS_SHOWN", 4)
    kalix = make_municipality("kalix", name="Kalix")
    masaka = make_municipality("masaka", name="Masaka", country_code="UG")
    partner_in = [
        make_project(slug=f"partner-{n}", title=f"Partner {n:02d}", start_year=2000 + n,
                     municipality=masaka, partner_municipalities=[kalix])
        for n in range(20)
    ]
    runs = [
        make_project(slug=f"own-{n}", title=f"Own {n:02d}", start_year=1990 + n,
                     municipality=kalix, type=Project.Type.MUNICIPAL_PARTNERSHIP,
                     partner_municipalities=[masaka, kalix] if n == 0 else [masaka])
        for n in range(10)
    ]
    make_project(municipality=kalix, title="Not a partnership")
    make_project(municipality=masaka, partner_municipalities=[kalix], slug="draft",
                 publication=Project.Publication.DRAFT)

    response = english.get("/municipalities/kalix/")
    content = response.content.decode()
    section = response.context["partnerships"]

    assert [p.slug for p in section["projects"]] == [f"partner-{n}" for n in (19, 18, 17, 16)]
    assert content.count('class="partnerships__with"') == 4
    assert 'Partnerships <span class="count">(30)</span>' in content
    assert "Showing 1–4" in content
    assert (section["partner"]["total"], section["owned"]["total"]) == (21, 10)
    assert ('<a href="/projects/?partner=kalix">All 21 projects with Kalix as a partner '
            "municipality</a>") in content
    assert ('<a href="/projects/?municipality=kalix&amp;type=municipal_partnership">All 10 '
            "municipal partnerships Kalix runs itself</a>") in content
    # The links list exactly the partnerships counted.
    listed = {
        slug
        for kind in ("partner", "owned")
        for slug in listed_slugs(english.get(section[kind]["url"]))
    }
    assert listed == {p.slug for p in partner_in + runs}


def test_a_few_partnerships_are_all_shown_with_their_links(english, kalix_and_masaka):
    kalix, masaka, partnership = kalix_and_masaka

    kalix_content = english.get("/municipalities/kalix/").content.decode()
    masaka_content = english.get("/municipalities/masaka/").content.decode()

    assert "Showing 1–" not in kalix_content
    assert "All 1 municipal partnership Kalix runs itself" in kalix_content
    assert "as a partner municipality" not in kalix_content
    assert 'href="/projects/?partner=masaka">All 1 project with Masaka as a partner' in (
        masaka_content
    )
    assert "runs itself" not in masaka_content


def test_norrkopings_page_shows_its_seven_networks_with_roles_and_years(english):
    norrkoping = make_municipality("norrkoping", name="Norrköping")
    for number in range(7):
        network = Network.objects.create(name=f"Network {number}", slug=f"network-{number}")
        Membership.objects.create(network=network, municipality=norrkoping,
                                  role=f"Role {number}", since_year=2000 + number)
    Network.objects.create(name="Not joined", slug="not-joined")

    content = english.get("/municipalities/norrkoping/").content.decode()

    for number in range(7):
        assert (
            f'href="/networks/network-{number}/">Network {number}</a> – '
            f'<span lang="sv">Role {number}</span>'
        ) in content
        assert f"member since {2000 + number}" in content
    assert "Not joined" not in content


@pytest.mark.parametrize(
    "language, budget",
    [("sv", "1\xa0500\xa0000,50\xa0SEK"), ("en", "1,500,000.50\xa0SEK"),
     ("lv", "1\xa0500\xa0000,50\xa0SEK")],
)
def test_strategies_show_their_items_and_a_budget_formatted_for_the_language(
    client, settings, language, budget
):
    skara = make_municipality("skara", name="Skara")
    strategy = Strategy.objects.create(
        title="Strategy for increased internationalisation", slug="skara-strategy",
        municipality=skara, adopted_by="Kommunfullmäktige", budget_amount=Decimal("1500000.50"),
        budget_currency="SEK", budget_year=2018,
    )
    StrategyItem.objects.create(strategy=strategy, kind="priority_area", position=1,
                                text="International networks, contacts and relations")
    StrategyItem.objects.create(strategy=strategy, kind="aim", position=2,
                                text="Transnational development projects")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    content = client.get("/municipalities/skara/").content.decode()

    assert f'<html lang="{language}">' in content
    assert "Strategy for increased internationalisation" in content
    assert (
        '<li><span lang="sv">International networks, contacts and relations</span></li>'
        in content
    )
    assert '<li><span lang="sv">Transnational development projects</span></li>' in content
    assert f"{budget} (2018)" in content


def test_only_public_contacts_appear(english, kalix_and_masaka):
    kalix, _, partnership = kalix_and_masaka
    Contact.objects.create(name="Per Eriksson", role="Deputy head", municipality=kalix,
                           email="per@example.org", is_public=True, project=partnership)
    Contact.objects.create(name="Hidden Person", municipality=kalix,
                           email="hidden@example.org", is_public=False)

    content = english.get("/municipalities/kalix/").content.decode()

    assert "Per Eriksson" in content
    # No address is published: the contact form relays (projects/contact.py).
    assert "per@example.org" not in content
    assert "Hidden Person" not in content
    assert "hidden@example.org" not in content


def test_drafts_are_never_listed_counted_or_named_through_a_contact(english, kalix_and_masaka):
    kalix, masaka, _ = kalix_and_masaka
    draft = make_project(title="Secret draft", municipality=kalix, countries=["KE"], goals=[5],
                         partner_municipalities=[masaka],
                         type=Project.Type.MUNICIPAL_PARTNERSHIP,
                         publication=Project.Publication.DRAFT)
    Contact.objects.create(name="Draft Contact", municipality=kalix, is_public=True,
                           project=draft)

    response = english.get("/municipalities/kalix/")
    content = response.content.decode()
    listing = english.get("/municipalities/").context["municipalities"]

    assert "Secret draft" not in content
    assert "Draft Contact" in content
    assert response.context["section"]["total"] == 1
    assert [g.number for g in response.context["goals"]] == [4, 12]
    assert [c.code for c in response.context["countries"]] == ["UG"]
    assert "Secret draft" not in english.get("/municipalities/masaka/").content.decode()
    assert {(m.slug, m.project_count, m.partner_count) for m in listing} == {
        ("kalix", 1, 0), ("masaka", 0, 1),
    }


def test_no_project_is_counted_twice_and_counts_follow_edits(english):
    """A municipality listed as a partner in its own municipal partnership counts it once,
    as its own project; a draft is not counted until it is published."""
    kalix = make_municipality("kalix", name="Kalix")
    masaka = make_municipality("masaka", name="Masaka", country_code="UG")
    make_project(municipality=kalix, type=Project.Type.MUNICIPAL_PARTNERSHIP,
                 partner_municipalities=[kalix, masaka])
    make_project(municipality=masaka, partner_municipalities=[kalix])
    draft = make_project(municipality=masaka, partner_municipalities=[kalix],
                         publication=Project.Publication.DRAFT)

    def counts():
        listing = english.get("/municipalities/").context["municipalities"]
        return {m.slug: (m.project_count, m.partner_count) for m in listing}

    assert counts() == {"kalix": (1, 1), "masaka": (1, 1)}
    draft.publication = Project.Publication.PUBLISHED
    draft.save()
    assert counts() == {"kalix": (1, 2), "masaka": (2, 1)}


def test_an_unknown_municipality_is_not_found(client):
    assert client.get("/municipalities/atlantis/").status_code == 404


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_municipality_pages_render_in_each_language(client, settings, kalix_and_masaka, language):
    goal_name = {"sv": "Mål 4", "en": "Goal 4", "lv": "Mērķis 4"}[language]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    listing = client.get("/municipalities/").content.decode()
    detail = client.get("/municipalities/kalix/").content.decode()

    assert f'<html lang="{language}">' in listing and f'<html lang="{language}">' in detail
    assert "Kalix" in listing
    assert f"4. {goal_name}</a>" in detail


@pytest.mark.parametrize("rows", [3, 30])
def test_municipality_pages_run_the_same_queries_for_3_or_30_rows(
    client, django_assert_max_num_queries, rows
):
    kalix = make_municipality("kalix")
    for goal in range(1, 18):
        make_goal(goal)
    for row in range(rows):
        partner = make_municipality(country_code=["UG", "KE", "LV"][row % 3])
        unit = make_organisation(kalix)
        make_project(
            municipality=kalix, organisations=[unit], partner_municipalities=[partner],
            countries=["UG", "KE", "LV"][: row % 3 + 1], goals=[row % 17 + 1],
            type=Project.Type.MUNICIPAL_PARTNERSHIP,
        )
        network = Network.objects.create(name=f"Network {row}", slug=f"network-{row}")
        Membership.objects.create(network=network, municipality=kalix)
        strategy = Strategy.objects.create(title=f"Strategy {row}", slug=f"strategy-{row}",
                                           municipality=kalix)
        StrategyItem.objects.create(strategy=strategy, kind="aim", position=1, text="Aim")
        Contact.objects.create(name=f"Contact {row}", municipality=kalix, is_public=True)

    project_index.current()  # built once per change, in a fixed number of queries
    with django_assert_max_num_queries(MUNICIPALITY_LIST_QUERIES):
        client.get("/municipalities/")
    with django_assert_max_num_queries(MUNICIPALITY_DETAIL_QUERIES):
        response = client.get("/municipalities/kalix/")
    assert response.context["section"]["total"] == rows
