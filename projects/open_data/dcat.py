"""The DCAT-AP-SE catalogue of the registry's open data (/datasets/dcat, RDF/XML), which
Sweden's data portal harvests daily: a dataset for the whole registry and one per municipality
with published projects, each with its CSV, XLSX and JSON downloads and the API.

Built with rdflib. tests/projects/test_dcat.py checks that it parses, holds every class and
property DCAT-AP-SE 3.0.1 makes mandatory, and that every address of the site in it answers.

The catalogue speaks of the data, not of a visitor, so its titles and descriptions are in
Swedish and English whatever the request's language. A municipality whose organisation number
is known is its datasets' publisher under the portal's own URI for it
(http://dataportal.se/organisation/SE<number>); otherwise its page in the registry names it.
"""

from django.conf import settings
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_countries import countries as country_codes
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from registry.models import Municipality

from ..models import Project

EU = "http://publications.europa.eu/resource/authority/"
DATA_THEMES = URIRef(EU + "data-theme")
THEMES = [URIRef(EU + "data-theme/GOVE"), URIRef(EU + "data-theme/INTR")]
LANGUAGES = [URIRef(EU + f"language/{code}") for code in ("SWE", "ENG", "LAV")]
PUBLIC = URIRef(EU + "access-right/PUBLIC")
LOCAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/LocalAuthority")
PORTAL_ORGANISATION = "http://dataportal.se/organisation/SE"
MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
CATALOGUE_LANGUAGES = ("sv", "en")
ADMS = Namespace("http://www.w3.org/ns/adms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

CATALOGUE_TITLE = _("Registry of municipal international projects")
CATALOGUE_DESCRIPTION = _(
    "Municipalities' international projects, partnerships and networks: partner "
    "countries, funders and Agenda 2030 goals."
)
REGISTRY_TITLE = _("International projects of municipalities")
REGISTRY_DESCRIPTION = _(
    "Every published project in the registry: owner and partner municipalities, "
    "units, partner organisations abroad, partner countries, funders, money per funder "
    "and the funders' project numbers, Agenda 2030 goals, results, type, status and years."
)
MUNICIPALITY_TITLE = gettext_noop("International projects of %(municipality)s")
MUNICIPALITY_DESCRIPTION = gettext_noop(
    "The published international projects that %(municipality)s keeps in the "
    "registry: partner municipalities, organisations and countries, funders, money "
    "per funder and the funders' project numbers, Agenda 2030 goals, results, type, "
    "status and years."
)

# The files of a dataset: (key, export URL name, EU file type, media type).
DOWNLOADS = [
    ("csv", "projects:export_csv", "CSV", "text/csv"),
    (
        "xlsx",
        "projects:export_xlsx",
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("json", "projects:export_json", "JSON", "application/json"),
]


def both_languages(text):
    """`text` (a lazy translatable string, or a callable giving one) in Swedish and English."""
    literals = []
    for language in CATALOGUE_LANGUAGES:
        with translation.override(language):
            value = text() if callable(text) else str(text)
        literals.append(Literal(value, lang=language))
    return literals


def portal_publisher(organisation_number):
    """The data portal's URI for an organisation, from its number (NNNNNN-NNNN)."""
    return URIRef(PORTAL_ORGANISATION + organisation_number.replace("-", ""))


class Catalogue:
    """The catalogue as an rdflib Graph; `absolute(path)` makes the site's addresses."""

    def __init__(self, absolute):
        self.absolute = absolute
        self.graph = Graph()
        for prefix, namespace in [
            ("dcat", DCAT),
            ("dcterms", DCTERMS),
            ("foaf", FOAF),
            ("vcard", VCARD),
            ("adms", ADMS),
        ]:
            self.graph.bind(prefix, namespace)

    def url(self, name, *args, query=""):
        return URIRef(self.absolute(reverse(name, args=args)) + (f"?{query}" if query else ""))

    def add(self, subject, predicate, *objects):
        for value in objects:
            self.graph.add((subject, predicate, value))

    def build(self):
        catalogue = URIRef(self.url("open_data:dcat") + "#catalog")
        self.add(catalogue, RDF.type, DCAT.Catalog)
        self.add(catalogue, DCTERMS.title, *both_languages(CATALOGUE_TITLE))
        self.add(catalogue, DCTERMS.description, *both_languages(CATALOGUE_DESCRIPTION))
        self.add(catalogue, DCTERMS.publisher, self.registry_publisher())
        self.add(catalogue, DCTERMS.license, URIRef(settings.OPEN_DATA_LICENSE))
        self.add(catalogue, DCTERMS.language, *LANGUAGES)
        self.add(catalogue, FOAF.homepage, self.url("registry:home"))
        self.add(catalogue, DCAT.themeTaxonomy, DATA_THEMES)
        published = Project.objects.published()
        self.dates(catalogue, published)
        service, contact = self.data_service(), self.contact_point()
        self.add(catalogue, DCAT.service, service)
        registry = self.dataset(
            "registry",
            published,
            self.registry_publisher(),
            contact,
            service,
            title=REGISTRY_TITLE,
            description=REGISTRY_DESCRIPTION,
            landing=self.url("projects:list"),
        )
        self.add(catalogue, DCAT.dataset, registry)
        owners = Municipality.objects.filter(pk__in=published.values("municipality"))
        for municipality in owners.select_related("country").order_by("name"):
            named = {"municipality": municipality.name}
            dataset = self.dataset(
                municipality.slug,
                published.filter(municipality=municipality),
                self.municipality_publisher(municipality),
                contact,
                service,
                title=lambda named=named: gettext(MUNICIPALITY_TITLE) % named,
                description=lambda named=named: gettext(MUNICIPALITY_DESCRIPTION) % named,
                landing=URIRef(self.absolute(municipality.get_absolute_url())),
                query=f"municipality={municipality.slug}",
            )
            self.add(catalogue, DCAT.dataset, dataset)
        return self.graph

    def dates(self, subject, projects):
        """Issued: when its first project was published; modified: the last change to one
        of its projects (`changed_at`: a load of the seed data is no change), or the day it
        was issued if none has changed since."""
        dates = projects.aggregate(issued=Min("created_at"), modified=Max("changed_at"))
        if dates["issued"]:
            self.add(subject, DCTERMS.issued, date_literal(dates["issued"]))
        modified = dates["modified"] or dates["issued"]
        if modified:
            self.add(subject, DCTERMS.modified, date_literal(modified))

    def dataset(
        self,
        key,
        projects,
        publisher,
        contact,
        service,
        *,
        title,
        description,
        landing,
        query="",
    ):
        dataset = URIRef(self.url("open_data:dcat") + f"#dataset-{key}")
        g = self
        g.add(dataset, RDF.type, DCAT.Dataset)
        g.add(dataset, DCTERMS.title, *both_languages(title))
        g.add(dataset, DCTERMS.description, *both_languages(description))
        g.add(dataset, DCTERMS.publisher, publisher)
        g.add(dataset, DCAT.contactPoint, contact)
        g.add(dataset, DCAT.theme, *THEMES)
        g.add(dataset, DCAT.landingPage, landing)
        g.add(dataset, DCTERMS.accessRights, PUBLIC)
        g.add(dataset, DCTERMS.language, *LANGUAGES)
        g.add(dataset, DCAT.keyword, *both_languages(lambda: gettext("international projects")))
        g.add(dataset, DCAT.keyword, *both_languages(lambda: gettext("Agenda 2030")))
        self.dates(dataset, projects)
        self.coverage(dataset, projects)
        for extension, url_name, file_type, media_type in DOWNLOADS:
            distribution = URIRef(f"{dataset}-{extension}")
            download = self.url(url_name, query=query)
            g.add(dataset, DCAT.distribution, distribution)
            g.add(distribution, RDF.type, DCAT.Distribution)
            g.add(distribution, DCTERMS.title, Literal(f"{file_type}"))
            g.add(distribution, DCAT.accessURL, download)
            g.add(distribution, DCAT.downloadURL, download)
            g.add(distribution, DCTERMS["format"], URIRef(f"{EU}file-type/{file_type}"))
            g.add(distribution, DCAT.mediaType, URIRef(MEDIA_TYPES + media_type))
            g.add(distribution, DCTERMS.license, URIRef(settings.OPEN_DATA_LICENSE))
        api = URIRef(f"{dataset}-api")
        g.add(dataset, DCAT.distribution, api)
        g.add(api, RDF.type, DCAT.Distribution)
        g.add(api, DCTERMS.title, *both_languages(lambda: gettext("JSON API")))
        g.add(api, DCAT.accessURL, self.url("api:project-list", query=query))
        g.add(api, DCAT.accessService, service)
        g.add(api, DCTERMS["format"], URIRef(f"{EU}file-type/JSON"))
        g.add(api, DCAT.mediaType, URIRef(MEDIA_TYPES + "application/json"))
        g.add(api, DCTERMS.license, URIRef(settings.OPEN_DATA_LICENSE))
        return dataset

    def coverage(self, dataset, projects):
        """Spatial: the home and partner countries; temporal: from the earliest start year to
        the latest end year (open when any project is open-ended)."""
        codes = set(projects.values_list("municipality__country", flat=True))
        codes |= set(projects.values_list("partner_countries", flat=True))
        for code in sorted(filter(None, codes)):
            alpha3 = country_codes.alpha3(code)
            if alpha3:
                self.add(dataset, DCTERMS.spatial, URIRef(f"{EU}country/{alpha3}"))
        years = projects.aggregate(start=Min("start_year"), end=Max("end_year"))
        if years["start"] is None:
            return
        period = BNode()
        self.add(dataset, DCTERMS.temporal, period)
        self.add(period, RDF.type, DCTERMS.PeriodOfTime)
        self.add(period, DCAT.startDate, Literal(f"{years['start']}-01-01", datatype=XSD.date))
        open_ended = projects.filter(end_year__isnull=True).exists()
        if years["end"] is not None and not open_ended:
            self.add(period, DCAT.endDate, Literal(f"{years['end']}-12-31", datatype=XSD.date))

    def agent(self, uri, name, homepage=None):
        self.add(uri, RDF.type, FOAF.Agent)
        self.add(uri, FOAF.name, Literal(name))
        self.add(uri, DCTERMS.type, LOCAL_AUTHORITY)
        if homepage:
            self.add(uri, FOAF.homepage, URIRef(homepage))
        return uri

    def registry_publisher(self):
        number = settings.OPEN_DATA_PUBLISHER_ORGANISATION_NUMBER
        uri = (
            portal_publisher(number) if number else URIRef(self.url("registry:home") + "#publisher")
        )
        return self.agent(uri, settings.OPEN_DATA_PUBLISHER_NAME)

    def municipality_publisher(self, municipality):
        number = getattr(municipality, "organisation_number", "")
        page = self.absolute(municipality.get_absolute_url())
        uri = portal_publisher(number) if number else URIRef(page + "#publisher")
        return self.agent(uri, municipality.name, municipality.website or page)

    def contact_point(self):
        """The open-data contact: a vcard Organization with a URI of its own (never the
        publisher's, which the portal would mix up) and the configured functional address."""
        contact = URIRef(self.url("open_data:dcat") + "#contact")
        self.add(contact, RDF.type, VCARD.Organization)
        self.add(contact, VCARD.fn, Literal(settings.OPEN_DATA_PUBLISHER_NAME))
        if settings.OPEN_DATA_CONTACT_EMAIL:
            self.add(contact, VCARD.hasEmail, URIRef(f"mailto:{settings.OPEN_DATA_CONTACT_EMAIL}"))
        self.add(contact, VCARD.hasURL, self.url("registry:home"))
        return contact

    def data_service(self):
        service = URIRef(self.url("api:root") + "#service")
        g = self
        g.add(service, RDF.type, DCAT.DataService)
        g.add(
            service,
            DCTERMS.title,
            *both_languages(
                lambda: gettext("API of the registry of municipal international projects")
            ),
        )
        g.add(service, DCAT.endpointURL, self.url("api:root"))
        g.add(service, DCAT.endpointDescription, self.url("api:schema"))
        g.add(service, DCTERMS.publisher, self.registry_publisher())
        g.add(service, DCTERMS.license, URIRef(settings.OPEN_DATA_LICENSE))
        g.add(service, DCTERMS.accessRights, PUBLIC)
        return service


def date_literal(moment):
    return Literal(timezone.localtime(moment).date().isoformat(), datatype=XSD.date)


def catalogue_xml(absolute):
    """The catalogue as RDF/XML bytes."""
    return Catalogue(absolute).build().serialize(format="pretty-xml", encoding="utf-8")
