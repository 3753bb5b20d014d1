"""What search engines and sharing read: schema.org JSON-LD and Open Graph tags, for the pages
of a project, a municipality and a funder.

`{% structured_data project %}` (or a Municipality, a Funder) writes both into the page's
<head>. The JSON-LD is a data block, which no browser runs, so the Content-Security-Policy's
script-src does not apply to it; its text is escaped so that nothing in a title can end the
element (< > & as \\u escapes, as Django's json_script does).
"""

import json
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from registry.models import Funder, Municipality

from ..models import Project

register = template.Library()

SCHEMA_ORG = "https://schema.org"
JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
OG_LOCALES = {"sv": "sv_SE", "en": "en_GB", "lv": "lv_LV"}


def _organisation(kind, name, url, website=""):
    node = {"@type": kind, "name": name, "url": url}
    if website:
        node["sameAs"] = website
    return node


def project_data(project, absolute):
    data = {
        "@context": SCHEMA_ORG,
        "@type": "Project",
        "name": project.title,
        "url": absolute(project.get_absolute_url()),
        "inLanguage": project.language,
        "parentOrganization": _organisation(
            "GovernmentOrganization",
            project.municipality.name,
            absolute(project.municipality.get_absolute_url()),
            project.municipality.website,
        ),
    }
    if project.summary or project.description:
        data["description"] = project.summary or project.description
    if project.start_year:
        data["foundingDate"] = str(project.start_year)
    if project.end_year:
        data["dissolutionDate"] = str(project.end_year)
    if project.website:
        data["sameAs"] = project.website
    funders = [
        _organisation("Organization", f.name, absolute(f.get_absolute_url()), f.website)
        for f in project.funders.all()
    ]
    if funders:
        data["funder"] = funders
    members = [
        _organisation("GovernmentOrganization", m.name, absolute(m.get_absolute_url()))
        for m in project.partner_municipalities.all()
    ]
    if members:
        data["member"] = members
    countries = [{"@type": "Country", "name": str(c.name)} for c in project.partner_countries.all()]
    if countries:
        data["areaServed"] = countries
    goals = [goal.name for goal in project.goals.all()]
    if goals:
        data["keywords"] = goals
    return data


def municipality_data(municipality, absolute):
    data = _organisation(
        "GovernmentOrganization",
        municipality.name,
        absolute(municipality.get_absolute_url()),
        municipality.website,
    )
    address = {"@type": "PostalAddress", "addressCountry": municipality.country_id}
    if municipality.region:
        address["addressRegion"] = municipality.region
    return {"@context": SCHEMA_ORG, **data, "address": address}


def funder_data(funder, absolute):
    data = {
        "@context": SCHEMA_ORG,
        **_organisation(
            "Organization", funder.name, absolute(funder.get_absolute_url()), funder.website
        ),
    }
    if funder.description:
        data["description"] = funder.description
    if funder.parent_id:
        parent = funder.parent
        data["parentOrganization"] = _organisation(
            "Organization", parent.name, absolute(parent.get_absolute_url()), parent.website
        )
    return data


def _open_graph(subject, absolute):
    if isinstance(subject, Project):
        title, description = subject.title, subject.summary or subject.description
        kind = "article"
    elif isinstance(subject, Municipality):
        title = subject.name
        description = _("International projects of %(municipality)s") % {
            "municipality": subject.name
        }
        kind = "profile"
    else:
        title, description, kind = subject.name, subject.description, "profile"
    return {
        "og:type": kind,
        "og:title": title,
        "og:description": description[:300],
        "og:url": absolute(subject.get_absolute_url()),
        "og:site_name": _("Registry of municipal international projects"),
        "og:locale": OG_LOCALES.get(get_language(), "sv_SE"),
    }


BUILDERS = {Project: project_data, Municipality: municipality_data, Funder: funder_data}


@register.inclusion_tag("includes/structured_data.html", takes_context=True)
def structured_data(context, subject):
    absolute = context["request"].build_absolute_uri
    data = BUILDERS[type(subject)](subject, absolute)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(JSON_ESCAPES)
    tags = [(key, value) for key, value in _open_graph(subject, absolute).items() if value]
    oembed = None
    if isinstance(subject, Project):
        # oEmbed discovery: where a site that is given the page's address finds its embed.
        page = urlencode({"url": absolute(subject.get_absolute_url()), "format": "json"})
        oembed = f"{absolute(reverse('open_data:oembed'))}?{page}"
    return {"json_ld": mark_safe(text), "open_graph": tags, "oembed": oembed, "title": str(subject)}
