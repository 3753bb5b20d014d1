"""Admin for networks (reference data) and memberships (owned by the member municipality)."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from networks.models import Membership, MembershipTranslation, Network, NetworkTranslation
from registry.admin_confinement import MunicipalityConfinedAdmin, municipality_of
from registry.admin_translations import TranslationInline
from registry.translations import municipality_language


class NetworkTranslationInline(TranslationInline):
    """The network's purpose and who may join in another language than its own."""

    model = NetworkTranslation
    fields = [
        "language",
        "purpose",
        "who_may_join",
        ("translated_by", "machine"),
        ("reviewed_by", "reviewed_on"),
    ]


@admin.register(Network)
class NetworkAdmin(VersionAdmin):
    # No membership inline: a coordinator viewing a network would see every member's
    # membership; memberships are edited in their own, confined list.
    list_display = ["name", "kind", "website"]
    list_filter = ["kind"]
    # Other names too: "Nordic Cities Network" finds the Nordic City Network.
    search_fields = ["name", "slug", "other_names"]
    prepopulated_fields = {"slug": ["name"]}
    # VersionAdmin registers the network with its inline's translations followed: its history
    # and revert cover them.
    inlines = [NetworkTranslationInline]

    # The content language is stored as a code ("sv"); the form and the read-only view name it
    # in the reader's language.
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "language":
            return forms.ChoiceField(
                label=capfirst(db_field.verbose_name), choices=settings.LANGUAGES
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return ["content_language" if name == "language" else name for name in fields]

    @admin.display(description=_("content language"))
    def content_language(self, network):
        return dict(settings.LANGUAGES).get(network.language, network.language)


class MembershipTranslationInline(TranslationInline):
    """The member's role in another language than the membership's."""

    model = MembershipTranslation
    fields = ["language", "role", ("translated_by", "machine"), ("reviewed_by", "reviewed_on")]

    def original_language(self, request, obj):
        if obj is not None:
            return obj.language
        return municipality_language(municipality_of(request.user))


@admin.register(Membership)
class MembershipAdmin(MunicipalityConfinedAdmin):
    list_display = ["network", "municipality", "role", "since_year"]
    list_filter = [("network", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["network", "municipality"]
    search_fields = ["network__name", "role"]
    autocomplete_fields = ["network", "municipality"]
    inlines = [MembershipTranslationInline]

    def get_changeform_initial_data(self, request):
        # The role is written in the municipality's usual language, as a project's texts are.
        initial = super().get_changeform_initial_data(request)
        language = municipality_language(municipality_of(request.user))
        if language:
            initial.setdefault("language", language)
        return initial
