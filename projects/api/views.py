"""The API's views: read-only, public, JSON.

The project list binds `ProjectFilter` (projects/filters.py) to the query string exactly as
/projects/ does, so it answers with the same projects in the same order, and an invalid value
answers 400 naming the parameter, as the exports do. Its items are the exports' records.
Reference resources count published projects from the project index, as the pages do.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from networks.models import Membership, Network

from .. import project_index
from ..exports import project_records
from ..filters import ProjectFilter
from ..models import Project
from ..pages.counts import NONE, with_counts
from ..pages.queries import (
    by_name,
    public_countries,
    public_funders,
    public_goals,
    public_municipalities,
)
from ..project_index import project_counts
from ..views import PAGE_SIZE, RECORD_PREFETCHES
from . import serializers as s

MAX_PAGE_SIZE = 100
# How the OpenAPI document types the list's parameters (filter_parameters).
INTEGER_PARAMETERS = {"goal", "active_in"}
SINGLE_PARAMETERS = {"q", "sort"}
MAX_GOAL_NUMBER = 99


class ProjectPagination(PageNumberPagination):
    """The list page's pages (25 projects), or up to MAX_PAGE_SIZE with `page_size`; a page
    that does not exist answers 404, as on /projects/."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        """The page's rows as a sliced QuerySet (DRF's own makes a list of model instances,
        which the exports' records do not need)."""
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        try:
            self.page = paginator.page(self.get_page_number(request, paginator))
        except Exception as error:  # InvalidPage, and a page number that is not a number
            raise NotFound(str(error)) from error
        return self.page.object_list


def filter_parameters():
    """The list's query parameters for the OpenAPI document, derived from ProjectFilter's
    declarations: a repeatable parameter is an array, a choice an enumeration."""
    parameters = []
    for name, declared in ProjectFilter.base_filters.items():
        item = {"type": "integer" if name in INTEGER_PARAMETERS else "string"}
        if "choices" in declared.extra:
            item["enum"] = [value for value, _label in declared.extra["choices"]]
        repeatable = name not in SINGLE_PARAMETERS
        parameters.append(
            OpenApiParameter(
                name,
                {"type": "array", "items": item} if repeatable else item,
                description=str(declared.label),
                explode=True if repeatable else None,
            )
        )
    return parameters


class ReadOnlyView(APIView):
    # Public data for anyone: no sign-in, no session, no cookie.
    authentication_classes = []
    permission_classes = []


class ApiRoot(ReadOnlyView):
    """Where each collection is."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        collections = {
            "projects": "project",
            "municipalities": "municipality",
            "goals": "goal",
            "countries": "country",
            "funders": "funder",
            "networks": "network",
        }
        links = {
            plural: reverse(f"api:{name}-list", request=request)
            for plural, name in collections.items()
        }
        links["openapi"] = reverse("api:schema", request=request)
        links["reference"] = reverse("api:reference", request=request)
        return Response(links)


class ProjectList(ReadOnlyView):
    """Published projects, filtered and ordered exactly as /projects/ with the same query
    parameters (repeat a parameter for "either"), a page at a time."""

    @extend_schema(
        operation_id="projects_list",
        parameters=[
            *filter_parameters(),
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=f"Projects per page, {PAGE_SIZE} unless given, at most "
                f"{MAX_PAGE_SIZE}.",
            ),
        ],
        responses={200: s.ProjectPageSerializer, 400: s.ErrorsSerializer},
    )
    def get(self, request):
        filterset = ProjectFilter(request.GET, queryset=Project.objects.published())
        if not filterset.is_valid():
            errors = {name: list(messages) for name, messages in filterset.form.errors.items()}
            return Response({"errors": errors}, status=400)
        paginator = ProjectPagination()
        rows = paginator.paginate_queryset(filterset.qs, request, view=self)
        records = list(project_records(rows, request.build_absolute_uri))
        return paginator.get_paginated_response(records)


class ProjectDetail(ReadOnlyView):
    """One published project with its relations; drafts and unknown slugs are 404."""

    @extend_schema(operation_id="projects_detail", responses={200: s.ProjectSerializer})
    def get(self, request, slug):
        project = get_object_or_404(
            Project.objects.published()
            .for_detail()
            .prefetch_related("events", *RECORD_PREFETCHES),
            slug=slug,
        )
        # The networks its municipality belongs to, as the project's page names them.
        project.municipality_networks = Network.objects.filter(
            memberships__municipality=project.municipality_id
        )
        return Response(s.ProjectSerializer(project, context={"request": request}).data)


class ReferenceList(ReadOnlyView):
    serializer_class = None

    def rows(self):
        raise NotImplementedError

    def get(self, request):
        serializer = self.serializer_class(self.rows(), many=True, context={"request": request})
        return Response(serializer.data)


class ReferenceDetail(ReadOnlyView):
    serializer_class = None

    def row(self, key):
        raise NotImplementedError

    def get(self, request, key):
        return Response(self.serializer_class(self.row(key), context={"request": request}).data)


def _municipalities():
    counts = project_counts(project_index.current().municipality)
    return public_municipalities().order_by("name"), counts


@extend_schema(responses={200: s.MunicipalitySerializer(many=True)})
class MunicipalityList(ReferenceList):
    """Every municipality, with how many published projects it owns."""

    serializer_class = s.MunicipalitySerializer

    def rows(self):
        municipalities, counts = _municipalities()
        return with_counts(municipalities, counts)


@extend_schema(responses={200: s.MunicipalitySerializer})
class MunicipalityDetail(ReferenceDetail):
    serializer_class = s.MunicipalitySerializer

    def row(self, key):
        municipalities, counts = _municipalities()
        return with_counts([get_object_or_404(municipalities, slug=key)], counts)[0]


@extend_schema(responses={200: s.GoalSerializer(many=True)})
class GoalList(ReferenceList):
    """The 17 goals of Agenda 2030, with how many published projects work towards each."""

    serializer_class = s.GoalSerializer

    def rows(self):
        return with_counts(public_goals(), project_counts(project_index.current().goal))


@extend_schema(responses={200: s.GoalSerializer})
class GoalDetail(ReferenceDetail):
    serializer_class = s.GoalSerializer

    def row(self, key):
        if key > MAX_GOAL_NUMBER:  # not a goal; SQLite cannot even compare a huge number
            raise NotFound()
        goal = get_object_or_404(public_goals(), number=key)
        return with_counts([goal], project_counts(project_index.current().goal))[0]


@extend_schema(responses={200: s.CountrySerializer(many=True)})
class CountryList(ReferenceList):
    """The partner countries of published projects, by name."""

    serializer_class = s.CountrySerializer

    def rows(self):
        counts = project_counts(project_index.current().country)
        return by_name(with_counts(public_countries().filter(pk__in=list(counts)), counts))


@extend_schema(responses={200: s.CountrySerializer})
class CountryDetail(ReferenceDetail):
    """Any country by its ISO 3166-1 alpha-2 code, in either case."""

    serializer_class = s.CountrySerializer

    def row(self, key):
        country = get_object_or_404(public_countries(), code=key.upper())
        counts = {country.code: len(project_index.current().country.get(country.code, NONE))}
        return with_counts([country], counts)[0]


@extend_schema(responses={200: s.FunderSerializer(many=True)})
class FunderList(ReferenceList):
    serializer_class = s.FunderSerializer

    def rows(self):
        counts = project_counts(project_index.current().funder)
        return with_counts(public_funders().for_list().order_by("name"), counts)


@extend_schema(responses={200: s.FunderSerializer})
class FunderDetail(ReferenceDetail):
    serializer_class = s.FunderSerializer

    def row(self, key):
        funder = get_object_or_404(public_funders().for_list(), slug=key)
        return with_counts([funder], project_counts(project_index.current().funder))[0]


def _networks():
    members = Membership.objects.select_related("municipality").order_by("municipality__name")
    return Network.objects.prefetch_related(Prefetch("memberships", members)).order_by("name")


@extend_schema(responses={200: s.NetworkSerializer(many=True)})
class NetworkList(ReferenceList):
    serializer_class = s.NetworkSerializer

    def rows(self):
        return with_counts(_networks(), project_counts(project_index.current().network))


@extend_schema(responses={200: s.NetworkSerializer})
class NetworkDetail(ReferenceDetail):
    serializer_class = s.NetworkSerializer

    def row(self, key):
        network = get_object_or_404(_networks(), slug=key)
        return with_counts([network], project_counts(project_index.current().network))[0]
