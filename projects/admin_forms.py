"""The project form in the admin: what the public sees of each field, and fewer steps to fill it.

Help texts live here rather than on the model fields: they speak of the admin form (what a
field does on the public page), and a model field's help text would need a migration for
every rewording. A model field's own help text, where it has one, follows ours.

Faster: the slug may be left empty (it is made from the title, the first free one), the
content language starts as the municipality's own, and a municipality with a single unit has it
ticked. Nothing is assumed about the facts themselves (years, partners, funders).
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin_confinement import municipality_of, slug_from
from registry.translations import municipality_language

SHOWN_PUBLICLY = {
    "title": _("Shown publicly: the page's heading, and in lists."),
    "slug": _(
        "The end of the page's address (/projects/…/). Leave it empty to make it from the title."
    ),
    "summary": _("Shown publicly: one or two sentences at the top of the page and in lists."),
    "description": _("Shown publicly on the project's page."),
    "language": _(
        "The language the title, summary and description are written in: the original. The "
        "public page tells browsers and screen readers, and shows visitors reading another "
        "language its translation (below) when there is one."
    ),
    "type": _("Shown publicly, and the public list filters by it."),
    "start_year": _("Shown publicly; the status (planned, ongoing, completed) follows the years."),
    "end_year": _("Shown publicly."),
    "period_note": _("Shown publicly next to the years."),
    "paused": _("Shown publicly as the status “paused”."),
    "extension_note": _("Shown publicly, e.g. “extended until 2026”."),
    "organisations": _("Shown publicly: your municipality's units taking part. Type to search."),
    "partner_municipalities": _("Shown publicly. Type a name to search."),
    "partner_countries": _("Shown publicly. Type a country's name in any language, or its code."),
    "partner_organisations": _("Shown publicly. Type a name to search."),
    "networks": _("Shown publicly. Type a name to search."),
    "reach": _("Shown publicly, e.g. “120 pupils in 4 schools”."),
    "website": _("Shown publicly as a link."),
    "publication": _("Only published projects are shown on the public site."),
    "reviewed_on": _("Shown publicly as the date the facts are confirmed as of."),
}

EVENT_SHOWN_PUBLICLY = {
    "title": _("Shown publicly in the project's timeline."),
    "kind": _("Shown publicly in the timeline."),
    "date": _("Shown publicly."),
    "date_note": _("Shown publicly instead of a date."),
    "place": _("Shown publicly."),
    "description": _("Shown publicly in the timeline."),
    "url": _("Shown publicly as a link."),
}

# The inlines whose first row a new project's form shows ready.
READY_ROWS = {"projectgoal", "projectfunder"}


def with_public_help(form, texts):
    """Puts `texts` before each field's own help text."""
    for name, text in texts.items():
        field = form.fields.get(name)
        if field is not None:
            field.help_text = " ".join(str(part) for part in [text, field.help_text] if part)


class ProjectAdminForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_public_help(self, SHOWN_PUBLICLY)
        if "slug" in self.fields:
            self.fields["slug"].required = False

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        if slug or self.instance.pk:
            return slug
        made = slug_from(self._meta.model, self.cleaned_data.get("title", ""))
        if not made:
            raise forms.ValidationError(_("Give a slug: none can be made from this title."))
        return made


class EventAdminForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_public_help(self, EVENT_SHOWN_PUBLICLY)


class ProjectFormMixin:
    """For ProjectAdmin: the form above, and its starting values for a new project. Short
    choices are radio buttons, picked with one click instead of two."""

    form = ProjectAdminForm
    radio_fields = {
        "language": admin.HORIZONTAL,
        "type": admin.VERTICAL,
        "publication": admin.HORIZONTAL,
    }

    def get_inline_instances(self, request, obj=None):
        """A new project's form has a first row ready in each inline that lists what the
        project is linked to (a goal, a funder, an event): one click less each. Left empty,
        a row adds nothing."""
        inlines = super().get_inline_instances(request, obj)
        if obj is None:
            for inline in inlines:
                if inline.extra == 0 and inline.model._meta.model_name in READY_ROWS:
                    inline.extra = 1
        return inlines

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        municipality = municipality_of(request.user)
        if municipality is None:
            return initial
        language = municipality_language(municipality)
        if language:
            initial.setdefault("language", language)
        units = list(municipality.organisations.values_list("pk", flat=True)[:2])
        if len(units) == 1:
            initial.setdefault("organisations", units)
        return initial
