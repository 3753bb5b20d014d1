"""Projects to and from CSV and XLSX files, for import and export in the admin.

One row per project, matched by `slug`. Related records are named by their codes, several
joined with ";": partner countries by ISO code (SE;LV), goals by number (4;11), funders and
units by slug. A coordinator's file is confined to their municipality: its `municipality`
column is ignored, a slug belonging to another municipality's project is refused, and only
their own units may be named.

These columns are not the public export's (projects/exports.py `SCHEMA`), and are not derived
from it: a file is edited and imported back, so it holds what a coordinator writes (summary,
description, language, publication, the paused flag, drafts too) and names related records by
the codes the import looks up, where the public export holds names and labels in the reader's
language, the derived status and the page's URL. What both share is how text becomes a
spreadsheet cell: `exports.spreadsheet_text`, undone on import by `exports.restore_neutralised`.
"""

from decimal import InvalidOperation

import reversion
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from projects.exports import restore_neutralised, spreadsheet_text
from projects.models import Project
from registry.admin_history import IMPORTED_FROM
from registry.models import Country, Funder, Goal, Municipality, Organisation

COLUMNS = (
    "slug",
    "title",
    "summary",
    "description",
    "language",
    "type",
    "start_year",
    "end_year",
    "paused",
    "partner_countries",
    "goals",
    "funders",
    "units",
    "website",
    "publication",
    "municipality",
)


def column_label(column):
    """What a file column holds, in the reader's language: the name of the project's field
    it sets. The column's own name is the file format's and stays in English."""
    field = ProjectResource.fields[column]
    return capfirst(Project._meta.get_field(field.attribute).verbose_name)


def file_columns():
    """The file's columns in order, each with its label: [(column, label)]."""
    return [(column, column_label(column)) for column in COLUMNS]


class YearWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (InvalidOperation, ValueError):
            raise ValueError(gettext("“%(value)s” is not a year.") % {"value": value}) from None


class MunicipalityWidget(widgets.ForeignKeyWidget):
    def __init__(self):
        super().__init__(Municipality, field="slug")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except Municipality.DoesNotExist:
            raise ValueError(
                gettext("No municipality has the slug “%(slug)s”.") % {"slug": value}
            ) from None


class CodesWidget(widgets.ManyToManyWidget):
    """Related records named by a code and joined with ";". Unlike ManyToManyWidget, which
    drops codes it does not know, an unknown code is an error naming the code."""

    def __init__(self, model, field, unknown, queryset=None, normalise=str, **kwargs):
        """`unknown`: the message naming unknown codes, one per model, since a model's name in
        a generic sentence takes the wrong form in Swedish and Latvian ("Okänd länder")."""
        super().__init__(model, separator=";", field=field, **kwargs)
        self.queryset = queryset
        self.normalise = normalise
        self.unknown = unknown

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return self.model.objects.none()
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a single goal number in an XLSX cell
        wanted = [self.normalise(part.strip()) for part in str(value).split(self.separator)]
        wanted = [code for code in wanted if code]
        pool = self.queryset if self.queryset is not None else self.model.objects.all()
        found = pool.filter(**{f"{self.field}__in": [c for c in wanted if self._valid(c)]})
        known = {str(getattr(obj, self.field)) for obj in found}
        unknown = [code for code in wanted if code not in known]
        if unknown:
            raise ValueError(str(self.unknown) % {"codes": ", ".join(unknown)})
        return found

    def _valid(self, code):
        """False for a code the field cannot even hold, such as "x" for a goal number."""
        try:
            self.model._meta.get_field(self.field).to_python(code)
        except ValidationError:
            return False
        return True


class ProjectResource(resources.ModelResource):
    municipality = fields.Field(
        attribute="municipality", column_name="municipality", widget=MunicipalityWidget()
    )
    # A TextField gets no text widget by default: an empty XLSX cell would become None.
    description = fields.Field(
        attribute="description", column_name="description", widget=widgets.CharWidget()
    )
    start_year = fields.Field(attribute="start_year", column_name="start_year", widget=YearWidget())
    end_year = fields.Field(attribute="end_year", column_name="end_year", widget=YearWidget())
    partner_countries = fields.Field(
        attribute="partner_countries",
        column_name="partner_countries",
        widget=CodesWidget(
            Country, "code", _("Unknown countries: %(codes)s."), normalise=str.upper
        ),
    )
    goals = fields.Field(
        attribute="goals",
        column_name="goals",
        widget=CodesWidget(Goal, "number", _("Unknown goals: %(codes)s.")),
    )
    funders = fields.Field(
        attribute="funders",
        column_name="funders",
        widget=CodesWidget(Funder, "slug", _("Unknown funders: %(codes)s.")),
    )
    units = fields.Field(
        attribute="organisations",
        column_name="units",
        widget=CodesWidget(Organisation, "slug", _("Unknown units: %(codes)s.")),
    )

    class Meta:
        model = Project
        name = _("Projects")
        import_id_fields = ("slug",)
        fields = COLUMNS
        export_order = COLUMNS
        # All or nothing: the whole file runs in one transaction (and the admin also rolls
        # back on validation errors), and full_clean() checks choices, years and URLs.
        use_transactions = True
        clean_model_instances = True

    def __init__(self, municipality=None, **kwargs):
        """`municipality`: the coordinator's municipality, or None for a superuser's import."""
        super().__init__(**kwargs)
        self.municipality = municipality
        if municipality is not None:
            self.fields["units"].widget.queryset = Organisation.objects.filter(
                municipality=municipality
            )

    def get_queryset(self):
        projects = Project.objects.all()
        if self.municipality is not None:
            projects = projects.filter(municipality=self.municipality)
        return projects

    # Import.

    def import_row(self, row, instance_loader, **kwargs):
        # One revision per row, so that reverting or recovering one project later never
        # touches the others that came in the same file.
        with reversion.create_revision():
            user = kwargs.get("user")
            if user is not None and user.is_authenticated:
                reversion.set_user(user)
            # In English, translated when shown (registry/admin_history.py).
            reversion.set_comment(IMPORTED_FROM % {"file": kwargs.get("file_name") or "-"})
            return super().import_row(row, instance_loader, **kwargs)

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            row[column] = restore_neutralised(value)

    def after_init_instance(self, instance, new, row, **kwargs):
        if self.municipality is None:
            return
        slug = row.get("slug")
        if new and slug and Project.objects.filter(slug=str(slug).strip()).exists():
            raise ValidationError(
                {"slug": gettext("“%(slug)s” is another municipality's project.") % {"slug": slug}}
            )
        instance.municipality = self.municipality

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if self.municipality is not None and field.attribute == "municipality":
            return  # a coordinator's projects are always their own municipality's
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        """Also check the ";"-joined columns now, so that an unknown code is reported with the
        row's other errors instead of failing later while saving."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.column_name] = [ValidationError(str(error))]
        if errors:
            raise ValidationError(errors)

    # Export.

    def export_field(self, field, instance, **kwargs):
        # Text as the public export writes it: nothing a spreadsheet would run, nothing an XLSX
        # cannot hold (openpyxl refuses control characters, and the file would not be made).
        value = super().export_field(field, instance, **kwargs)
        return spreadsheet_text(value) if isinstance(value, str) else value
