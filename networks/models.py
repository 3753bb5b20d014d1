"""City networks and regional cooperations, and which municipalities belong to them."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.models import Municipality, slug_unique_ignoring_case


class NetworkQuerySet(models.QuerySet):
    def for_list(self):
        """Networks with their member count, for /networks/."""
        return self.annotate(member_count=models.Count("memberships", distinct=True))

    def for_detail(self):
        """A network with its members (and their countries) and strategies with their items."""
        members = Membership.objects.select_related("municipality__country").order_by(
            "municipality__name"
        )
        return self.prefetch_related(
            models.Prefetch("memberships", queryset=members), "strategies__items"
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
    website = models.URLField(_("website"), blank=True)
    source = models.TextField(_("source"), blank=True)

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


class MembershipQuerySet(models.QuerySet):
    def members_by_network(self):
        """{network pk: the pks of its member municipalities}: a network's projects are the
        ones its members own (the network filter and the project index read this)."""
        members = {}
        for network, municipality in self.values_list("network_id", "municipality_id"):
            members.setdefault(network, set()).add(municipality)
        return members


class MembershipManager(models.Manager.from_queryset(MembershipQuerySet)):
    def get_by_natural_key(self, network_slug, municipality_slug):
        return self.get(network__slug=network_slug, municipality__slug=municipality_slug)


class Membership(models.Model):
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("network")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("municipality"),
    )
    role = models.CharField(_("role"), max_length=200, blank=True)
    since_year = models.PositiveSmallIntegerField(
        _("member since"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    note = models.TextField(_("note"), blank=True)
    source = models.TextField(_("source"), blank=True)

    objects = MembershipManager()

    class Meta:
        ordering = ["network", "municipality"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["network", "municipality"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.municipality} – {self.network}"

    def natural_key(self):
        return (*self.network.natural_key(), *self.municipality.natural_key())

    natural_key.dependencies = ["networks.network", "registry.municipality"]
