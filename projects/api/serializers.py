"""What the API's resources hold.

A project in a list is exactly a record of the exports' published schema (`SCHEMA` in
projects/exports.py): the same keys, types and meaning, built by the same code, so the API
and the JSON export cannot drift apart. Its field list for the OpenAPI document is derived
from `SCHEMA` too (`ProjectRecordSerializer`). A project's own resource adds its texts and its
relations as linked resources.
"""

from django.urls import reverse
from rest_framework import serializers

from ..exports import SCHEMA, Kind

# The list columns holding numbers; every other list holds strings.
NUMBER_LISTS = {"goals"}


def _schema_field(column):
    if column.kind is Kind.NUMBER:
        return serializers.IntegerField(allow_null=True)
    if column.kind is Kind.LIST:
        child = (
            serializers.IntegerField() if column.key in NUMBER_LISTS else serializers.CharField()
        )
        return serializers.ListField(child=child)
    return serializers.CharField(allow_blank=True)


ProjectRecordSerializer = type(
    "ProjectRecordSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "A project as the exports write it (docs/exports.md, field dictionary).",
        **{column.key: _schema_field(column) for column in SCHEMA},
    },
)


def absolute(request, name, *args):
    return request.build_absolute_uri(reverse(name, args=args))


class LinkedSerializer(serializers.Serializer):
    """A related resource: its key, its name in the request's language, its page and, where
    the API has it, its API resource."""

    def to_representation(self, instance):
        return self.link(self.context["request"], instance)


class MunicipalityLinkSerializer(LinkedSerializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField()
    url = serializers.URLField()
    api_url = serializers.URLField()

    @staticmethod
    def link(request, municipality):
        return {
            "slug": municipality.slug,
            "name": municipality.name,
            "country": municipality.country_id,
            "url": request.build_absolute_uri(municipality.get_absolute_url()),
            "api_url": absolute(request, "api:municipality-detail", municipality.slug),
        }


class CountryLinkSerializer(LinkedSerializer):
    code = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField()
    api_url = serializers.URLField()

    @staticmethod
    def link(request, country):
        return {
            "code": country.code,
            "name": str(country.name),
            "url": request.build_absolute_uri(country.get_absolute_url()),
            "api_url": absolute(request, "api:country-detail", country.code.lower()),
        }


class FunderLinkSerializer(LinkedSerializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField()
    api_url = serializers.URLField()

    @staticmethod
    def link(request, funder):
        return {
            "slug": funder.slug,
            "name": funder.name,
            "url": request.build_absolute_uri(funder.get_absolute_url()),
            "api_url": absolute(request, "api:funder-detail", funder.slug),
        }


class GoalLinkSerializer(LinkedSerializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.URLField()
    api_url = serializers.URLField()

    @staticmethod
    def link(request, goal):
        return {
            "number": goal.number,
            "name": goal.name,
            "url": request.build_absolute_uri(goal.get_absolute_url()),
            "api_url": absolute(request, "api:goal-detail", goal.number),
        }


class NetworkLinkSerializer(LinkedSerializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField()
    api_url = serializers.URLField()

    @staticmethod
    def link(request, network):
        return {
            "slug": network.slug,
            "name": network.name,
            "url": request.build_absolute_uri(network.get_absolute_url()),
            "api_url": absolute(request, "api:network-detail", network.slug),
        }


class EventSerializer(serializers.Serializer):
    title = serializers.CharField()
    kind = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    date_as_stated = serializers.CharField(source="date_note", allow_blank=True)
    place = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    link = serializers.CharField(source="url", allow_blank=True)


class PartnerOrganisationSerializer(serializers.Serializer):
    """A school, university or other body abroad that the project works with."""

    name = serializers.CharField()
    country = CountryLinkSerializer(allow_null=True)
    website = serializers.CharField(allow_blank=True)


class GrantSerializer(serializers.Serializer):
    """Money from one funder, as its source states it. An amount is a decimal string with two
    decimals ("35000.50"), as in the exports; amounts in different currencies are never added."""

    funder = FunderLinkSerializer()
    kind = serializers.CharField(help_text="grant or budget")
    kind_label = serializers.CharField(source="get_kind_display")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField(help_text="ISO 4217 code, e.g. SEK or EUR.")
    year = serializers.IntegerField(allow_null=True)
    source = serializers.CharField(help_text="Where the figure comes from: text or an address.")


class FunderReferenceSerializer(serializers.Serializer):
    """The funder's own identifier of the project and the address of its record of it."""

    funder = FunderLinkSerializer()
    number = serializers.CharField(allow_blank=True)
    record_url = serializers.CharField(source="url", allow_blank=True)


class ResultSerializer(serializers.Serializer):
    """What the project produced or achieved, dated; its texts in the project's language."""

    date = serializers.DateField()
    text = serializers.CharField()
    link = serializers.CharField(source="url", allow_blank=True)
    reach_number = serializers.IntegerField(allow_null=True)
    reach_unit = serializers.CharField(allow_blank=True)


class PictureSerializer(serializers.Serializer):
    """A picture as the project's page shows it: its display size and the larger original,
    with its alternative text and credit (in the project's language)."""

    image_url = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    alt_text = serializers.CharField()
    credit = serializers.CharField()

    def get_image_url(self, picture) -> str:
        return self.context["request"].build_absolute_uri(picture.display_url)

    def get_original_url(self, picture) -> str:
        return self.context["request"].build_absolute_uri(picture.original_url)


class TranslationSerializer(serializers.Serializer):
    """A translation of a project's texts, with who made it and who reviewed it."""

    language = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    translated_by = serializers.CharField()
    machine = serializers.BooleanField(help_text="Whether it is a machine translation.")
    reviewed_by = serializers.CharField(allow_blank=True)
    reviewed_on = serializers.DateField(allow_null=True, help_text="None: not reviewed.")


class ProjectSerializer(serializers.Serializer):
    """One project with its texts and its relations. The keys it shares with a list record
    mean the same; relations are objects with links instead of parallel lists."""

    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    language = serializers.CharField(help_text="The language the texts are written in.")
    original_language = serializers.CharField(
        source="language", help_text="The same as `language`: the original's language."
    )
    translations = TranslationSerializer(
        many=True, help_text="The texts in other languages than the original's."
    )
    type = serializers.CharField()
    type_label = serializers.CharField(source="get_type_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    start_year = serializers.IntegerField(allow_null=True)
    end_year = serializers.IntegerField(allow_null=True)
    period_as_stated = serializers.CharField(source="period_note", allow_blank=True)
    website = serializers.CharField(allow_blank=True)
    url = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(
        source="changed_at",
        allow_null=True,
        help_text="When a person last changed the record; null for a record loaded with the "
        "registry's seed data and not changed since.",
    )
    municipality = MunicipalityLinkSerializer()
    units = serializers.SerializerMethodField()
    partner_municipalities = MunicipalityLinkSerializer(many=True)
    partner_countries = CountryLinkSerializer(many=True)
    funders = FunderLinkSerializer(many=True)
    goals = GoalLinkSerializer(many=True)
    networks = serializers.SerializerMethodField()
    events = EventSerializer(many=True)
    # Added later: partner organisations abroad, money per funder, the funders' identifiers,
    # results and pictures (projects/record.py, projects/pictures.py).
    partner_organisations = PartnerOrganisationSerializer(many=True)
    grants = GrantSerializer(many=True)
    funder_references = FunderReferenceSerializer(many=True)
    results = ResultSerializer(many=True)
    pictures = PictureSerializer(many=True)

    def get_url(self, project) -> str:
        return self.context["request"].build_absolute_uri(project.get_absolute_url())

    def get_units(self, project) -> list[str]:
        return [unit.name for unit in project.organisations.all()]

    def get_networks(self, project) -> list[dict]:
        request = self.context["request"]
        networks = project.municipality_networks
        return [NetworkLinkSerializer.link(request, network) for network in networks]


class MunicipalitySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField(source="country_id")
    region = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    website = serializers.CharField(allow_blank=True)
    project_count = serializers.IntegerField(help_text="Published projects it owns.")
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    projects_url = serializers.SerializerMethodField()

    def get_url(self, municipality) -> str:
        return self.context["request"].build_absolute_uri(municipality.get_absolute_url())

    def get_api_url(self, municipality) -> str:
        return absolute(self.context["request"], "api:municipality-detail", municipality.slug)

    def get_projects_url(self, municipality) -> str:
        return absolute(self.context["request"], "api:project-list") + (
            f"?municipality={municipality.slug}"
        )


class GoalSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    colour = serializers.CharField()
    project_count = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    projects_url = serializers.SerializerMethodField()

    def get_url(self, goal) -> str:
        return self.context["request"].build_absolute_uri(goal.get_absolute_url())

    def get_api_url(self, goal) -> str:
        return absolute(self.context["request"], "api:goal-detail", goal.number)

    def get_projects_url(self, goal) -> str:
        return absolute(self.context["request"], "api:project-list") + f"?goal={goal.number}"


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    project_count = serializers.IntegerField(help_text="Published projects working with it.")
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    projects_url = serializers.SerializerMethodField()

    def get_url(self, country) -> str:
        return self.context["request"].build_absolute_uri(country.get_absolute_url())

    def get_api_url(self, country) -> str:
        return absolute(self.context["request"], "api:country-detail", country.code.lower())

    def get_projects_url(self, country) -> str:
        return absolute(self.context["request"], "api:project-list") + (
            f"?country={country.code.lower()}"
        )


class FunderSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    website = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    parent = serializers.SerializerMethodField(help_text="The slug of the funder financing it.")
    project_count = serializers.IntegerField(
        help_text="Published projects it or a funder it finances funds."
    )
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    projects_url = serializers.SerializerMethodField()

    def get_parent(self, funder) -> str | None:
        return funder.parent.slug if funder.parent_id else None

    def get_url(self, funder) -> str:
        return self.context["request"].build_absolute_uri(funder.get_absolute_url())

    def get_api_url(self, funder) -> str:
        return absolute(self.context["request"], "api:funder-detail", funder.slug)

    def get_projects_url(self, funder) -> str:
        return absolute(self.context["request"], "api:project-list") + f"?funder={funder.slug}"


class NetworkSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    purpose = serializers.CharField(allow_blank=True)
    website = serializers.CharField(allow_blank=True)
    members = serializers.SerializerMethodField()
    project_count = serializers.IntegerField(help_text="Published projects its members own.")
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    projects_url = serializers.SerializerMethodField()

    def get_members(self, network) -> list[str]:
        return [membership.municipality.slug for membership in network.memberships.all()]

    def get_url(self, network) -> str:
        return self.context["request"].build_absolute_uri(network.get_absolute_url())

    def get_api_url(self, network) -> str:
        return absolute(self.context["request"], "api:network-detail", network.slug)

    def get_projects_url(self, network) -> str:
        return absolute(self.context["request"], "api:project-list") + (f"?network={network.slug}")


class ProjectPageSerializer(serializers.Serializer):
    """A page of the project list."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProjectRecordSerializer(many=True)


class ErrorsSerializer(serializers.Serializer):
    """Each invalid parameter with its messages, in the request's language."""

    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
