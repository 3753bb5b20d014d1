"""City networks and regional cooperations, and which municipalities belong to them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.models import (
    Citation,
    Municipality,
    Organisation,
    Source,
    basis_fields,
    check_basis,
    slug_unique_ignoring_case,
)
from registry.translations import Translation


class NetworkQuerySet(models.QuerySet):
    def for_list(self):
        """Networks with their member count and their purposes' translations, for
        /networks/."""
        return self.annotate(
            member_count=models.Count("memberships", distinct=True)
        ).prefetch_related("translations")

    def for_detail(self):
        """A network with its members (and their countries) and strategies with their items."""
        members = (
            Membership.objects.select_related("municipality__country", "organisation__country")
            .prefetch_related("sources", "translations")
            .order_by("municipality__name", "organisation__name")
        )
        return self.prefetch_related(
            models.Prefetch("memberships", queryset=members),
            "translations",
            "strategies__items__translations",
            "strategies__citations__source",
            "citations__source",
        )


class NetworkManager(models.Manager.from_queryset(NetworkQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Network(models.Model):
    class Kind(models.TextChoices):
        CITY_NETWORK = "city_network", _("city network")
        REGIONAL_COOPERATION = "regional_cooperation", _("regional cooperation")
        MEMBERSHIP_ORGANISATION = "membership_organisation", _("membership organisation")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(
        _("kind"), max_length=30, choices=Kind.choices, default=Kind.CITY_NETWORK
    )
    purpose = models.TextField(_("purpose"), blank=True)
    who_may_join = models.CharField(_("who may join"), max_length=300, blank=True)
    language = models.CharField(_("content language"), max_length=5, default="sv")
    other_names = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("Other names and spellings, one a line; the search finds them too."),
    )
    website = models.URLField(_("website"), blank=True)
    source = models.TextField(_("editors' notes (staff only)"), blank=True)
    sources = models.ManyToManyField(
        Source,
        through="NetworkSource",
        blank=True,
        related_name="networks",
        verbose_name=_("sources"),
    )

    objects = NetworkManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("network")
        verbose_name_plural = _("networks")
        constraints = [slug_unique_ignoring_case("network_slug_unique_ignoring_case")]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("networks:detail", args=[self.slug])


class NetworkTranslation(Translation):
    """A network's purpose and who may join, in another language than the network's own
    (`Network.language`); registry/translations.py states what a translation records and the
    display rule."""

    OWNER = "network"
    FIELDS = ("purpose", "who_may_join")

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="translations", verbose_name=_("network")
    )
    purpose = models.TextField(_("purpose"))
    who_may_join = models.CharField(_("who may join"), max_length=300, blank=True)

    class Meta(Translation.Meta):
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["network", "language"], name="network_translation_unique_language"
            )
        ]


class MembershipManager(models.Manager):
    def get_by_natural_key(self, network_slug, member_slug):
        """A member is a municipality or, failing that, an organisation of that slug."""
        found = self.filter(network__slug=network_slug)
        try:
            return found.get(municipality__slug=member_slug)
        except self.model.DoesNotExist:
            return found.get(organisation__slug=member_slug)


class Membership(models.Model):
    """A member of a network: a municipality, or an organisation that is no municipality's
    unit (a university), with how the registry knows it."""

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("network")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("municipality"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("organisation"),
        help_text=_("A member that is not a municipality, e.g. a university."),
    )
    role = models.CharField(_("role"), max_length=200, blank=True)
    # The language the role is written in: the original, which translations
    # (MembershipTranslation) are made from.
    language = models.CharField(
        _("original language"), max_length=5, choices=settings.LANGUAGES, default="sv"
    )
    since_year = models.PositiveSmallIntegerField(
        _("member since"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    note = models.TextField(_("note"), blank=True)
    basis = basis_fields()["basis"]
    basis_note = basis_fields()["basis_note"]
    source = models.TextField(_("editors' notes (staff only)"), blank=True)
    sources = models.ManyToManyField(
        Source,
        through="MembershipSource",
        blank=True,
        related_name="memberships",
        verbose_name=_("sources"),
    )

    objects = MembershipManager()

    class Meta:
        ordering = ["network", "municipality", "organisation"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["network", "municipality"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["network", "organisation"], name="membership_unique_organisation"
            ),
            models.CheckConstraint(
                condition=models.Q(municipality__isnull=False, organisation__isnull=True)
                | models.Q(municipality__isnull=True, organisation__isnull=False),
                name="membership_one_member",
            ),
        ]

    def __str__(self):
        return f"{self.member} – {self.network}"

    @property
    def member(self):
        return self.municipality or self.organisation

    def natural_key(self):
        return (*self.network.natural_key(), *self.member.natural_key())

    natural_key.dependencies = [
        "networks.network",
        "registry.municipality",
        "registry.organisation",
    ]

    def clean(self):
        if (self.municipality_id is None) == (self.organisation_id is None):
            raise ValidationError(_("A member is either a municipality or an organisation."))
        check_basis(self)


class NetworkSource(Citation):
    OWNER = "network"
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="citations")

    class Meta(Citation.Meta):
        constraints = [
            models.UniqueConstraint(fields=["network", "source"], name="network_source_unique")
        ]



class MembershipSource(Citation):
    OWNER = "membership"
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="citations"
    )

    class Meta(Citation.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "source"], name="membership_source_unique"
            )
        ]


class MembershipTranslation(Translation):
    """A member's role in another language than the membership's (`Membership.language`)."""

    OWNER = "membership"
    FIELDS = ("role",)

    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="translations",
        verbose_name=_("membership"),
    )
    role = models.CharField(_("role"), max_length=200)

    class Meta(Translation.Meta):
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "language"], name="membership_translation_unique_language"
            )
        ]
