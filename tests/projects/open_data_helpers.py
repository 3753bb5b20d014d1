"""A small registry for the open-data tests (API, DCAT, IATI, embeds): two owner
municipalities in two countries, funders in a tree, a network, and a draft that must never
appear anywhere."""

from networks.models import Membership, Network
from projects.models import Project, current_year
from tests.factories import (
    make_event,
    make_funder,
    make_municipality,
    make_organisation,
    make_project,
)

YEAR = current_year()


def make_registry():
    norrkoping = make_municipality(
        "norrkoping", name="Norrköping", website="https://www.norrkoping.se/"
    )
    kalix = make_municipality("kalix", name="Kalix")
    rezekne = make_municipality("rezekne", name="Rēzekne", country_code="LV")
    sida = make_funder("sida", name="Sida")
    icld = make_funder("icld", name="ICLD", parent=sida)
    erasmus = make_funder("erasmus-plus", name="Erasmus+")
    network = Network.objects.create(name="Nordic City Network", slug="nordic-city-network")
    Membership.objects.create(network=network, municipality=norrkoping)
    unit = make_organisation(norrkoping, "kulturskolan", name="Kulturskolan")
    Type = Project.Type
    water = make_project(
        slug="water",
        title="Clean water",
        summary="Water & sanitation <together>",
        municipality=norrkoping,
        goals=[6, 11],
        countries=["KE"],
        funders=[icld],
        start_year=2019,
        end_year=2021,
        type=Type.MUNICIPAL_PARTNERSHIP,
        partner_municipalities=[rezekne],
        organisations=[unit],
        website="https://example.org/water",
    )
    make_event(water, title="Opening", date="2020-05-01")
    make_project(
        slug="schools",
        title="Schools together",
        municipality=norrkoping,
        goals=[4],
        countries=["DE", "MT"],
        funders=[erasmus],
        start_year=2020,
        end_year=YEAR + 1,
        type=Type.SCHOOL_PARTNERSHIP,
    )
    make_project(
        slug="waste",
        title="Waste and plastics",
        municipality=kalix,
        goals=[11, 12],
        countries=["LV"],
        funders=[sida],
        start_year=2021,
        end_year=None,
        type=Type.COMMUNICATION,
    )
    make_project(
        slug="undated",
        title="Undated exchange",
        municipality=rezekne,
        goals=[4],
        countries=["SE"],
        start_year=None,
        end_year=None,
        type=Type.EXCHANGE,
    )
    make_project(
        slug="secret-draft",
        title="Secret draft",
        municipality=kalix,
        goals=[4],
        countries=["KE"],
        start_year=2020,
        publication=Project.Publication.DRAFT,
    )
    return {"norrkoping": norrkoping, "kalix": kalix, "rezekne": rezekne, "network": network}
