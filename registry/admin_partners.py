"""Partners a coordinator adds from the project form without leaving it.

Beside "Partner organisations" and "Partner municipalities" the project form has Django's own
"+" (its RelatedFieldWidgetWrapper): it opens the add form in a popup window, and on Save the
new record is picked in the form. For a coordinator both add forms are short, and:

- a **partner organisation** is no municipality's unit. The "+" beside a link the project
  admin declares in `ownerless_links` names that link in the add form's address, and the
  confinement (registry/admin_confinement.py, `adds_ownerless`) then saves the organisation
  without a municipality. Through the "+" beside "Units" a coordinator still adds a unit of
  their own municipality.
- a **partner municipality** is reference data that registry/apps.py lets coordinators add
  (`added_by_coordinators`), and only abroad: a municipality of their own country may become
  one with coordinators of its own, and the registry's staff add those.

Either records who added it and is marked to be reviewed by the registry's staff. The
coordinator cannot change or delete it afterwards (they have no change permission on
municipalities, and an organisation without a municipality is not theirs), and a municipality
added so gets no coordinators: only the registry's staff give a municipality coordinators.
"""

from django import forms
from django.contrib.admin.options import IS_POPUP_VAR
from django.utils.translation import gettext_lazy as _

from registry.admin_confinement import municipality_of, slug_from
from registry.text import fold

CHECKED_BY_STAFF = _(
    "The registry's staff check what you add here. You cannot change it afterwards: if "
    "something is wrong, write to them."
)

PARTNER_HELP = {
    "name": _("Shown publicly: its name, as it writes it, on the pages of its projects."),
    "country": _("Shown publicly beside its name. Type a country's name in any language."),
    "city": _("Shown publicly beside its name."),
    "website": _("Shown publicly as a link."),
    "kind": _("What kind of body it is."),
    "region": _("The region or county it belongs to, in its own country."),
}


class PartnerForm(forms.ModelForm):
    """A partner's short add form: its country is required, the public fields say so, and a
    second record of a name already in the registry for that country (accents and capitals
    aside) is refused, so that the coordinator picks the one there."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].required = True
        for name, text in PARTNER_HELP.items():
            if name in self.fields:
                self.fields[name].help_text = text

    def same_kind(self):
        """The records a new one must not repeat."""
        return self._meta.model._default_manager.all()

    def clean(self):
        cleaned = super().clean()
        name, country = cleaned.get("name"), cleaned.get("country")
        if name and country:
            there = self.same_kind().filter(country=country).values_list("name", flat=True)
            if any(fold(other) == fold(name) for other in there):
                raise forms.ValidationError(
                    _(
                        "%(name)s in %(country)s is in the registry already: close this "
                        "window and type its name in the project form to pick it."
                    ),
                    params={"name": name, "country": country.name},
                    code="already_there",
                )
        return cleaned


class PartnerOrganisationForm(PartnerForm):
    def same_kind(self):
        return super().same_kind().filter(municipality__isnull=True)


class PartnerMunicipalityForm(PartnerForm):
    home = None  # the coordinator's municipality, set by PartnerMunicipalityAdminMixin

    def clean_country(self):
        country = self.cleaned_data["country"]
        if self.home is not None and country.pk == self.home.country_id:
            raise forms.ValidationError(
                _(
                    "Municipalities in %(country)s are added by the registry's staff, since "
                    "one may keep its own projects here: write to them."
                ),
                params={"country": country.name},
                code="home_country",
            )
        return country


class PartnerAddMixin:
    """For the admin of a model with `review_fields`: when `adds_partner(request)`, the short
    form above, a slug made from the name, and the record marked as the coordinator's, to be
    reviewed. The registry's staff filter by "to be reviewed" and see who added it."""

    partner_form = PartnerForm
    partner_fields = []
    partner_title = None

    def adds_partner(self, request):
        raise NotImplementedError

    def get_fieldsets(self, request, obj=None):
        if obj is None and self.adds_partner(request):
            return [(None, {"fields": self.partner_fields, "description": CHECKED_BY_STAFF})]
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None and self.adds_partner(request):
            kwargs["form"] = self.partner_form
        return super().get_form(request, obj, change, **kwargs)

    def get_prepopulated_fields(self, request, obj=None):
        # The slug is made from the name on saving: the short form has no slug field.
        if obj is None and self.adds_partner(request):
            return {}
        return super().get_prepopulated_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Who added it is for the registry's staff: a coordinator's username is their e-mail
        # address, and other municipalities' coordinators look at the same record.
        fields = super().get_readonly_fields(request, obj)
        if obj is None or not request.user.is_superuser:
            return fields
        return [*fields, "added_by"]

    def add_view(self, request, form_url="", extra_context=None):
        if self.adds_partner(request):
            extra_context = {**(extra_context or {}), "title": self.partner_title}
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change and self.adds_partner(request):
            obj.slug = slug_from(self.model, obj.name) or slug_from(
                self.model, self.model._meta.model_name
            )
            obj.added_by = request.user
            obj.needs_review = True
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if IS_POPUP_VAR in request.POST and hasattr(response, "context_data"):
            # Without JavaScript the popup window is the same window: the page says what was
            # added instead of closing itself (templates/admin/popup_response.html).
            response.context_data["added"] = obj
        return response


class PartnerOrganisationAdminMixin(PartnerAddMixin):
    """For OrganisationAdmin: the "+" beside a project's partner organisations."""

    partner_form = PartnerOrganisationForm
    partner_fields = ["name", "country", "city", "kind", "website"]
    partner_title = _("Add a partner organisation")

    def adds_partner(self, request):
        return self.adds_ownerless(request)


class PartnerMunicipalityAdminMixin(PartnerAddMixin):
    """For MunicipalityAdmin: a coordinator (anyone but a superuser) adds a municipality
    abroad, and needs a municipality of their own to do so."""

    partner_form = PartnerMunicipalityForm
    partner_fields = ["name", "country", "kind", "region", "website"]
    partner_title = _("Add a partner municipality")

    def adds_partner(self, request):
        return not request.user.is_superuser

    def has_add_permission(self, request):
        return super().has_add_permission(request) and (
            request.user.is_superuser or municipality_of(request.user) is not None
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None and self.adds_partner(request):
            form = type(form.__name__, (form,), {"home": municipality_of(request.user)})
        return form
