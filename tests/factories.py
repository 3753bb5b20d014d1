"""Small helpers that create the few rows a test needs, with sensible defaults."""

import itertools

from django.utils import timezone

from projects.models import Event, Project
from registry.models import Country, Funder, Goal, Municipality, Organisation

_sequence = itertools.count(1)


def make_country(code="SE"):
    return Country.objects.get_or_create(code=code)[0]


def make_municipality(slug=None, **fields):
    slug = slug or f"municipality-{next(_sequence)}"
    fields.setdefault("name", slug.replace("-", " ").title())
    fields.setdefault("country", make_country(fields.pop("country_code", "SE")))
    return Municipality.objects.get_or_create(slug=slug, defaults=fields)[0]


def make_organisation(municipality=None, slug=None, **fields):
    slug = slug or f"organisation-{next(_sequence)}"
    fields.setdefault("name", slug.replace("-", " ").title())
    fields.setdefault("municipality", municipality or make_municipality())
    return Organisation.objects.create(slug=slug, **fields)


def make_funder(slug=None, **fields):
    slug = slug or f"funder-{next(_sequence)}"
    fields.setdefault("name", slug.replace("-", " ").title())
    return Funder.objects.get_or_create(slug=slug, defaults=fields)[0]


GOAL_COLOURS = {
    1: "#E5243B",
    2: "#DDA63A",
    3: "#4C9F38",
    4: "#C5192D",
    5: "#FF3A21",
    6: "#26BDE2",
    7: "#FCC30B",
    8: "#A21942",
    9: "#FD6925",
    10: "#DD1367",
    11: "#FD9D24",
    12: "#BF8B2E",
    13: "#3F7E44",
    14: "#0A97D9",
    15: "#56C02B",
    16: "#00689D",
    17: "#19486A",
}


def make_goal(number):
    return Goal.objects.get_or_create(
        number=number,
        defaults={
            "name_sv": f"Mål {number}",
            "name_en": f"Goal {number}",
            "name_lv": f"Mērķis {number}",
            "description_sv": f"Beskrivning {number}",
            "description_en": f"Description {number}",
            "description_lv": f"Apraksts {number}",
            "colour": GOAL_COLOURS[number],
        },
    )[0]


def make_project(
    *,
    countries=(),
    goals=(),
    funders=(),
    organisations=(),
    partner_municipalities=(),
    networks=(),
    **fields,
):
    """A published project; related things by code, number or object. Its facts are
    confirmed today (`reviewed_on`), as a coordinator who has just entered it would; pass
    reviewed_on=None for one never confirmed."""
    number = next(_sequence)
    fields.setdefault("reviewed_on", timezone.localdate())
    fields.setdefault("title", f"Project {number}")
    fields.setdefault("slug", f"project-{number}")
    fields.setdefault("publication", Project.Publication.PUBLISHED)
    if "municipality" not in fields:
        fields["municipality"] = make_municipality()
    project = Project.objects.create(**fields)
    project.partner_countries.set([make_country(code) for code in countries])
    project.goals.set([make_goal(number) for number in goals])
    project.funders.set([f if isinstance(f, Funder) else make_funder(f) for f in funders])
    project.organisations.set(organisations)
    project.partner_municipalities.set(partner_municipalities)
    project.networks.set(networks)
    return project


def make_event(project, **fields):
    fields.setdefault("title", f"Event {next(_sequence)}")
    return Event.objects.create(project=project, **fields)
