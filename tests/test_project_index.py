"""The project index (projects/project_index.py) answers as the SQL filters do.

The list page takes its facet counts and its pages in the default order from the index, the
exports and the other orders from SQL: for any combination of filters, both must find the same
projects in the same order, and each facet count must be the number of projects its option
would list."""

import random

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networks.models import Membership, Network
from projects import project_index
from projects.facets import facet_counts
from projects.filters import ProjectFilter
from projects.models import Project
from tests.factories import make_funder, make_goal, make_municipality, make_project

pytestmark = pytest.mark.django_db

COUNTRIES = ["KE", "LV", "SE", "TZ", "UA"]
TITLES = ["Vatten", "Musik", "Skola", "Klimat"]  # repeated, so ties need the tie-breaker


@pytest.fixture
def catalogue():
    """Forty projects with every kind of link, years on both sides of this year, paused
    ones, drafts, and a funder financed through another."""
    rng = random.Random(7)
    for number in [*range(1, 9), 17]:
        make_goal(number)
    municipalities = [make_municipality(f"m{n}", name=f"Kommun {n}") for n in range(4)]
    sida = make_funder("sida", name="Sida")
    funders = [sida, make_funder("icld", name="ICLD", parent=sida), make_funder("eu", name="EU")]
    network = Network.objects.create(name="Nätverk", slug="net")
    Membership.objects.create(network=network, municipality=municipalities[0])
    Membership.objects.create(network=network, municipality=municipalities[2])
    year = project_index.current_year()
    for number in range(40):
        start = rng.choice([None, year - 5, year - 1, year, year + 1])
        end = rng.choice([None, year, year + 2] + ([start] if start else []))
        if start and end and end < start:
            end = start
        make_project(
            title=rng.choice(TITLES) + (" vatten" if number % 5 == 0 else ""),
            municipality=rng.choice(municipalities),
            goals=rng.sample(range(1, 8), rng.randint(0, 3)),
            countries=rng.sample(COUNTRIES, rng.randint(0, 2)),
            funders=rng.sample(funders, rng.randint(0, 2)),
            type=rng.choice([Project.Type.MOBILITY, Project.Type.RESEARCH]),
            start_year=start,
            end_year=end,
            paused=number % 11 == 0,
            publication=(
                Project.Publication.DRAFT if number % 9 == 0 else Project.Publication.PUBLISHED
            ),
        )


def years():
    year = project_index.current_year()
    return st.integers(min_value=year - 6, max_value=year + 3).map(str)


PARAMETERS = {
    "goal": st.integers(min_value=1, max_value=8).map(str),
    "country": st.sampled_from(COUNTRIES + ["FI"]),
    "municipality": st.sampled_from(["m0", "m1", "m2", "m3"]),
    "funder": st.sampled_from(["sida", "icld", "eu"]),
    "network": st.just("net"),
    "status": st.sampled_from([status.value for status in Project.Status]),
    "type": st.sampled_from([Project.Type.MOBILITY.value, Project.Type.RESEARCH.value]),
    "active_in": years(),
    "q": st.sampled_from(["vatten", "kommun 1", "musik skola"]),
}
queries = st.lists(
    st.one_of(*(st.tuples(st.just(name), values) for name, values in PARAMETERS.items())),
    max_size=5,
)


def filterset_for(pairs, **extra):
    data = QueryDict(mutable=True)
    for name, value in [*pairs, *extra.items()]:
        data.appendlist(name, value)
    filterset = ProjectFilter(data, queryset=Project.objects.published())
    assert filterset.is_valid(), filterset.errors
    return filterset


HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@HYPOTHESIS
@given(pairs=queries)
def test_the_index_finds_the_projects_the_sql_filters_find_in_the_same_order(catalogue, pairs):
    # A chosen sort keeps a search in the default order, which is the index's.
    filterset = filterset_for(pairs, sort="-start_year")
    index = project_index.current()

    from_index = index.ids_at(filterset.matching(index))

    assert from_index == list(filterset.qs.values_list("pk", flat=True))


@HYPOTHESIS
@given(pairs=queries, name=st.sampled_from(ProjectFilter.FACETS))
def test_each_facet_count_is_what_its_option_would_list(catalogue, pairs, name):
    others = [(key, value) for key, value in pairs if key != name]
    filterset = filterset_for(others)
    index = project_index.current()
    counts = facet_counts(filterset, index, name)
    choices = filterset.form.fields[name].queryset
    field = filterset.filters[name].extra["to_field_name"]

    for choice in choices:
        key = choice.pk if name in ("municipality", "funder") else getattr(choice, field)
        option = filterset_for([*others, (name, str(getattr(choice, field)))])
        assert counts.get(key, 0) == option.qs.count(), (name, key)


def test_the_list_pages_through_the_index_in_the_database_order(client, catalogue):
    published = Project.objects.published()

    listed = []
    for page in (1, 2):
        response = client.get("/projects/", {"page": page})
        listed += [project.pk for project in response.context["page_obj"].object_list]

    assert response.context["page_obj"].paginator.count == published.count()
    assert listed == list(ProjectFilter(QueryDict(), queryset=published).qs.values_list(
        "pk", flat=True
    ))


def test_an_edit_reaches_the_index_on_the_next_request(client, catalogue):
    client.get("/projects/")
    project = Project.objects.published().first()
    project.title = "Alldeles ny titel"
    project.save()
    project.goals.set([17])

    response = client.get("/projects/", {"goal": 17})

    assert [row.title for row in response.context["page_obj"].object_list] == [
        "Alldeles ny titel"
    ]
    goals = {group.name: group for group in response.context["groups"]}["goal"]
    assert [(option.value, option.count) for option in goals.options if option.selected] == [
        ("17", 1)
    ]


def test_a_draft_is_in_no_bitmap(catalogue):
    index = project_index.current()
    drafts = set(Project.objects.filter(publication=Project.Publication.DRAFT).values_list(
        "pk", flat=True
    ))

    assert drafts
    assert not drafts & set(index.ids)
    assert len(index) == Project.objects.published().count()
