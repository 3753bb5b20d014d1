"""The admin's project list costs what a page of it shows, not what the registry holds: one
count (the filtered one), filters by subquery with choices found by index, and its default order
read from an index."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Project
from tests.admin_helpers import MODEL_BACKEND, CoordinatorsTestCase
from tests.factories import make_goal, make_project

CHANGELIST = reverse("admin:projects_project_changelist")


def choices(response, title):
    """The (label, selected) pairs of the list filter titled `title`."""
    for spec in response.context["cl"].filter_specs:
        if str(spec.title) == title:
            return [
                (str(choice["display"]), choice["selected"])
                for choice in spec.choices(response.context["cl"])
            ]
    raise AssertionError(f"no filter {title!r}")


def project_queries(queries):
    return [query["sql"] for query in queries if 'FROM "projects_project"' in query["sql"]]


class SuperuserProjectListTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.root = get_user_model().objects.create_superuser("root", password="x" * 12)
        make_goal(13)  # linked to no project
        cls.both = make_project(title="Both goals", municipality=cls.kalix, goals=[4, 12],
                                countries=["KE"], funders=["sida"])
        cls.four = make_project(title="Goal four", municipality=cls.norrkoping, goals=[4],
                                countries=["UG"], publication=Project.Publication.DRAFT)
        cls.none = make_project(title="No goal", municipality=cls.kalix)

    def setUp(self):
        super().setUp()
        self.client.force_login(self.root, backend=MODEL_BACKEND)

    def test_the_link_filters_offer_only_values_some_project_has(self):
        response = self.client.get(CHANGELIST)

        assert [label for label, _ in choices(response, "goals")] == [
            "All", "4. Goal 4", "12. Goal 12", "-",
        ]
        assert [label for label, _ in choices(response, "partner countries")] == [
            "All", "Kenya", "Uganda", "-",
        ]
        assert [label for label, _ in choices(response, "municipality")] == [
            "All", "Kalix", "Norrköping",
        ]

    def test_a_link_filter_lists_each_project_once_by_a_subquery(self):
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(CHANGELIST, {"goal": 4})

        assert list(response.context["cl"].result_list) == [self.both, self.four]
        assert response.context["cl"].result_count == 2
        assert ("4. Goal 4", True) in choices(response, "goals")
        assert not any("DISTINCT" in sql for sql in project_queries(queries))
        none = self.client.get(CHANGELIST, {"goal": "none"}).context["cl"]
        assert list(none.result_list) == [self.none]
        country = self.client.get(CHANGELIST, {"country": "KE", "municipality": self.kalix.pk})
        assert list(country.context["cl"].result_list) == [self.both]

    def test_a_value_that_is_no_key_reloads_the_list_with_an_error(self):
        response = self.client.get(CHANGELIST, {"goal": "four"})

        assert response.status_code == 302
        assert response["Location"].endswith("?e=1")

    def test_a_filtered_list_is_counted_once_not_again_in_all(self):
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(CHANGELIST, {"status": "completed"})

        counts = [sql for sql in project_queries(queries) if "COUNT(" in sql]
        assert len(counts) == 1 and "WHERE" in counts[0]
        assert response.context["cl"].full_result_count is None

    def test_the_counts_per_filter_value_follow_the_subqueries(self):
        response = self.client.get(CHANGELIST, {"_facets": "True"})

        assert ("4. Goal 4 (2)", False) in choices(response, "goals")
        assert ("- (1)", False) in choices(response, "goals")

    def test_the_default_order_is_the_one_its_index_serves(self):
        """project_admin_order (projects/models.py) must follow Meta.ordering and the
        primary key Django adds to it, or the first page sorts every project again."""
        response = self.client.get(CHANGELIST)
        cl = response.context["cl"]

        (index,) = [i for i in Project._meta.indexes if i.name == "project_admin_order"]
        fields = [field.replace("id", "pk") for field in index.fields]
        assert cl.get_ordering(response.wsgi_request, cl.root_queryset) == fields


class CoordinatorProjectListTests(CoordinatorsTestCase):
    def test_a_coordinators_filters_offer_only_their_own_projects_values(self):
        make_project(municipality=self.kalix, goals=[4], countries=["KE"])
        make_project(municipality=self.norrkoping, goals=[12], countries=["UG"])
        self.sign_in(self.kalix_user)

        response = self.client.get(CHANGELIST)

        assert [label for label, _ in choices(response, "goals")] == ["All", "4. Goal 4", "-"]
        assert [label for label, _ in choices(response, "partner countries")] == [
            "All", "Kenya", "-",
        ]

    def test_a_filter_never_reaches_another_municipality(self):
        mine = make_project(municipality=self.kalix, goals=[4])
        make_project(municipality=self.norrkoping, goals=[4])
        self.sign_in(self.kalix_user)

        response = self.client.get(CHANGELIST, {"goal": 4})

        assert list(response.context["cl"].result_list) == [mine]
