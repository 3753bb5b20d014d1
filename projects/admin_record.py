"""The project form's inlines for its money, funders' identifiers and results
(projects/record.py) and its pictures (projects/pictures.py). They live in the project's
form, which the municipality confinement already narrows to the coordinator's own projects."""

import re

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from projects.models import (
    ContactMessage,
    FunderReference,
    Grant,
    Picture,
    ProjectFunder,
    Result,
)
from projects.pictures import process
from registry.admin import RelayedMessageAdmin
from registry.admin_confinement import MunicipalityConfinementMixin

# The project form's funder rows, as the funders' inline posts them.
FUNDER_FIELD = re.compile(r"^projectfunder_set-(\d+)-funder$")


def funders_posted(data, project):
    """The ids of the funders the project has once this form is saved: the funders' inline
    rows in the POST, less those marked for deletion; without that inline in the POST (a
    form that does not show it), the funders already linked."""
    if "projectfunder_set-TOTAL_FORMS" not in data:
        if project.pk is None:
            return set()
        return set(
            ProjectFunder.objects.filter(project=project).values_list("funder_id", flat=True)
        )
    funders = set()
    for name, value in data.items():
        match = FUNDER_FIELD.match(name)
        if match and value and not data.get(f"projectfunder_set-{match[1]}-DELETE"):
            funders.add(str(value))
    return {int(funder) for funder in funders if funder.isdigit()}


class OfTheProjectsFundersFormSet(BaseInlineFormSet):
    """Rows that name a funder of the project: money and identifiers belong to one of the
    funders listed beside them, so the list of funders and the money cannot disagree."""

    def clean(self):
        super().clean()
        funders = funders_posted(self.data, self.instance)
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            funder = form.cleaned_data.get("funder")
            if funder is not None and funder.pk not in funders:
                form.add_error(
                    "funder",
                    _("Add %(funder)s to the project's funders too.") % {"funder": funder},
                )


class GrantInline(admin.TabularInline):
    """Amounts per funder: a grant awarded or the budget, in its currency, with its source.
    Pages never add up different currencies."""

    model = Grant
    formset = OfTheProjectsFundersFormSet
    extra = 0
    autocomplete_fields = ["funder"]
    fields = ["funder", "kind", "amount", "currency", "year", "source"]


class FunderReferenceInline(admin.TabularInline):
    """The funder's project number and its own record's address, shown (linked) on the
    project's page and in the exports."""

    model = FunderReference
    formset = OfTheProjectsFundersFormSet
    extra = 0
    autocomplete_fields = ["funder"]
    fields = ["funder", "number", "url"]


class ResultInline(admin.StackedInline):
    model = Result
    extra = 0
    fields = ["date", "text", "url", ("reach_number", "reach_unit")]


class PictureForm(forms.ModelForm):
    """A picture's upload, checked and resized (projects/pictures.py) before it is kept."""

    upload = forms.FileField(
        # Django capitalises a model field's name for its label, not a form field's own.
        label=capfirst(_("picture file")),
        required=False,
        help_text=_("JPEG, PNG or WebP. It is resized for the page; its metadata is removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Picture
        fields = ["upload", "alt_text", "credit", "position"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.processed = process(upload)
        elif not self.instance.pk and self.has_changed():
            raise forms.ValidationError(_("Choose the picture's file."), code="required")
        return upload

    def save(self, commit=True):
        processed = getattr(self, "processed", None)
        if processed is not None:
            self.instance.store(processed)
        return super().save(commit)


class PictureInline(admin.StackedInline):
    """Pictures with the alternative text and credit the page shows with them."""

    model = Picture
    form = PictureForm
    extra = 0
    fields = ["shown", "upload", "alt_text", "credit", "position"]
    readonly_fields = ["shown"]

    @admin.display(description=_("picture"))
    def shown(self, picture):
        if not picture.pk:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" width="240" height="{}">',
            picture.display_url,
            picture.alt_text,
            round(240 * picture.height / picture.width),
        )


@admin.register(ContactMessage)
class ContactMessageAdmin(MunicipalityConfinementMixin, RelayedMessageAdmin):
    """The messages visitors sent through the contact forms, for the municipality's records,
    confined to the municipality like everything else."""

    list_display = ["created_at", "sender_name", "sender_email", "project", "sent"]
    list_select_related = ["project"]
    fields = [
        "created_at", "sender_name", "sender_email", "project", "recipients", "sent", "message"
    ]
    readonly_fields = fields
