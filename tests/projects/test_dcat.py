"""/datasets/dcat: the DCAT-AP-SE catalogue parses as RDF/XML, holds every class and property
that DCAT-AP-SE 3.0.1 makes mandatory, and every address of the site in it answers 200."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from projects import project_index
from projects.models import Project
from tests.projects.open_data_helpers import YEAR, make_registry

pytestmark = pytest.mark.django_db

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HOST = "testserver"

# DCAT-AP-SE 3.0.1 (docs.dataportal.se/dcat/3.0.1): the mandatory properties of each class,
# DCAT-AP 3.0's and the Swedish profile's additions (a catalogue's licence, a dataset's
# publisher, an agent's type); and of the contact point (vcard) and the data service.
MANDATORY = {
    DCAT.Catalog: [
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.publisher,
        DCTERMS.license,
        DCAT.dataset,
    ],
    DCAT.Dataset: [DCTERMS.title, DCTERMS.description, DCTERMS.publisher],
    DCAT.Distribution: [DCAT.accessURL],
    FOAF.Agent: [FOAF.name, DCTERMS.type],
    VCARD.Organization: [VCARD.fn, VCARD.hasEmail],
    DCAT.DataService: [DCTERMS.title, DCAT.endpointURL, DCTERMS.publisher],
}
# What the registry promises beyond that (the list): per dataset.
PROMISED = [
    DCAT.contactPoint,
    DCAT.theme,
    DCTERMS.spatial,
    DCTERMS.issued,
    DCTERMS.modified,
    DCAT.distribution,
    DCAT.landingPage,
]


@pytest.fixture
def catalogue(client, settings):
    settings.OPEN_DATA_CONTACT_EMAIL = "opendata@example.org"
    make_registry()
    project_index.forget()
    response = client.get("/datasets/dcat")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rdf+xml")
    return Graph().parse(data=response.content, format="xml")


def test_every_mandatory_class_and_property_is_there(catalogue):
    for kind, properties in MANDATORY.items():
        subjects = list(catalogue.subjects(RDF.type, kind))
        assert subjects, f"no {kind}"
        for subject in subjects:
            for prop in properties:
                assert catalogue.value(subject, prop) is not None, f"{subject} lacks {prop}"


def test_a_dataset_per_owner_municipality_and_one_for_the_registry(catalogue):
    titles = {
        str(catalogue.value(dataset, DCTERMS.title, any=True))
        for dataset in catalogue.subjects(RDF.type, DCAT.Dataset)
    }
    datasets = list(catalogue.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 4  # the registry, Norrköping, Kalix and Rēzekne
    english = {
        str(title)
        for dataset in datasets
        for title in catalogue.objects(dataset, DCTERMS.title)
        if title.language == "en"
    }
    assert "International projects of Norrköping" in english
    assert "Internationella projekt i Norrköping" in {
        str(t) for d in datasets for t in catalogue.objects(d, DCTERMS.title) if t.language == "sv"
    }
    assert titles


def test_each_dataset_has_what_the_portal_shows(catalogue):
    for dataset in catalogue.subjects(RDF.type, DCAT.Dataset):
        for prop in PROMISED:
            assert catalogue.value(dataset, prop) is not None, f"{dataset} lacks {prop}"
        languages = {t.language for t in catalogue.objects(dataset, DCTERMS.title)}
        assert languages == {"sv", "en"}
        formats = {
            str(catalogue.value(distribution, DCTERMS["format"])).rsplit("/", 1)[-1]
            for distribution in catalogue.objects(dataset, DCAT.distribution)
        }
        assert formats == {"CSV", "XLSX", "JSON"}
        assert len(list(catalogue.objects(dataset, DCAT.distribution))) == 4  # and the API


def test_the_licence_is_the_configured_creative_commons_uri(client, settings):
    settings.OPEN_DATA_LICENSE = "http://creativecommons.org/publicdomain/zero/1.0/"
    make_registry()
    graph = Graph().parse(data=client.get("/datasets/dcat").content, format="xml")
    licences = set(graph.objects(None, DCTERMS.license))
    assert licences == {URIRef("http://creativecommons.org/publicdomain/zero/1.0/")}


def period_of(catalogue, key):
    dataset = URIRef(f"http://testserver/datasets/dcat#dataset-{key}")
    period = catalogue.value(dataset, DCTERMS.temporal)
    if period is None:
        return None
    start, end = (catalogue.value(period, p) for p in (DCAT.startDate, DCAT.endDate))
    return (str(start), end and str(end))


def test_the_temporal_coverage_is_the_projects_years(catalogue):
    # From the earliest start; open while any project is open-ended.
    assert period_of(catalogue, "norrkoping") == ("2019-01-01", f"{YEAR + 1}-12-31")
    assert period_of(catalogue, "kalix") == ("2021-01-01", None)
    assert period_of(catalogue, "registry") == ("2019-01-01", None)
    # Rēzekne's one project has no year at all: no period is claimed.
    assert period_of(catalogue, "rezekne") is None


def test_every_address_of_the_site_in_it_answers_200(client, catalogue):
    addresses = {
        str(term).split("#")[0]
        for triple in catalogue
        for term in triple
        if isinstance(term, URIRef) and urlsplit(str(term)).netloc == HOST
    }
    assert len(addresses) > 10
    for address in sorted(addresses):
        parts = urlsplit(address)
        response = client.get(f"{parts.path}?{parts.query}")
        assert response.status_code == 200, address


def test_drafts_give_no_dataset(catalogue):
    text = catalogue.serialize(format="turtle")
    assert "Secret draft" not in text


def test_a_known_organisation_number_gives_the_portals_publisher_uri(client):
    data = make_registry()
    data["kalix"].organisation_number = "212000-2817"
    data["kalix"].save()
    graph = Graph().parse(data=client.get("/datasets/dcat").content, format="xml")
    publisher = URIRef("http://dataportal.se/organisation/SE2120002817")
    assert (publisher, FOAF.name, Literal("Kalix")) in graph
    assert (None, DCTERMS.publisher, publisher) in graph


@pytest.mark.parametrize("number", ["2120000720", "212000-072", "21200O-0720", "212000–0720"])
def test_an_organisation_number_must_be_nnnnnn_nnnn(number):
    from django.core.exceptions import ValidationError

    from tests.factories import make_municipality

    municipality = make_municipality("skara", organisation_number=number)
    with pytest.raises(ValidationError) as refused:
        municipality.full_clean()
    assert "organisation_number" in refused.value.message_dict
    municipality.organisation_number = "212000-1876"
    municipality.full_clean()


def test_the_datasets_say_they_hold_money_partner_organisations_and_results(catalogue):
    descriptions = {
        (str(literal), literal.language)
        for dataset in catalogue.subjects(RDF.type, DCAT.Dataset)
        for literal in catalogue.objects(dataset, DCTERMS.description)
    }
    for language, registry_words, municipality_words in [
        ("en", ["partner organisations abroad", "results"], ["Norrköping", "organisations"]),
        ("sv", ["partnerorganisationer utomlands", "resultat"], ["Norrköping", "partnerorg"]),
    ]:
        texts = [text for text, lang in descriptions if lang == language]
        for words in [registry_words, municipality_words]:
            assert any(all(word in text for word in words) for text in texts), texts
        money = "money per funder" if language == "en" else "pengar per finansiär"
        assert sum(money in text for text in texts) == len(texts), texts


def test_a_datasets_modified_date_is_its_projects_last_change_not_their_load(client, settings):
    settings.OPEN_DATA_CONTACT_EMAIL = "opendata@example.org"
    make_registry()
    project_index.forget()
    loaded = timezone.now() - timedelta(days=40)
    Project.objects.update(created_at=loaded, updated_at=loaded, changed_at=None)

    def modified():
        graph = Graph().parse(data=client.get("/datasets/dcat").content, format="xml")
        return {str(value)[:10] for value in graph.objects(None, DCTERMS.modified)}

    # Loaded and never changed: modified is the day of issue.
    # (The registry's own time zone's day: near midnight UTC it is the next day in Stockholm.)
    assert modified() == {timezone.localdate(loaded).isoformat()}
    edited = timezone.now() - timedelta(days=3)
    Project.objects.filter(pk=Project.objects.order_by("pk")[0].pk).update(changed_at=edited)
    assert timezone.localdate(edited).isoformat() in modified()
