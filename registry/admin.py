"""Admin for reference data (countries, municipalities, funders, goals), units and coordinators.

Reference data is read-only for coordinators (their group has the view permission only) but
searchable, because the project form picks it through autocomplete. Units are
municipality-owned and confined like projects.
"""

from django.contrib import admin
from django.db.models import Q
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from reversion.admin import VersionAdmin

from registry.admin_confinement import MunicipalityConfinedAdmin
from registry.admin_partners import PartnerMunicipalityAdminMixin, PartnerOrganisationAdminMixin
from registry.admin_strings import name_third_party_apps
from registry.models import (
    AccessibilityMessage,
    Coordinator,
    Country,
    Funder,
    Goal,
    Municipality,
    Organisation,
    Source,
    country_name,
)
from registry.templatetags.flags import flag as flag_image
from registry.text import fold
from registry.two_factor import RegistryAdminSite

# The default site gains two-factor sign-in and the enrolment page (django-otp recommends
# switching the class of the default site, so every app's admin.register still lands on it).
admin.site.__class__ = RegistryAdminSite
# Third-party apps and models listed in the admin, named in the reader's language.
name_third_party_apps()


@admin.register(Country)
class CountryAdmin(VersionAdmin):
    list_display = ["iso_code", "name", "flag"]
    search_fields = ["code"]  # names live in django-countries: see get_search_results

    @admin.display(description=_("code"), ordering="code")
    def iso_code(self, country):
        # A code in no language ("AM" is Armenia, not the morning).
        return format_html('<code translate="no">{}</code>', country.code)

    @admin.display(description=_("name"))
    def name(self, country):
        return country.name

    @admin.display(description=_("flag"))
    def flag(self, country):
        # An image, as on the public pages (templatetags/flags.py): flag characters show as
        # two letters on Windows.
        return flag_image(country)

    def get_search_results(self, request, queryset, search_term):
        """Match the code, or the name in any of the site's languages, ignoring accents
        ("lettland", "Latvia" and "Latvija" all find LV)."""
        term = fold(search_term.strip())
        if not term:
            return queryset, False
        codes = set()
        for language in ("sv", "en", "lv"):
            with translation.override(language):
                codes.update(
                    code for code, _name in countries if term in fold(country_name(code, language))
                )
        return queryset.filter(Q(code__in=codes) | Q(code__iexact=term)), False


@admin.register(Municipality)
class MunicipalityAdmin(PartnerMunicipalityAdminMixin, VersionAdmin):
    list_display = ["name", "kind", "region", "country"]
    # "To be reviewed": partner municipalities a coordinator added (registry/admin_partners.py).
    list_filter = ["kind", "country", "needs_review"]
    search_fields = ["name", "slug", "region"]
    autocomplete_fields = ["country"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(PartnerOrganisationAdminMixin, MunicipalityConfinedAdmin):
    list_display = ["name", "kind", "municipality"]
    # "To be reviewed": partner organisations a coordinator added (registry/admin_partners.py).
    list_filter = ["kind", "needs_review"]
    list_select_related = ["municipality"]
    search_fields = ["name", "slug", "city"]
    autocomplete_fields = ["municipality", "country"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Funder)
class FunderAdmin(VersionAdmin):
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    # Other names too: a coordinator picking "Internationellt Centrum för Lokal Demokrati"
    # finds ICLD.
    search_fields = ["name", "slug", "other_names"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(VersionAdmin):
    """The documents facts rest on: reference data, which coordinators cite and editors keep."""

    list_display = ["publisher", "title", "date", "language"]
    list_filter = ["language"]
    search_fields = ["publisher", "title", "slug"]
    prepopulated_fields = {"slug": ["publisher", "title"]}


@admin.register(Goal)
class GoalAdmin(VersionAdmin):
    list_display = ["number", "name_sv", "name_en", "name_lv", "colour"]
    search_fields = ["number__exact", "name_sv", "name_en", "name_lv"]


@admin.register(Coordinator)
class CoordinatorAdmin(admin.ModelAdmin):
    """Superusers only (coordinators have no permission on it). The add_coordinator command
    is the usual way in: it also sets the user's staff flag, group and password."""

    list_display = ["user", "municipality"]
    list_select_related = ["user", "municipality"]
    search_fields = ["user__username", "municipality__name"]
    autocomplete_fields = ["user", "municipality"]


class RelayedMessageAdmin(admin.ModelAdmin):
    """Messages visitors sent through a relay form (registry/relay.py), for the records: read
    only, and without history (django-reversion would keep copies past their retention,
    CONTACT_MESSAGES_KEPT_DAYS)."""

    list_filter = ["sent"]
    search_fields = ["sender_name", "sender_email", "message"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Kept for the whole retention period, then deleted by the site (registry/relay.py).
        return False


@admin.register(AccessibilityMessage)
class AccessibilityMessageAdmin(RelayedMessageAdmin):
    """Reports through the accessibility statement: superusers only (no municipality owns
    them, and coordinators have no permission on them)."""

    list_display = ["created_at", "sender_name", "sender_email", "sent"]
    fields = ["created_at", "sender_name", "sender_email", "recipients", "sent", "message"]
    readonly_fields = fields
