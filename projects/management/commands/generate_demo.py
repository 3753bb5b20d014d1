"""Fill the database with synthetic projects, for benchmarks and load tests only.

The projects belong to clearly marked demo municipalities (slug `demo-…`, name "Demo …") with
their own demo units, so they can never be mistaken for a real municipality's records; they
use the existing goals, countries and funders (demo funders when there are none). Rows are
written in batches with bulk_create, search_text filled as Project.save() would, one
transaction per batch. The command refuses a remote database unless DEBUG is on or --force is
given, so it is not run against production by accident. `manage.py seed` first: it needs the
17 goals.
"""

import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from projects import project_index
from projects.models import Project, fold
from registry.change_stamp import bump
from registry.models import Country, Funder, Goal, Municipality, Organisation

DEMO = "demo-"
RELATIONS = ["organisations", "partner_municipalities", "partner_countries", "goals", "funders"]
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}

# (name, country): owners in Sweden and Latvia, partners around the Baltic and beyond.
OWNERS = [
    ("Ålberga", "SE"), ("Östervik", "SE"), ("Björkås", "SE"), ("Sjöholm", "SE"),
    ("Granhärad", "SE"), ("Lövsta", "SE"), ("Älvnäs", "SE"), ("Rönnby", "SE"),
    ("Ozolciems", "LV"), ("Bērzupe", "LV"), ("Liepkalne", "LV"), ("Ķēniņmuiža", "LV"),
]
PARTNERS = [
    ("Koivula", "FI"), ("Kasepää", "EE"), ("Beržynė", "LT"), ("Lindenau", "DE"),
    ("Brzozów Mały", "PL"), ("Bjørkvik", "NO"), ("Egebæk", "DK"), ("Kalyniv", "UA"),
    ("Mtskheta", "GE"), ("Kisumu", "KE"), ("Mbeya", "TZ"), ("Hội An", "VN"),
]
UNITS = {
    "SE": [
        ("{town} kulturskola", Organisation.Kind.CULTURE_SCHOOL),
        ("{town}skolan", Organisation.Kind.SCHOOL),
        ("{town} gymnasium", Organisation.Kind.UPPER_SECONDARY),
        ("{town} museum", Organisation.Kind.MUSEUM),
        ("Ungdomens hus i {town}", Organisation.Kind.YOUTH_CENTRE),
    ],
    "LV": [
        ("{town} mūzikas un mākslas skola", Organisation.Kind.CULTURE_SCHOOL),
        ("{town} vidusskola", Organisation.Kind.UPPER_SECONDARY),
        ("{town} novada muzejs", Organisation.Kind.MUSEUM),
        ("{town} jauniešu centrs", Organisation.Kind.YOUTH_CENTRE),
    ],
}
DEMO_FUNDERS = [
    ("Demo EU-programmet", Funder.Kind.EU_PROGRAMME),
    ("Demo Nordiska programmet", Funder.Kind.NORDIC_PROGRAMME),
    ("Demo statliga myndigheten", Funder.Kind.GOVERNMENT_AGENCY),
    ("Demo kommunbudget", Funder.Kind.MUNICIPAL_BUDGET),
]
TOPICS = {
    "sv": ["Klimatsmarta skolor", "Hållbar turism", "Unga röster", "Digital demokrati",
           "Rent vatten", "Kulturarv i förändring", "Jämställd idrott", "Cirkulär ekonomi",
           "Musik utan gränser", "Trygg äldreomsorg", "Lokal energi", "Levande landsbygd"],
    "en": ["Climate-smart schools", "Sustainable tourism", "Young voices", "Digital democracy",
           "Clean water", "Heritage in transition", "Equal sport", "Circular economy",
           "Music without borders", "Safe elderly care", "Local energy", "Living countryside"],
    "lv": ["Klimatgudras skolas", "Ilgtspējīgs tūrisms", "Jauniešu balsis", "Digitālā demokrātija",
           "Tīrs ūdens", "Kultūras mantojums pārmaiņās", "Līdztiesīgs sports", "Aprites ekonomika",
           "Mūzika bez robežām", "Droša vecāku aprūpe", "Vietējā enerģija", "Dzīvi lauki"],
}
TITLE = {"sv": "{topic} – samarbete med {partner}", "en": "{topic}: a partnership with {partner}",
         "lv": "{topic}: sadarbība ar {partner}"}
SUMMARY = {
    "sv": "Elever, lärare och tjänstepersoner i {town} och {partner} utbyter erfarenheter.",
    "en": "Pupils, teachers and officials in {town} and {partner} exchange experience.",
    "lv": "Skolēni, skolotāji un darbinieki no {town} un {partner} apmainās ar pieredzi.",
}
SENTENCES = {
    "sv": ["Projektet började med ett studiebesök.", "Deltagarna träffas två gånger om året.",
           "Resultaten sprids i en öppen handbok.", "Ungdomsrådet leder en arbetsgrupp.",
           "Ett seminarium avslutar varje termin.", "Samarbetet bygger på ett vänortsavtal."],
    "en": ["The project began with a study visit.", "The participants meet twice a year.",
           "The results are shared in an open handbook.",
           "The youth council leads a working group.",
           "A seminar closes every term.", "The cooperation builds on a twinning agreement."],
    "lv": ["Projekts sākās ar pieredzes apmaiņas braucienu.", "Dalībnieki tiekas divreiz gadā.",
           "Rezultāti tiek publicēti atvērtā rokasgrāmatā.", "Jauniešu dome vada darba grupu.",
           "Katru semestri noslēdz seminārs.", "Sadarbības pamatā ir sadraudzības līgums."],
}


def by_name(instance):
    return instance.name


def is_local_database():
    host = connection.settings_dict.get("HOST") or ""
    return connection.vendor == "sqlite" or host in LOCAL_HOSTS or host.startswith("/")


class Command(BaseCommand):
    help = "Create N synthetic published projects under demo municipalities (benchmarks only)."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=1000, help="How many (default 1000).")
        parser.add_argument("--seed", type=int, help="Random seed, for a reproducible data set.")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--dry-run", action="store_true", help="Say what would be created.")
        parser.add_argument(
            "--force", action="store_true", help="Run even on a remote database with DEBUG off."
        )

    def handle(self, *args, projects, seed, batch_size, dry_run, force, **options):
        if projects < 0 or batch_size < 1:
            raise CommandError("--projects must be 0 or more and --batch-size at least 1.")
        if not (settings.DEBUG or is_local_database() or force):
            raise CommandError(
                "generate_demo is for benchmarks and load tests: this database is not local "
                "and DEBUG is off. Add --force if you really mean it."
            )
        goals = list(Goal.objects.values_list("number", flat=True))
        if not goals:
            raise CommandError("There are no goals: run `manage.py seed` first.")
        if dry_run:
            self.stdout.write(
                f"generate_demo: would create {projects} published projects under "
                f"{len(OWNERS)} demo municipalities (nothing saved)."
            )
            return
        started = time.monotonic()
        self.rng = random.Random(seed)
        self.verbosity = options.get("verbosity", 1)
        with transaction.atomic():
            self.prepare_references(goals)
        first = self.next_number()
        created = links = 0
        while created < projects:
            size = min(batch_size, projects - created)
            with transaction.atomic():
                links += self.create_batch(first + created, size)
            created += size
            self.progress(created, projects)
        self.analyze()
        # bulk_create sends no signals: the page cache and the project index must still see
        # the change.
        bump()
        project_index.rebuild()
        self.stdout.write(
            f"generate_demo: created {created} published projects and {links} links under "
            f"{len(self.owners)} demo municipalities in {time.monotonic() - started:.1f} s."
        )

    def prepare_references(self, goals):
        """The demo municipalities, their units and the funders, countries and goals to use."""
        countries = {code for _name, code in OWNERS + PARTNERS}
        Country.objects.bulk_create([Country(code=code) for code in sorted(countries)],
                                    ignore_conflicts=True)
        self.owners = [self.demo_municipality(name, code) for name, code in OWNERS]
        self.partners = [self.demo_municipality(name, code) for name, code in PARTNERS]
        self.units = {
            owner.pk: [self.demo_unit(owner, template, kind)
                       for template, kind in UNITS[owner.country_id]]
            for owner in self.owners
        }
        funders = list(Funder.objects.exclude(slug__startswith=DEMO).values_list("pk", flat=True))
        self.funders = funders or [
            Funder.objects.get_or_create(slug=DEMO + slugify(name), defaults={
                "name": name, "kind": kind})[0].pk
            for name, kind in DEMO_FUNDERS
        ]
        self.goals = goals
        self.countries = sorted(Country.objects.values_list("code", flat=True)
                                .filter(code__in=countries))

    def demo_municipality(self, name, code):
        return Municipality.objects.get_or_create(
            slug=DEMO + slugify(fold(name)),
            defaults={"name": f"Demo {name}", "country_id": code,
                      "source": "Synthetic data from generate_demo."},
        )[0]

    def demo_unit(self, owner, template, kind):
        name = template.format(town=owner.name)
        return Organisation.objects.get_or_create(
            slug=DEMO + slugify(fold(name)),
            defaults={"name": name, "municipality": owner, "kind": kind},
        )[0]

    def next_number(self):
        """Demo slugs are numbered, zero-padded so the highest sorts last: a second run adds."""
        last = (Project.objects.filter(slug__regex=r"^demo-[0-9]{7}-")
                .order_by("-slug").values_list("slug", flat=True).first())
        return int(last.split("-")[1]) + 1 if last else 1

    def create_batch(self, first, size):
        """Create `size` projects numbered from `first` and their links; return the links."""
        rng = self.rng
        rows, related = [], []
        for number in range(first, first + size):
            owner = rng.choice(self.owners)
            # Sorted by name, the order of the relations in Project.build_search_text().
            units = sorted(rng.sample(self.units[owner.pk], rng.randint(0, 2)), key=by_name)
            partners = sorted(rng.sample(self.partners, rng.choice([0, 1, 1, 2])), key=by_name)
            language = rng.choice(["sv", "sv", "en", "lv"])
            partner_name = partners[0].name if partners else rng.choice(self.partners).name
            title = TITLE[language].format(topic=rng.choice(TOPICS[language]), partner=partner_name)
            summary = SUMMARY[language].format(town=owner.name, partner=partner_name)
            description = " ".join(rng.sample(SENTENCES[language], 3))
            start = rng.randint(2005, 2030)
            end = None if rng.random() < 0.2 else start + rng.randint(0, 4)
            # The same text, in the same order, as Project.build_search_text().
            parts = [title, summary, description, owner.name]
            parts += [unit.name for unit in units] + [partner.name for partner in partners]
            rows.append(Project(
                title=title,
                slug=f"{DEMO}{number:07d}-{slugify(fold(title))[:80]}".rstrip("-"),
                summary=summary,
                description=description,
                language=language,
                municipality=owner,
                type=rng.choice(Project.Type.values),
                start_year=start,
                end_year=end,
                paused=rng.random() < 0.05,
                publication=Project.Publication.PUBLISHED,
                source="Synthetic data from generate_demo.",
                search_text=fold(" ".join(parts)),
                # As Project.save() would: these records are no load of the seed data.
                changed_at=timezone.now(),
            ))
            countries = {partner.country_id for partner in partners}
            countries.update(rng.sample(self.countries, rng.randint(0, 2)))
            related.append({
                "organisations": [unit.pk for unit in units],
                "partner_municipalities": [partner.pk for partner in partners],
                "partner_countries": sorted(countries) or [rng.choice(self.countries)],
                "goals": rng.sample(self.goals, rng.randint(1, 3)),
                "funders": rng.sample(self.funders, min(len(self.funders), rng.randint(0, 2))),
            })
        Project.objects.bulk_create(rows)
        links = 0
        for field_name in RELATIONS:
            field = Project._meta.get_field(field_name)
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            objects = [
                through(**{f"{source}_id": project.pk, f"{target}_id": pk})
                for project, links_of in zip(rows, related, strict=True)
                for pk in links_of[field_name]
            ]
            through.objects.bulk_create(objects)
            links += len(objects)
        return links

    def analyze(self):
        """Fresh planner statistics: right after a bulk load the planner would otherwise
        misjudge the new rows (PostgreSQL then ignores the search index, for one)."""
        tables = [Project._meta.db_table] + [
            Project._meta.get_field(name).remote_field.through._meta.db_table
            for name in RELATIONS
        ]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE " + ", ".join(map(connection.ops.quote_name, tables)))
            else:
                cursor.execute("ANALYZE")

    def progress(self, done, total):
        """One line on stderr, rewritten in place; stdout keeps only the summary."""
        if self.verbosity < 1:
            return
        self.stderr.write(
            f"\rgenerate_demo: {done}/{total} projects",
            style_func=str,
            ending="\n" if done == total else "",
        )
        self.stderr.flush()
