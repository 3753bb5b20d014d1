"""Shared reference data: municipalities and their units, countries, funders, goals."""

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import Country as CountryInfo


def validate_country_code(value):
    if value not in dict(countries):
        raise ValidationError(
            _("%(code)s is not an ISO 3166-1 alpha-2 code."), params={"code": value}
        )


@functools.cache
def country_name(code, language):
    """django-countries' name of `code` in `language`, which must be the active language.
    Remembered: looking a name up through the translations takes about 40 µs, and a list
    page names a hundred countries."""
    return str(countries.name(code))


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
    source = models.TextField(_("source"), blank=True)

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
    website = models.URLField(_("website"), blank=True)
    source = models.TextField(_("source"), blank=True)

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
    source = models.TextField(_("source"), blank=True)

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
    source = models.TextField(_("source"), blank=True)

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
