"""Marks the readings in the seed data on a registry seeded before sources and bases existed.

`seed` never changes a record it created before, so a deployment seeded earlier keeps the
editors' readings shown as stated facts. This marks those readings as the fixtures now do, on
the records the seed created (registry.SeedRecord) and only where a record still holds exactly
what the seed gave it: a coordinator's change is never overwritten. A new database has no
seeded records yet, and nothing happens. The citations and sources themselves are new fixture
records, which the next `seed` adds."""

import json

from django.db import migrations

# Why each reading was made (staff only), by position.
NOTES = ['Globala rummet says only that most of the projects ("Merparten av projekten") were financed '
 'by Erasmus+, as mobility projects or strategic partnerships; this item names no funder. The '
 'editors read Erasmus+ because it is such a project among Erasmus+ programme countries.',
 'Globala rummet says only that most of the projects ("Merparten av projekten") were financed '
 'by Erasmus+, as mobility projects or strategic partnerships; this item names no funder. The '
 'editors read Erasmus+ because it is such a project among Erasmus+ programme countries. Its '
 'title, "Building Capacity for Erasmus+ in school education", is about Erasmus+ but does not '
 'say who funds it.',
 'The article says IIC runs the initiative "sadarbībā ar British Council pārstāvniecību '
 'Latvijā" (in cooperation with the British Council\'s office in Latvia); it does not say who '
 'pays for it.',
 "The source names no Agenda 2030 goal: the editors tagged the goals from the project's "
 "content (see the editors' notes)."]

# (project slug, funder slug, note) of each funder the editors assumed.
ASSUMED_FUNDERS = [('norrkoping-01-comake', 'erasmus-plus', 0),
 ('norrkoping-03-language-teaching-and-learning-in-preschools', 'erasmus-plus', 0),
 ('norrkoping-04-how-to-talk-about-intercultural-education', 'erasmus-plus', 0),
 ('norrkoping-05-promoting-wellbeing-in-preschool', 'erasmus-plus', 0),
 ('norrkoping-06-creating-competent-citizens-using-4cs', 'erasmus-plus', 0),
 ('norrkoping-07-cultural-heritage-album-eaw-makers', 'erasmus-plus', 0),
 ('norrkoping-08-kompetensutveckling-montessoripedagogik', 'erasmus-plus', 0),
 ('norrkoping-11-music-as-an-instrument-for-inclusion', 'erasmus-plus', 0),
 ('norrkoping-12-we-are-tomorrows-europe', 'erasmus-plus', 0),
 ('norrkoping-14-entrepreneurship-and-employment', 'erasmus-plus', 0),
 ('norrkoping-15-kompetensutveckling-genom-jobbskuggning', 'erasmus-plus', 0),
 ('norrkoping-18-communicating-literature-and-culture', 'erasmus-plus', 0),
 ('norrkoping-19-enchanting-language-skills-and-environmental-awareness', 'erasmus-plus', 0),
 ('norrkoping-21-internationaliseringsprojekt-bravallagymnasiet', 'erasmus-plus', 0),
 ('norrkoping-22-scs-vocational-training-abroad-pupils', 'erasmus-plus', 0),
 ('norrkoping-23-excellence-in-apprentice-education', 'erasmus-plus', 0),
 ('norrkoping-25-global-service-training', 'erasmus-plus', 0),
 ('norrkoping-26-from-cradle-to-cradle', 'erasmus-plus', 0),
 ('norrkoping-27-scs-vocational-training-abroad-teachers', 'erasmus-plus', 0),
 ('norrkoping-28-empower2learn', 'erasmus-plus', 0),
 ('norrkoping-29-building-capacity-for-erasmus-plus', 'erasmus-plus', 1),
 ('norrkoping-31-digitala-verktyg-for-starkt-utbildningskvalitet', 'erasmus-plus', 0),
 ('daugavpils-darbigas-kopienas', 'british-council', 2)]

# (project slug, goal number, note) of each goal the editors assumed.
ASSUMED_GOALS = [('norrkoping-01-comake', 4, 3),
 ('norrkoping-01-comake', 17, 3),
 ('norrkoping-02-undervisning-i-forskolan', 4, 3),
 ('norrkoping-03-language-teaching-and-learning-in-preschools', 4, 3),
 ('norrkoping-04-how-to-talk-about-intercultural-education', 4, 3),
 ('norrkoping-04-how-to-talk-about-intercultural-education', 10, 3),
 ('norrkoping-05-promoting-wellbeing-in-preschool', 3, 3),
 ('norrkoping-05-promoting-wellbeing-in-preschool', 4, 3),
 ('norrkoping-06-creating-competent-citizens-using-4cs', 4, 3),
 ('norrkoping-07-cultural-heritage-album-eaw-makers', 4, 3),
 ('norrkoping-08-kompetensutveckling-montessoripedagogik', 4, 3),
 ('norrkoping-09-silver-oaks-international-school-indien', 4, 3),
 ('norrkoping-09-silver-oaks-international-school-indien', 17, 3),
 ('norrkoping-10-unequal-childhood', 4, 3),
 ('norrkoping-10-unequal-childhood', 10, 3),
 ('norrkoping-11-music-as-an-instrument-for-inclusion', 4, 3),
 ('norrkoping-11-music-as-an-instrument-for-inclusion', 10, 3),
 ('norrkoping-12-we-are-tomorrows-europe', 4, 3),
 ('norrkoping-12-we-are-tomorrows-europe', 16, 3),
 ('norrkoping-13-lararutbyte-nordiska-sprak', 4, 3),
 ('norrkoping-14-entrepreneurship-and-employment', 4, 3),
 ('norrkoping-14-entrepreneurship-and-employment', 8, 3),
 ('norrkoping-15-kompetensutveckling-genom-jobbskuggning', 4, 3),
 ('norrkoping-16-samarbete-med-skolor-i-sydafrika', 4, 3),
 ('norrkoping-16-samarbete-med-skolor-i-sydafrika', 17, 3),
 ('norrkoping-17-samarbete-med-skolor-i-kenya', 4, 3),
 ('norrkoping-17-samarbete-med-skolor-i-kenya', 17, 3),
 ('norrkoping-18-communicating-literature-and-culture', 4, 3),
 ('norrkoping-19-enchanting-language-skills-and-environmental-awareness', 4, 3),
 ('norrkoping-19-enchanting-language-skills-and-environmental-awareness', 12, 3),
 ('norrkoping-20-samarbete-med-adpoly-abu-dhabi', 4, 3),
 ('norrkoping-20-samarbete-med-adpoly-abu-dhabi', 17, 3),
 ('norrkoping-21-internationaliseringsprojekt-bravallagymnasiet', 4, 3),
 ('norrkoping-22-scs-vocational-training-abroad-pupils', 4, 3),
 ('norrkoping-22-scs-vocational-training-abroad-pupils', 8, 3),
 ('norrkoping-23-excellence-in-apprentice-education', 4, 3),
 ('norrkoping-24-yrkespraktik-i-sydafrika', 4, 3),
 ('norrkoping-25-global-service-training', 4, 3),
 ('norrkoping-26-from-cradle-to-cradle', 4, 3),
 ('norrkoping-26-from-cradle-to-cradle', 12, 3),
 ('norrkoping-26-from-cradle-to-cradle', 13, 3),
 ('norrkoping-27-scs-vocational-training-abroad-teachers', 4, 3),
 ('norrkoping-28-empower2learn', 4, 3),
 ('norrkoping-29-building-capacity-for-erasmus-plus', 4, 3),
 ('norrkoping-29-building-capacity-for-erasmus-plus', 17, 3),
 ('norrkoping-30-social-inclusion-through-pupils-participation', 4, 3),
 ('norrkoping-30-social-inclusion-through-pupils-participation', 10, 3),
 ('norrkoping-31-digitala-verktyg-for-starkt-utbildningskvalitet', 4, 3),
 ('norrkoping-32-unnecessary-useful-and-aesthetic', 4, 3),
 ('norrkoping-32-unnecessary-useful-and-aesthetic', 12, 3),
 ('norrkoping-uasin-gishu-kommunalt-partnerskap', 11, 3),
 ('norrkoping-uasin-gishu-kommunalt-partnerskap', 12, 3),
 ('norrkoping-uasin-gishu-kommunalt-partnerskap', 16, 3),
 ('norrkoping-uasin-gishu-kommunalt-partnerskap', 17, 3),
 ('kalix-masaka-kommunalt-partnerskap', 4, 3),
 ('kalix-masaka-kommunalt-partnerskap', 11, 3),
 ('kalix-masaka-kommunalt-partnerskap', 12, 3),
 ('kalix-masaka-kommunalt-partnerskap', 16, 3),
 ('kalix-masaka-kommunalt-partnerskap', 17, 3),
 ('daugavpils-darbigas-kopienas', 4, 3),
 ('daugavpils-darbigas-kopienas', 8, 3),
 ('daugavpils-darbigas-kopienas', 11, 3),
 ('daugavpils-darbigas-kopienas', 17, 3)]

# (project slug, funder slug, what it funds).
SCOPES = [('norrkoping-10-unequal-childhood', 'nordplus', 'spridningsaktiviteter'),
 ('kalix-masaka-kommunalt-partnerskap', 'icld', 'kommunikation om partnerskapet (bidrag 2021)')]

KALIX_CULTURE_SCHOOLS_NOTE = 'The strategy plan names no member. Kalix is read as one because it is in Norrbotten and runs Kulturskolan i Kalix, one of the culture schools of Norrbotten whose cooperation this is (000_7b4bd0be9ef97b88.txt).'

# The Kalix article's event: the page's "last updated" stamp had been taken as its date.
KALIX_EVENT = ("kalix-masaka-kommunalt-partnerskap", 'Bidrag för ökad kännedom om kommunala partnerskap')
KALIX_EVENT_WAS = {"date": "2021-07-26", "date_note": 'Senast uppdaterad: 2021-07-26 15:43', "source": '000_7b4bd0be9ef97b88.txt, the article itself. The date is the page\'s last-updated date ("Senast uppdaterad: 2021-07-26 15:43"); the publication date and the date of ICLD\'s decision are not given ("har nyligen beviljat").'}
KALIX_EVENT_NOW = {"date": None, "date_note": 'Före 26 juli 2021 ("nyligen"; sidan uppdaterades senast 2021-07-26)', "source": '000_7b4bd0be9ef97b88.txt, the article itself. ICLD\'s decision is dated only "nyligen" (recently); the page\'s last-updated stamp ("Senast uppdaterad: 2021-07-26 15:43") is not the event\'s date and is kept only in the date in words.'}

UNESCO_ROLE_WAS = "Musikstad (UNESCO City of Music), Nordens första musikstad"
UNESCO_ROLE_NOW = "Musikstad, Nordens första"

# Organisations that are no municipality's unit, with their countries; where seeded projects
# linked them as units, they become partner organisations.
PARTNER_ORGANISATIONS = {
    "linkopings-universitet": "SE",
    "silver-oaks-international-school-hyderabad": "IN",
    "adpoly-abu-dhabi": "AE",
    "izglitibas-iniciativu-centrs": "LV",
}

OTHER_NAMES = {
    "networks.network": {
        "nordic-city-network": "Nordic Cities Network",
        "icorn": "International Cities of Refuge Network\nIcorn",
        "sern": "Sweden Emilia-Romagna Network",
        "kultur-norrbotten-skolorna": "Kulturskolorna i Norrbotten",
    },
    "registry.funder": {
        "erasmus-plus": "Erasmus +\nErasmus",
        "icld": "ICLD\nInternationellt Centrum för Lokal Demokrati",
    },
}


def key(*parts):
    """A natural key as registry.SeedRecord stores it (seed.py `key_text`)."""
    return json.dumps(list(parts), ensure_ascii=False)


def mark_readings(apps, schema_editor):
    SeedRecord = apps.get_model("registry", "SeedRecord")
    seeded = set(SeedRecord.objects.values_list("model", "natural_key"))
    if not seeded:
        return
    Project = apps.get_model("projects", "Project")
    ProjectFunder = apps.get_model("projects", "ProjectFunder")
    ProjectGoal = apps.get_model("projects", "ProjectGoal")

    def seeded_project(slug):
        return ("projects.project", key(slug)) in seeded

    for slug, funder, note in ASSUMED_FUNDERS:
        if seeded_project(slug):
            ProjectFunder.objects.filter(
                project__slug=slug, funder__slug=funder, basis="stated", basis_note=""
            ).update(basis="assumed", basis_note=NOTES[note])
    for slug, goal, note in ASSUMED_GOALS:
        if seeded_project(slug):
            ProjectGoal.objects.filter(
                project__slug=slug, goal__number=goal, basis="stated", basis_note=""
            ).update(basis="assumed", basis_note=NOTES[note])
    for slug, funder, scope in SCOPES:
        if seeded_project(slug):
            ProjectFunder.objects.filter(project__slug=slug, funder__slug=funder, scope="").update(
                scope=scope
            )

    Membership = apps.get_model("networks", "Membership")
    if ("networks.membership", key("kultur-norrbotten-skolorna", "kalix")) in seeded:
        Membership.objects.filter(
            network__slug="kultur-norrbotten-skolorna",
            municipality__slug="kalix",
            basis="stated",
            basis_note="",
        ).update(basis="assumed", basis_note=KALIX_CULTURE_SCHOOLS_NOTE)
    if ("networks.membership", key("unesco-creative-cities-network", "norrkoping")) in seeded:
        Membership.objects.filter(
            network__slug="unesco-creative-cities-network",
            municipality__slug="norrkoping",
            role=UNESCO_ROLE_WAS,
        ).update(role=UNESCO_ROLE_NOW)

    Strategy = apps.get_model("projects", "Strategy")
    plan = "kultur-norrbotten-skolorna-strategiplan-2018-2021"
    if ("projects.strategy", key(plan)) in seeded:
        # The plan says nothing of an action plan: not stated, rather than "no".
        Strategy.objects.filter(slug=plan, has_action_plan=False).update(has_action_plan=None)

    Event = apps.get_model("projects", "Event")
    slug, title = KALIX_EVENT
    old_key = key(slug, title, KALIX_EVENT_WAS["date"])
    if ("projects.event", old_key) in seeded:
        changed = Event.objects.filter(
            project__slug=slug, title=title, **KALIX_EVENT_WAS
        ).update(**KALIX_EVENT_NOW)
        if changed:
            # The seed knows the event by its new key from now on, so it adds no second one.
            SeedRecord.objects.filter(model="projects.event", natural_key=old_key).update(
                natural_key=key(slug, title, "")
            )

    Organisation = apps.get_model("registry", "Organisation")
    for slug, code in PARTNER_ORGANISATIONS.items():
        if ("registry.organisation", key(slug)) not in seeded:
            continue
        Organisation.objects.filter(slug=slug, municipality=None, country=None).update(
            country_id=code
        )
        organisation = Organisation.objects.filter(slug=slug, municipality=None).first()
        if organisation is None:
            continue
        for project in Project.objects.filter(organisations=organisation):
            if seeded_project(project.slug):
                project.organisations.remove(organisation)
                project.partner_organisations.add(organisation)

    for label, names in OTHER_NAMES.items():
        model = apps.get_model(label)
        for slug, other_names in names.items():
            if (label, key(slug)) in seeded:
                model.objects.filter(slug=slug, other_names="").update(other_names=other_names)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0012_provenance"),
        ("networks", "0003_members_and_sources"),
        ("registry", "0006_sources_and_basis"),
    ]

    operations = [migrations.RunPython(mark_readings, migrations.RunPython.noop)]
