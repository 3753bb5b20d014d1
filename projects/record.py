"""A project's fuller record: money per funder, the funders' own identifiers of the project,
and what it achieved. Models of their own beside the project (imported by projects/models.py),
so that the link between a project and a funder, and how it is known, stays as it is.

Money is never summed across currencies or kinds: `TOTAL_OF` says what one total adds up, and
every page's totals follow it (docs/site.md, "Money").
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal, list_currencies
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from registry.models import Funder
from registry.templatetags.registry_format import format_money

# The project's own bounds (projects/models.py), which imports this module.
EARLIEST_YEAR, LATEST_YEAR = 1950, 2100
year_validators = [MinValueValidator(EARLIEST_YEAR), MaxValueValidator(LATEST_YEAR)]

# ISO 4217's active codes, as the Unicode CLDR (through Babel) lists them.
CURRENCIES = frozenset(list_currencies())


def validate_currency(code):
    if code not in CURRENCIES:
        raise ValidationError(
            _("%(code)s is not an ISO 4217 currency code (such as SEK or EUR)."),
            params={"code": code},
            code="currency",
        )


def format_number(number, language=None):
    """`number` with the reader's language's digits and separators ("1 250", "1,250"), as
    the Unicode CLDR (through Babel) has them; up to two decimals."""
    locale = (language or get_language() or "sv").replace("-", "_")
    return format_decimal(number, format="#,##0.##", locale=locale)


# Money is written one way everywhere (registry_format.format_money: "50 000,50 EUR").
format_amount = format_money


# What one total adds up: the grants of one kind in one currency, never two currencies, nor a
# grant with a budget. The one statement of the rule: every total on every page (a project's,
# a funder's, a municipality's, per year) groups by these fields, in this order.
TOTAL_OF = ("kind", "currency")


class GrantQuerySet(models.QuerySet):
    def published(self):
        """Money of published projects only: drafts count nowhere."""
        return self.filter(project__publication="published")

    def _sums(self, *per):
        """The database's sums of these grants' amounts per `per` fields and TOTAL_OF."""
        return (
            self.order_by()
            .values(*per, *TOTAL_OF)
            .annotate(total=Sum("amount"))
            .order_by(*TOTAL_OF)
        )

    def totals(self):
        """[Total] of these grants, one per kind and currency (TOTAL_OF), in kind, then
        currency order; added up by the database."""
        return [Total.of(row) for row in self._sums()]

    def totals_by_year(self):
        """[(year or None, [Total])] of these grants, as `totals` per year, newest year
        first, the grants whose year is not stated last (under None)."""
        by_year = defaultdict(list)
        for row in self._sums("year"):
            by_year[row["year"]].append(Total.of(row))
        years = sorted((year for year in by_year if year is not None), reverse=True)
        return [(year, by_year[year]) for year in [*years, *([None] if None in by_year else [])]]


@dataclass(frozen=True)
class Total:
    """A sum of grants of one kind in one currency (TOTAL_OF)."""

    kind: str
    currency: str
    amount: Decimal

    @classmethod
    def of(cls, row):
        """The Total of a row of sums: TOTAL_OF's values and `total`."""
        return cls(*(row[field] for field in TOTAL_OF), row["total"])

    def get_kind_display(self):
        return Grant.Kind(self.kind).label

    def __str__(self):
        return format_amount(self.amount, self.currency)


class Grant(models.Model):
    """An amount of money a funder granted to a project, or the project's budget for what
    that funder funds, with the source it comes from."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("grant")
        BUDGET = "budget", _("budget")

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="grants",
        verbose_name=_("project"),
    )
    funder = models.ForeignKey(
        Funder, on_delete=models.PROTECT, related_name="grants", verbose_name=_("funder")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GRANT)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        validators=[validate_currency],
        help_text=_("ISO 4217 code, e.g. SEK or EUR."),
    )
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=year_validators,
        help_text=_("The year it was granted or budgeted, when the source says."),
    )
    source = models.CharField(
        _("source"),
        max_length=500,
        help_text=_("Where the figure comes from: a decision, a report, or its address."),
    )

    objects = GrantQuerySet.as_manager()

    class Meta:
        # As the exports list them (projects/exports.py OWNED): an unknown year last.
        ordering = ["project", "funder__name", F("year").asc(nulls_last=True), "pk"]
        verbose_name = _("grant or budget")
        verbose_name_plural = _("money")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="grant_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="grant_currency_iso_4217"
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=EARLIEST_YEAR, year__lte=LATEST_YEAR),
                name="grant_year_plausible",
            ),
            models.CheckConstraint(condition=~Q(source=""), name="grant_has_source"),
        ]
        indexes = [
            # A funder's page sums its published projects' grants.
            models.Index(fields=["funder", "currency"], name="grant_funder"),
        ]

    def __str__(self):
        return f"{self.funder}: {format_amount(self.amount, self.currency)}"

    def clean_fields(self, exclude=None):
        # A code typed in lower case ("eur") is the same code: upper-case it before the
        # ISO 4217 check, in the admin's form and in any full_clean alike.
        if isinstance(self.currency, str):
            self.currency = self.currency.strip().upper()
        super().clean_fields(exclude)

    @property
    def display_amount(self):
        return format_amount(self.amount, self.currency)

    @property
    def source_is_address(self):
        return self.source.startswith(("https://", "http://"))


def totals(grants):
    """`GrantQuerySet.totals` of `grants` already read (a project's page has them at hand),
    added up here rather than by another query: the same rule (TOTAL_OF), the same order."""
    sums = defaultdict(Decimal)
    for grant in grants:
        sums[tuple(getattr(grant, field) for field in TOTAL_OF)] += grant.amount
    return [Total(*key, amount) for key, amount in sorted(sums.items())]


class FunderReference(models.Model):
    """The funder's own identifier of a project (an Erasmus+ project number, a Sida
    contribution number) and the address of the funder's record of it."""

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="funder_references",
        verbose_name=_("project"),
    )
    funder = models.ForeignKey(
        Funder,
        on_delete=models.PROTECT,
        related_name="project_references",
        verbose_name=_("funder"),
    )
    number = models.CharField(
        _("funder's project number"),
        max_length=100,
        blank=True,
        help_text=_("As the funder writes it, e.g. 2019-1-SE01-KA229-060600."),
    )
    url = models.URLField(
        _("funder's record"),
        max_length=500,
        blank=True,
        help_text=_("The address of the funder's own page about the project."),
    )

    class Meta:
        ordering = ["project", "funder__name", "number", "pk"]
        verbose_name = _("funder's identifier")
        verbose_name_plural = _("funders' identifiers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(number="") | ~Q(url=""), name="funder_reference_has_number_or_url"
            ),
            models.UniqueConstraint(
                fields=["project", "funder", "number"], name="funder_reference_unique"
            ),
        ]

    def __str__(self):
        return f"{self.funder}: {self.number or self.url}"

    def clean(self):
        if not self.number and not self.url:
            raise ValidationError(
                _("Give the funder's project number, its record's address, or both.")
            )


class Result(models.Model):
    """What a project produced or achieved, dated: a report, a course held, a plan adopted;
    with a link to the output and how many it reached, when known."""

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("project"),
    )
    date = models.DateField(_("date"))
    text = models.TextField(_("result"), help_text=_("In the project's language."))
    url = models.URLField(
        _("link to the output"), max_length=500, blank=True,
        help_text=_("A report, a publication, a film: where the output can be read or seen."),
    )
    reach_number = models.PositiveIntegerField(_("reach"), null=True, blank=True)
    reach_unit = models.CharField(
        _("what the reach counts"),
        max_length=100,
        blank=True,
        help_text=_("E.g. participants, pupils, visitors; in the project's language."),
    )

    class Meta:
        ordering = ["project", "-date", "pk"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            models.CheckConstraint(
                condition=Q(reach_number__isnull=True, reach_unit="")
                | Q(reach_number__isnull=False) & ~Q(reach_unit=""),
                name="result_reach_has_number_and_unit",
            ),
        ]

    def __str__(self):
        return self.text[:80]

    @property
    def language(self):
        """Written in the project's language (its original), and not translated: a page
        shows it with the notice of an untranslated text (registry/translations.py `shown`)."""
        return self.project.language

    @property
    def display_reach_number(self):
        return format_number(self.reach_number)

    def clean(self):
        if (self.reach_number is None) != (not self.reach_unit):
            field = "reach_unit" if self.reach_number is not None else "reach_number"
            raise ValidationError(
                {field: _("Give the number reached together with what it counts.")}
            )
