"""Shared reference data: municipalities and their units, countries, funders, goals."""

import functools
import json

from babel import Locale
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import Country as CountryInfo

from .relay import RelayedMessage


def validate_country_code(value):
    if value not in dict(countries):
        raise ValidationError(
            _("%(code)s is not an ISO 3166-1 alpha-2 code."), params={"code": value}
        )


@functools.cache
def country_name(code, language):
    """The name of `code` in `language`, which must be the active language: django-countries'
    name, unless its catalogue leaves the country in English (its Swedish one leaves 132, among
    them Albania, Canada and Egypt), then the Unicode CLDR's name in that language through
    Babel ("Albanien"). Names django-countries translates stay as they are.
    Remembered: looking a name up through the translations takes about 40 µs, and a list
    page names a hundred countries."""
    name = str(countries.name(code))
    if language and not language.startswith("en"):
        with translation.override("en"):
            english = str(countries.name(code))
        if name == english:
            name = Locale.parse(translation.to_locale(language)).territories.get(code, name)
    return name


@functools.cache
def contrasting_text(colour):
    """Black or white, whichever contrasts more with `colour` ("#rrggbb", WCAG luminance)."""
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(channel):
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def slug_unique_ignoring_case(name):
    """A slug names a page in a URL, and "Kalix" and "kalix" would look like one address:
    slugs are unique whatever their letters' case. Model validation (the admin's forms) says so
    in the user's language instead of failing on the database."""
    return models.UniqueConstraint(
        Lower("slug"),
        name=name,
        violation_error_message=_(
            "Another record already has this slug, perhaps in other capital or small letters. "
            "Choose another."
        ),
    )


class Basis(models.TextChoices):
    """How a fact is known: a source says it, or the editors read it into one. Public pages
    mark what is assumed, in words; the reason is for staff."""

    STATED = "stated", _("stated by a source")
    ASSUMED = "assumed", _("assumed by the editors")


def basis_fields():
    """The basis of a link (a project's funder or goal, a network membership) and, when it
    is assumed, the editors' reason: every such link declares the pair the same way."""
    return {
        "basis": models.CharField(
            _("how it is known"), max_length=10, choices=Basis.choices, default=Basis.STATED
        ),
        "basis_note": models.TextField(
            _("why the editors assumed it (staff only)"),
            blank=True,
            help_text=_("Required when assumed: what in the sources the reading rests on."),
        ),
    }


def check_basis(link):
    """An assumed link says why (the one statement of that rule, for every model with
    `basis_fields`)."""
    if link.basis == Basis.ASSUMED and not link.basis_note.strip():
        raise ValidationError(
            {"basis_note": _("Say why the editors assumed it: what the reading rests on.")}
        )


def review_fields():
    """Who added a record that coordinators may add but never change (a partner municipality
    abroad, a partner organisation), and whether the registry's staff have checked it since:
    every such model declares the pair the same way."""
    return {
        "added_by": models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.SET_NULL,
            null=True,
            blank=True,
            editable=False,
            related_name="+",
            verbose_name=_("added by"),
        ),
        "needs_review": models.BooleanField(
            _("to be reviewed"),
            default=False,
            help_text=_(
                "Added by a coordinator and not yet checked by the registry's staff: untick "
                "it once checked."
            ),
        ),
    }


class SlugNaturalKeyManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class CountryManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Country(models.Model):
    """A country, keyed by its ISO 3166-1 alpha-2 code; its name comes from django-countries."""

    code = models.CharField(
        _("ISO code"), max_length=2, primary_key=True, validators=[validate_country_code]
    )

    objects = CountryManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self):
        return str(self.name)

    def natural_key(self):
        return (self.code,)

    @property
    def name(self):
        """The country's name in the active language."""
        return country_name(self.code, get_language())

    @property
    def flag(self):
        return CountryInfo(code=self.code).unicode_flag

    def get_absolute_url(self):
        return reverse("registry:country_detail", args=[self.code.lower()])


class Source(models.Model):
    """A document the registry's facts rest on: who published it, its title, its date and
    language, and its address where one exists. Records cite it; public pages show one line
    (`citation`). The date is the day the document speaks for (published or last updated): a
    project's facts are confirmed as of its newest source's date."""

    class Language(models.TextChoices):
        SWEDISH = "sv", _("Swedish")
        ENGLISH = "en", _("English")
        LATVIAN = "lv", _("Latvian")
        OTHER = "other", _("other")

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    publisher = models.CharField(_("publisher"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    date = models.DateField(
        _("date"),
        null=True,
        blank=True,
        help_text=_("The day the document speaks for: its publication or last update."),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.SWEDISH
    )
    url = models.URLField(_("address"), blank=True)
    editorial_note = models.TextField(
        _("editors' notes (staff only)"),
        blank=True,
        help_text=_("Where the copy is kept and how it was read; never shown publicly."),
    )

    objects = SlugNaturalKeyManager()

    class Meta:
        ordering = ["-date", "publisher", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [slug_unique_ignoring_case("source_slug_unique_ignoring_case")]

    def __str__(self):
        return self.citation()

    def natural_key(self):
        return (self.slug,)

    def citation(self):
        """"Norrköpings kommun, Globala rummet, 27 November 2020", the date in the active
        language's format."""
        parts = [self.publisher, self.title]
        if self.date:
            parts.append(date_format(self.date, "DATE_FORMAT"))
        return ", ".join(parts)


class CitationManager(models.Manager):
    """Finds a citation by its record's natural key followed by the source's slug."""

    def get_by_natural_key(self, *key):
        *owner, source = key
        owner_field = self.model.OWNER
        owner_model = self.model._meta.get_field(owner_field).related_model
        return self.get(
            **{owner_field: owner_model._default_manager.get_by_natural_key(*owner)},
            source__slug=source,
        )


class Citation(models.Model):
    """That a record rests on a source, and where in it (`locator`, in the source's words,
    e.g. "punkt 9"). Each cited model has its own table of these, so that the seed data can
    add a citation to a record seeded before (registry/management/commands/seed.py creates
    only records it never created)."""

    OWNER = None

    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("source"))
    locator = models.CharField(
        _("where in the source"),
        max_length=200,
        blank=True,
        help_text=_("In the source's language, e.g. a section or an item number."),
    )

    objects = CitationManager()

    class Meta:
        abstract = True
        verbose_name = _("citation")
        verbose_name_plural = _("sources")

    def __str__(self):
        return f"{self.source.citation()}, {self.locator}" if self.locator else str(self.source)

    def natural_key(self):
        return (*getattr(self, self.OWNER).natural_key(), *self.source.natural_key())


class Municipality(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("municipality")
        COUNTY = "county", _("county")
        REGION = "region", _("region")
        DISTRICT = "district", _("district")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=False)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("country")
    )
    region = models.CharField(_("region"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.MUNICIPALITY
    )
    website = models.URLField(_("website"), blank=True)
    # Sweden's organisation number, which the data portal and IATI name an organisation by
    # (docs/open-data.md). Only as a source states it: empty when none does.
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=11,
        blank=True,
        validators=[
            RegexValidator(
                r"\A\d{6}-\d{4}\Z",
                _("Write the organisation number as ten digits, NNNNNN-NNNN."),
            )
        ],
        help_text=_("NNNNNN-NNNN, as a source states it; empty when none does."),
    )
    source = models.TextField(_("editors' notes (staff only)"), blank=True)
    # A partner municipality abroad that a coordinator added from the project form
    # (registry/admin_partners.py).
    added_by = review_fields()["added_by"]
    needs_review = review_fields()["needs_review"]

    objects = SlugNaturalKeyManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [slug_unique_ignoring_case("municipality_slug_unique_ignoring_case")]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("registry:municipality_detail", args=[self.slug])


class OrganisationManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Organisation(models.Model):
    """A unit of a municipality (a school, the culture school, an office) or another body."""

    class Kind(models.TextChoices):
        PRESCHOOL = "preschool", _("preschool")
        SCHOOL = "school", _("compulsory school")
        UPPER_SECONDARY = "upper_secondary", _("upper-secondary school")
        CULTURE_SCHOOL = "culture_school", _("culture school")
        ADULT_EDUCATION = "adult_education", _("adult education")
        EDUCATION_OFFICE = "education_office", _("education office")
        MUSEUM = "museum", _("museum")
        YOUTH_CENTRE = "youth_centre", _("youth centre")
        ADMINISTRATION = "administration", _("municipal administration")
        UNIVERSITY = "university", _("university")
        NGO = "ngo", _("non-governmental organisation")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("municipality"),
        help_text=_("Empty for a body that is not a municipality's unit."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    # A body that is no municipality's unit (a partner school abroad, a university) says where
    # it is; a unit is where its municipality is.
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("country"),
        help_text=_("For a body that is not a municipality's unit."),
    )
    city = models.CharField(
        _("city"),
        max_length=200,
        blank=True,
        help_text=_("For a body that is not a municipality's unit."),
    )
    website = models.URLField(_("website"), blank=True)
    source = models.TextField(_("editors' notes (staff only)"), blank=True)
    # A partner organisation that a coordinator added from the project form
    # (registry/admin_partners.py).
    added_by = review_fields()["added_by"]
    needs_review = review_fields()["needs_review"]

    objects = OrganisationManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [slug_unique_ignoring_case("organisation_slug_unique_ignoring_case")]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


def funder_trees():
    """{funder pk: the pks of that funder and of every funder financed through it, at any
    depth}: the one statement of the funder tree (Sida's projects include ICLD's), read by the
    funder filter, the project index and the funder pages. One query of the small table."""
    parents = dict(Funder.objects.values_list("pk", "parent_id"))
    trees = {pk: {pk} for pk in parents}
    for pk in parents:
        parent, seen = parents[pk], {pk}
        while parent is not None and parent not in seen:
            seen.add(parent)
            trees[parent].add(pk)
            parent = parents.get(parent)
    return trees


class FunderQuerySet(models.QuerySet):
    def with_descendants(self):
        """These funders and every funder financed through them, at any depth."""
        trees = funder_trees()
        found = set().union(*(trees[pk] for pk in self.values_list("pk", flat=True)))
        return Funder.objects.filter(pk__in=found)


class FunderManager(SlugNaturalKeyManager.from_queryset(FunderQuerySet)):
    pass


class Funder(models.Model):
    class Kind(models.TextChoices):
        EU_PROGRAMME = "eu_programme", _("EU programme")
        NORDIC_PROGRAMME = "nordic_programme", _("Nordic programme")
        GOVERNMENT_AGENCY = "government_agency", _("government agency")
        CENTRE = "centre", _("centre or foundation")
        CULTURAL_INSTITUTE = "cultural_institute", _("cultural relations organisation")
        MUNICIPAL_BUDGET = "municipal_budget", _("municipal budget")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    website = models.URLField(_("website"), blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("financed by"),
    )
    description = models.TextField(_("description"), blank=True)
    # The description keeps its own language on every page (its lang attribute).
    language = models.CharField(
        _("content language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default="sv",
        help_text=_("The language the description is written in."),
    )
    other_names = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("Other names and spellings, one a line; the search finds them too."),
    )
    source = models.TextField(_("editors' notes (staff only)"), blank=True)

    objects = FunderManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("funder")
        verbose_name_plural = _("funders")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="funder_not_own_parent"
            ),
            slug_unique_ignoring_case("funder_slug_unique_ignoring_case"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A funder cannot finance itself.")})
            ancestor = ancestor.parent

    def get_absolute_url(self):
        return reverse("registry:funder_detail", args=[self.slug])


class GoalManager(models.Manager):
    def get_by_natural_key(self, number):
        return self.get(number=number)


class Goal(models.Model):
    """One of the 17 Agenda 2030 goals, with its official names and colour."""

    number = models.PositiveSmallIntegerField(_("number"), primary_key=True)
    name_sv = models.CharField(_("name in Swedish"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)
    name_lv = models.CharField(_("name in Latvian"), max_length=120)
    description_sv = models.CharField(_("description in Swedish"), max_length=300)
    description_en = models.CharField(_("description in English"), max_length=300)
    description_lv = models.CharField(_("description in Latvian"), max_length=300)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        help_text=_("The official colour as #RRGGBB."),
    )
    # Where the Latvian names come from; empty while they are the registry's own translation,
    # which the Latvian pages then say.
    names_lv_source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source of the Latvian names"),
        help_text=_("Empty: the Latvian names are the registry's own translation."),
    )
    source = models.TextField(_("editors' notes (staff only)"), blank=True)

    objects = GoalManager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=17), name="goal_number_1_to_17"
            ),
            models.CheckConstraint(
                condition=models.Q(colour__regex=r"^#[0-9A-Fa-f]{6}$"), name="goal_colour_hex"
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.name}"

    def natural_key(self):
        return (self.number,)

    def _localised(self, field):
        language = (get_language() or settings.LANGUAGE_CODE)[:2]
        if language not in {"sv", "en", "lv"}:
            language = "en"
        return getattr(self, f"{field}_{language}")

    @property
    def name(self):
        """The goal's short name in the active language."""
        return self._localised("name")

    @property
    def description(self):
        return self._localised("description")

    @property
    def text_colour(self):
        """Black or white, whichever contrasts more with the goal colour (WCAG luminance)."""
        return contrasting_text(self.colour)

    def get_absolute_url(self):
        return reverse("registry:goal_detail", args=[self.number])


class Coordinator(models.Model):
    """Links a staff user to the one municipality whose records they may edit."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordinator"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="coordinators"
    )

    class Meta:
        verbose_name = _("coordinator")
        verbose_name_plural = _("coordinators")

    def __str__(self):
        return f"{self.user} ({self.municipality})"


def seed_key(natural_key):
    """A natural key as `SeedRecord.natural_key` holds it."""
    return json.dumps(natural_key, ensure_ascii=False, default=str)


class SeedRecord(models.Model):
    """Remembers which fixture records `seed` has created, so it never re-creates or
    overwrites one that a coordinator later edited or deleted."""

    model = models.CharField(max_length=100)
    natural_key = models.CharField(max_length=400)
    seeded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "natural_key"], name="seed_record_unique")
        ]

    def __str__(self):
        return f"{self.model} {self.natural_key}"

    @classmethod
    def holds(cls, instance):
        """Whether `seed` created `instance` (one query)."""
        return cls.objects.filter(
            model=instance._meta.label_lower, natural_key=seed_key(instance.natural_key())
        ).exists()


class ChangeStamp(models.Model):
    """The one row that changes with every edit of data the public pages show
    (registry/change_stamp.py bumps it): the key of the pages that depend on every change,
    and their Last-Modified."""

    version = models.PositiveBigIntegerField(default=0)
    # With the version, tells apart two states that reached the same number (a restored
    # backup, a rolled-back test transaction): the key then names one state of the data.
    changed_at = models.DateTimeField(null=True)

    def __str__(self):
        return f"{self.version} ({self.changed_at})"


class TagStamp(models.Model):
    """One row per tag an edit has moved ("registry.goal", "projects.project:skolutbyte"):
    a page's cache key holds the tokens of the tags it depends on (registry/change_stamp.py,
    docs/caching.md)."""

    tag = models.CharField(max_length=200, unique=True)
    # Random on every change, so a key never names two states of the data (after a rollback
    # or a restored backup, a counter would reach the same number again).
    token = models.BigIntegerField()
    changed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.tag} ({self.changed_at})"


class AccessibilityMessage(RelayedMessage):
    """A message a visitor sent through the accessibility statement's report form, kept for
    the records of whoever runs the registry (registry/views.py)."""

    class Meta(RelayedMessage.Meta):
        verbose_name = _("accessibility report")
        verbose_name_plural = _("accessibility reports")
        indexes = [
            # The limits count recent messages per sender and in all (one recipient).
            models.Index(fields=["sender_email", "created_at"], name="accessibility_sender"),
            # The daily limit and pruning find the recent and the old ones.
            models.Index(fields=["created_at"], name="accessibility_created"),
        ]
