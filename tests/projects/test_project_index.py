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
from projects.models import Project, current_year
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
    year = current_year()
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
            partner_municipalities=rng.sample(municipalities, rng.randint(0, 2)),
            type=rng.choice([Project.Type.MOBILITY, Project.Type.RESEARCH]),
            start_year=start,
            end_year=end,
            paused=number % 11 == 0,
            publication=(
                Project.Publication.DRAFT if number % 9 == 0 else Project.Publication.PUBLISHED
            ),
        )


def years():
    year = current_year()
    return st.integers(min_value=year - 6, max_value=year + 3).map(str)


PARAMETERS = {
    "goal": st.integers(min_value=1, max_value=8).map(str),
    "country": st.sampled_from(COUNTRIES + ["FI"]),
    "municipality": st.sampled_from(["m0", "m1", "m2", "m3"]),
    "partner": st.sampled_from(["m0", "m1", "m2", "m3"]),
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

    matching = filterset.matching(index)
    from_index = index.ordered_ids(matching, 0, len(matching))

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
        key = choice.pk if name in ("municipality", "partner", "funder") else getattr(choice, field)
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
    assert not drafts & set(index.everything)
    assert len(index) == Project.objects.published().count()


def built_from_tables():
    """The reference: the index read from the projects' tables now."""
    return project_index.ProjectIndex.build(project_index.current().version)


EDITS = st.lists(
    st.sampled_from(
        [
            "retitle",
            "move_years",
            "unpublish",
            "publish",
            "set_goals",
            "add_country",
            "remove_funder",
            "change_owner",
            "delete",
            "create",
            "clear_goal_from_its_side",
            "add_partner_from_its_side",
            "delete_country",
            "pause",
        ]
    ),
    min_size=1,
    max_size=6,
)


def edit(kind, rng):
    from registry.models import Country, Goal, Municipality

    project = Project.objects.order_by("?").first()
    if kind == "retitle":
        project.title = rng.choice(TITLES)
        project.save()
    elif kind == "move_years":
        years = rng.choice([(None, None), (2001, 2003), (2030, None)])
        project.start_year, project.end_year = years
        project.save()
    elif kind in ("unpublish", "publish"):
        project.publication = (
            Project.Publication.DRAFT if kind == "unpublish" else Project.Publication.PUBLISHED
        )
        project.save()
    elif kind == "set_goals":
        project.goals.set(rng.sample(range(1, 8), 2))
    elif kind == "add_country":
        project.partner_countries.add(rng.choice(COUNTRIES[:4]))
    elif kind == "remove_funder":
        project.funders.clear()
    elif kind == "change_owner":
        project.municipality = Municipality.objects.order_by("?").first()
        project.save()
    elif kind == "delete":
        project.delete()
    elif kind == "create":
        make_project(title="Ny", goals=[3], countries=["KE"], start_year=2024)
    elif kind == "clear_goal_from_its_side":
        Goal.objects.get(number=rng.randint(1, 7)).projects.clear()
    elif kind == "add_partner_from_its_side":
        Municipality.objects.order_by("?").first().partner_projects.add(project)
    elif kind == "delete_country":
        Country.objects.filter(code="UA").delete()
    elif kind == "pause":
        project.paused = not project.paused
        project.save()


@settings(HYPOTHESIS, max_examples=25)
@given(edits=EDITS, seed=st.integers(0, 1000))
def test_each_edit_updates_the_index_as_reading_the_tables_anew_would(catalogue, edits, seed):
    rng = random.Random(seed)
    project_index.current()
    for kind in edits:
        edit(kind, rng)
        assert project_index.current() == built_from_tables(), kind


def test_a_starting_worker_loads_the_snapshot_and_the_changes_since(catalogue):
    project_index.current()
    project = Project.objects.published().first()
    project.goals.set([17])
    project_index.forget()

    loaded = project_index.current()

    assert set(loaded.goal[17]) == {project.pk}
    assert loaded == built_from_tables()


def test_an_update_reads_only_the_changed_projects(catalogue, django_assert_max_num_queries):
    project_index.current()
    Project.objects.published().first().goals.set([17])

    # The log's version (read again after the changes, in case they were pruned meanwhile),
    # the snapshot's version, the changes, the changed rows and their five link tables.
    with django_assert_max_num_queries(10):
        project_index.current()
    with django_assert_max_num_queries(1):
        project_index.current()


def test_a_snapshot_prunes_the_log_and_a_worker_behind_it_loads_the_snapshot(
    catalogue, monkeypatch
):
    from projects.models import IndexChange, IndexSnapshot

    monkeypatch.setattr(project_index, "SNAPSHOT_EVERY", 3)
    stale = project_index.current()
    for project in Project.objects.published()[:4]:
        project.goals.set([17])
    project_index.current()
    assert not IndexChange.objects.filter(version__lte=stale.version + 3).exists()
    assert IndexSnapshot.objects.get().version > stale.version

    project_index._current = stale  # a worker that slept through the pruning
    assert project_index.current() == built_from_tables()


@pytest.mark.parametrize("direct", [1000, 2])
def test_any_slice_of_a_bitmap_comes_in_the_list_order(catalogue, monkeypatch, direct):
    # With `direct` 2, a year with more matches walks the year's projects in title order.
    monkeypatch.setattr(project_index, "DIRECT", direct)
    index = project_index.current()
    rng = random.Random(3)
    for _ in range(20):
        chosen = [pk for pk in index.everything if rng.random() < 0.6]
        start = rng.randint(0, len(chosen))
        stop = start + rng.randint(0, 12)
        in_sql_order = list(
            ProjectFilter(QueryDict(), queryset=Project.objects.filter(pk__in=chosen))
            .qs.values_list("pk", flat=True)
        )

        ordered = index.ordered_ids(project_index.FrozenBitMap(chosen), start, stop)

        assert ordered == in_sql_order[start:stop]


def test_the_status_facet_follows_the_year_without_reading_the_projects(catalogue):
    from projects.models import status_conditions

    index = project_index.current()
    for year in (current_year() - 3, current_year(), current_year() + 4):
        for status, condition in status_conditions(year).items():
            expected = Project.objects.published().with_status(status, year=year)
            assert set(index.where(condition)) == set(expected.values_list("pk", flat=True))


def test_an_index_ahead_of_a_lagging_replica_is_kept(catalogue, django_assert_num_queries):
    index = project_index.current()
    ahead = project_index.ProjectIndex(
        index.version + 5, index.everything, index.columns, index.links
    )
    project_index._current = ahead  # read from the primary by a coordinator's request

    with django_assert_num_queries(1):  # the log's version, behind the index's
        assert project_index.current() is ahead


# A search's matches, kept in the shared cache (project_index.kept_positions).

WORDS = ["vatten", "musik", "kommun 1", "ny", "lugn"]


def search_edit(kind, rng):
    """An edit that changes what a search finds, through each way a project's search text
    is written: its own save, and the UPDATEs of Project.refresh_search_text."""
    from projects.translations import ProjectTranslation
    from registry.models import Municipality, Organisation
    from tests.factories import make_organisation

    project = Project.objects.order_by("?").first()
    if kind == "translate":
        ProjectTranslation.objects.update_or_create(
            project=project, language="en", defaults={"title": rng.choice(["Lugn", "Music"])}
        )
    elif kind == "untranslate":
        ProjectTranslation.objects.filter(project=project).delete()
    elif kind == "rename_unit":
        unit = Organisation.objects.order_by("?").first()
        unit.name = rng.choice(["Lugna skolan", "Skolan"])
        unit.save()
    elif kind == "add_unit":
        unit = Organisation.objects.order_by("?").first()
        project.organisations.add(unit)
    elif kind == "delete_unit":
        unit = Organisation.objects.filter(memberships=None).order_by("?").first()
        unit.delete()
        make_organisation(unit.municipality, name="Skolan")  # for the edits that follow
    elif kind == "clear_unit_from_its_side":
        Organisation.objects.order_by("?").first().projects.clear()
    elif kind == "rename_municipality":
        municipality = Municipality.objects.order_by("?").first()
        municipality.name = rng.choice(["Kommun 1", "Lugnby"])
        municipality.save()
    else:
        edit(kind, rng)


SEARCH_EDITS = st.lists(
    st.sampled_from(
        [
            "translate",
            "untranslate",
            "rename_unit",
            "add_unit",
            "delete_unit",
            "clear_unit_from_its_side",
            "rename_municipality",
            "retitle",
            "unpublish",
            "publish",
            "delete",
            "create",
            "add_partner_from_its_side",
            "change_owner",
        ]
    ),
    min_size=1,
    max_size=6,
)


def kept(word):
    index = project_index.current()
    found = Project.objects.search(word, ranked=False).order_by().values_list("pk", flat=True)
    return project_index.kept_positions(index, ("search", word), found), index.positions_of(found)


@pytest.fixture
def units(catalogue):
    from registry.models import Municipality
    from tests.factories import make_organisation

    for municipality in Municipality.objects.all()[:2]:
        make_organisation(municipality, name="Skolan")


@settings(HYPOTHESIS, max_examples=25)
@given(edits=SEARCH_EDITS, seed=st.integers(0, 1000))
def test_a_kept_search_is_brought_up_to_date_as_searching_anew_would(units, edits, seed):
    rng = random.Random(seed)
    for word in WORDS:
        kept(word)  # kept before the edits, so that the next readings update it
    for kind in edits:
        search_edit(kind, rng)
        for word in WORDS:
            positions, anew = kept(word)
            assert positions == anew, (kind, word)


def test_a_kept_search_reads_only_the_changed_projects(catalogue, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kept("vatten")
    project = Project.objects.published().first()
    project.title = "Vatten och musik"
    project.save()
    index = project_index.current()
    found = Project.objects.search("vatten", ranked=False).order_by().values_list("pk", flat=True)

    with CaptureQueriesContext(connection) as queries:
        positions = project_index.kept_positions(index, ("search", "vatten"), found)

    # The log's version, the changes since, its floor again (read after them, in case they
    # were pruned meanwhile), and the changed project asked whether it matches.
    assert len(queries) == 4
    assert f"IN ({project.pk})" in queries[3]["sql"]
    assert project.pk in positions
    with django_assert_num_queries(0):  # as new as the index: from the cache alone
        project_index.kept_positions(index, ("search", "vatten"), found)


def test_a_unit_renamed_is_found_by_a_kept_search(client, units):
    from registry.models import Organisation

    unit = Organisation.objects.filter(name="Skolan").first()
    project = Project.objects.published().first()
    project.organisations.add(unit)
    assert client.get("/projects/", {"q": "lugna"}).context["page_obj"].paginator.count == 0

    unit.name = "Lugna skolan"
    unit.save()  # the projects' search text is written by an UPDATE (no post_save)

    listed = client.get("/projects/", {"q": "lugna"}).context["page_obj"].object_list
    assert [row.pk for row in listed] == [project.pk]


def test_a_rebuild_after_bulk_changes_reads_kept_searches_and_indexes_anew(catalogue):
    kept("vatten")
    stale = project_index.current()
    Project.objects.update(title="Vatten", search_text="vatten")  # no signal, no log

    project_index.rebuild()

    positions, anew = kept("vatten")
    assert positions == anew == project_index.current().everything
    project_index._current = stale  # a worker that read the index before the rebuild
    assert project_index.current() == built_from_tables()


def test_a_cache_that_does_not_answer_costs_the_plain_reading(catalogue, monkeypatch):
    from redis.exceptions import ConnectionError

    class Refusing:
        def get(self, *args, **kwargs):
            raise ConnectionError("refused")

        set = get

    monkeypatch.setattr(project_index, "cache", Refusing())

    positions, anew = kept("vatten")

    assert positions == anew and len(anew) > 0


def test_a_search_read_from_a_replica_behind_the_index_is_kept_as_of_the_replica(catalogue):
    """A worker's index may be ahead of the replica a visitor's search reads (a coordinator's
    request read it from the primary): what the replica gave is kept as of its own version, so
    that the changes it had not seen yet are asked about next time."""
    index = project_index.current()
    ahead = project_index.ProjectIndex(
        index.version + 5, index.everything, index.columns, index.links
    )
    def found():
        searched = Project.objects.search("vatten", ranked=False)
        return searched.order_by().values_list("pk", flat=True)

    project_index.kept_positions(ahead, ("search", "vatten"), found())
    project = Project.objects.published().exclude(pk__in=list(found())).first()

    project.title = "Rent vatten"  # logged after the version the search was read at
    project.save()

    positions = project_index.kept_positions(ahead, ("search", "vatten"), found())
    assert project.pk in positions
    assert positions == ahead.positions_of(found())


def test_a_worker_that_caught_up_while_a_rebuild_read_the_tables_loads_its_snapshot(
    catalogue, monkeypatch
):
    stale = project_index.current()
    withdrawn = Project.objects.published().first()
    Project.objects.filter(pk=withdrawn.pk).update(publication=Project.Publication.DRAFT)
    build = project_index.ProjectIndex.build.__func__
    meanwhile = {}

    def build_while_a_worker_catches_up(cls, version):
        built = build(cls, version)
        project_index._current = stale
        meanwhile["index"] = project_index.current()
        return built

    monkeypatch.setattr(
        project_index.ProjectIndex, "build", classmethod(build_while_a_worker_catches_up)
    )
    project_index.rebuild()
    monkeypatch.undo()

    project_index._current = meanwhile["index"]
    assert withdrawn.pk not in project_index.current().everything
    assert project_index.current() == built_from_tables()
