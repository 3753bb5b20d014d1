"""Admin for networks (reference data) and memberships (owned by the member municipality)."""

from django.contrib import admin
from reversion.admin import VersionAdmin

from networks.models import Membership, Network
from registry.admin_confinement import MunicipalityConfinedAdmin


@admin.register(Network)
class NetworkAdmin(VersionAdmin):
    # No membership inline: a coordinator viewing a network would see every member's
    # membership; memberships are edited in their own, confined list.
    list_display = ["name", "kind", "website"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(MunicipalityConfinedAdmin):
    list_display = ["network", "municipality", "role", "since_year"]
    list_filter = [("network", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["network", "municipality"]
    search_fields = ["network__name", "role"]
    autocomplete_fields = ["network", "municipality"]
