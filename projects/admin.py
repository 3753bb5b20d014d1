"""Admin for projects, their events, contacts and strategies: what coordinators work in.

Every admin here is confined to the coordinator's municipality by
`registry.admin_confinement.MunicipalityConfinementMixin` and keeps a history with
django-reversion.
"""

import reversion
from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ExportActionMixin, ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import SelectableFieldsExportForm
from import_export.results import RowResult
from reversion.admin import VersionAdmin

from projects.admin_forms import EventAdminForm, ProjectFormMixin
from projects.admin_preview import DraftPreviewMixin
from projects.admin_record import (
    FunderReferenceInline,
    GrantInline,
    PictureInline,
    ResultInline,
)
from projects.models import (
    Contact,
    Event,
    EventTranslation,
    FunderReference,
    Grant,
    Project,
    ProjectFunder,
    ProjectGoal,
    ProjectSource,
    ProjectTranslation,
    Result,
    Strategy,
    StrategyItem,
    StrategyItemTranslation,
)
from projects.resources import ProjectResource, column_label, file_columns
from registry.admin_confinement import (
    MunicipalityConfinedAdmin,
    MunicipalityConfinementMixin,
    municipality_of,
)
from registry.admin_translations import TranslationInline
from registry.translations import INTO_LANGUAGE, municipality_language

# Reverting a project also restores its events; an event or item is versioned on its own too.
reversion.register(EventTranslation)
reversion.register(Event, follow=["translations"])
reversion.register(ProjectFunder)
reversion.register(ProjectGoal)
reversion.register(ProjectSource)
reversion.register(Grant)
reversion.register(FunderReference)
reversion.register(Result)
reversion.register(ProjectTranslation)
reversion.register(
    Project,
    follow=[
        "translations",
        "events",
        "projectfunder_set",
        "projectgoal_set",
        "citations",
        "grants",
        "funder_references",
        "results",
    ],
)
# Pictures are not versioned: their files are deleted with them, so an old version would
# point at files that are gone.
reversion.register(StrategyItemTranslation)
reversion.register(StrategyItem, follow=["translations"])
reversion.register(Strategy, follow=["items"])
reversion.register(Contact)


class StatusFilter(admin.SimpleListFilter):
    """The status is derived from the years and the paused flag, never stored."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Project.Status.choices

    def queryset(self, request, queryset):
        if self.value() in Project.Status.values:
            return queryset.with_status(self.value())
        return queryset


def a_year_before(day):
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


class ReviewFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("stale", _("Not reviewed for 12 months"))]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            cutoff = a_year_before(timezone.localdate())
            return queryset.filter(Q(reviewed_on__isnull=True) | Q(reviewed_on__lte=cutoff))
        return queryset


class LinkFilter(admin.SimpleListFilter):
    """The projects linked to one value of the relation `link` (a goal, a funder…), or, for a
    many-to-many link, to none.

    Django's RelatedOnlyFieldListFilter costs what the whole registry does on every view: its
    choices come from a DISTINCT over every project's links, and filtering by a many-to-many
    join makes the list DISTINCT too, sorting every matching project. Here the list is filtered
    by a subquery, which repeats no project, and the choices are still only the values some
    project in the list has: for someone who sees every project (a superuser) one index probe
    per value, for a coordinator a read of their own municipality's projects' links."""

    link = None
    EMPTY = "none"

    def __init__(self, request, params, model, model_admin):
        self.field = model._meta.get_field(self.link)
        self.title = self.field.verbose_name
        super().__init__(request, params, model, model_admin)

    def _links(self):
        """The rows naming a project and a value (`column`), and the project's column."""
        if self.field.many_to_many:
            through = self.field.remote_field.through
            return through.objects, self.field.m2m_reverse_field_name(), "project"
        return self.field.model.objects, self.field.name, "pk"

    def lookups(self, request, model_admin):
        links, column, project = self._links()
        if model_admin.is_confined(request):
            listed = links.filter(**{f"{project}__in": model_admin.get_queryset(request)})
            linked = Q(pk__in=listed.values(column))
        else:
            linked = Q(Exists(links.filter(**{column: OuterRef("pk")})))
        try:
            related_admin = model_admin.admin_site.get_model_admin(self.field.related_model)
            ordering = related_admin.get_ordering(request)
        except NotRegistered:
            ordering = ()
        choices = self.field.get_choices(
            include_blank=False, ordering=ordering, limit_choices_to=linked
        )
        if self.field.many_to_many:
            choices.append((self.EMPTY, model_admin.get_empty_value_display()))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        links, column, project = self._links()
        if value == self.EMPTY and self.field.many_to_many:
            return queryset.exclude(Exists(links.filter(project=OuterRef("pk"))))
        try:
            if not self.field.many_to_many:
                return queryset.filter(**{column: value})
            return queryset.filter(pk__in=links.filter(**{column: value}).values(project))
        except (ValueError, ValidationError) as error:
            raise IncorrectLookupParameters(error) from error


class GoalFilter(LinkFilter):
    link = "goals"
    parameter_name = "goal"


class PartnerCountryFilter(LinkFilter):
    link = "partner_countries"
    parameter_name = "country"


class FunderFilter(LinkFilter):
    link = "funders"
    parameter_name = "funder"


class MunicipalityFilter(LinkFilter):
    link = "municipality"
    parameter_name = "municipality"


class UntranslatedFilter(admin.SimpleListFilter):
    """The projects with no translation into a language, other than the original's: what a
    coordinator still has to translate."""

    title = _("lacks a translation")
    parameter_name = "untranslated"

    def lookups(self, request, model_admin):
        return [(code, INTO_LANGUAGE[code]) for code in Project.Language.values]

    def queryset(self, request, queryset):
        language = self.value()
        if language not in Project.Language.values:
            return queryset
        translated = ProjectTranslation.objects.filter(project=OuterRef("pk"), language=language)
        return queryset.exclude(language=language).exclude(Exists(translated))


class EventInline(admin.StackedInline):
    model = Event
    form = EventAdminForm
    # An event's translations are on its own page (an inline cannot hold another).
    show_change_link = True
    fields = [("title", "kind"), ("date", "time", "date_note"), "place", "description", "url"]

    def get_extra(self, request, obj=None, **kwargs):
        # A new project's form has one empty event ready (left empty, it adds none).
        return 1 if obj is None else 0


class ProjectTranslationInline(TranslationInline):
    """The title, summary and description in another language, one row per language, with who
    translated them and who reviewed them (registry/translations.py); the public page shows the
    visitor's language and labels a machine or unreviewed translation."""

    model = ProjectTranslation
    fields = [
        "language",
        "title",
        "summary",
        "description",
        ("translated_by", "machine"),
        ("reviewed_by", "reviewed_on"),
    ]

    def original_language(self, request, obj):
        if obj is not None:
            return obj.language
        # A new project's original language starts as its municipality's (ProjectFormMixin).
        return municipality_language(municipality_of(request.user))


class EventTranslationInline(TranslationInline):
    """An event's title and description in another language than its project's."""

    model = EventTranslation
    fields = [
        "language",
        "title",
        "description",
        ("translated_by", "machine"),
        ("reviewed_by", "reviewed_on"),
    ]


class ProjectSourceInline(admin.TabularInline):
    """The sources the project rests on; its "confirmed as of" date follows their dates."""

    model = ProjectSource
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["source", "locator"]


class ProjectFunderInline(admin.TabularInline):
    """Each funder with how it is known: an assumed one says why (staff only)."""

    model = ProjectFunder
    extra = 0
    autocomplete_fields = ["funder"]
    fields = ["funder", "scope", "basis", "basis_note"]


class ProjectGoalInline(admin.TabularInline):
    model = ProjectGoal
    extra = 0
    autocomplete_fields = ["goal"]
    fields = ["goal", "basis", "basis_note"]


class ProjectExportForm(SelectableFieldsExportForm):
    """The export's choice of columns, each named in the reader's language with the column's
    own name (the file's, in English) beside it, instead of the column name title-cased."""

    def _get_field_label(self, resource, field_name):
        label = str(column_label(field_name))
        return label if field_name in label.lower() else f"{label} ({field_name})"


@admin.register(Project)
class ProjectAdmin(
    ProjectFormMixin,
    DraftPreviewMixin,
    MunicipalityConfinementMixin,
    ImportExportMixin,
    ExportActionMixin,
    VersionAdmin,
):
    list_display = [
        "title", "units", "years", "status", "publication", "reviewed_on", "languages"
    ]
    list_filter = [
        StatusFilter,
        UntranslatedFilter,
        GoalFilter,
        PartnerCountryFilter,
        FunderFilter,
        "type",
        "publication",
        ReviewFilter,
    ]
    list_select_related = ["municipality"]
    # Django counts the list twice, filtered and in all; the count in all ("of 300 000") would
    # read every project on each view of a filtered list.
    show_full_result_count = False
    search_fields = ["title", "summary", "organisations__name"]
    search_help_text = _(
        "Searches titles, summaries and descriptions in every language, units and "
        "municipalities."
    )
    autocomplete_fields = [
        "municipality",
        "organisations",
        "partner_municipalities",
        "partner_countries",
        "partner_organisations",
        "networks",
    ]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title", "slug", "municipality", "summary", "description", "language", "type"
                ]
            },
        ),
        (
            _("Period"),
            {"fields": [("start_year", "end_year"), "period_note", "paused", "extension_note"]},
        ),
        (
            _("Partners, goals and funding"),
            {
                "fields": [
                    "organisations",
                    "partner_municipalities",
                    "partner_countries",
                    "partner_organisations",
                    "networks",
                    "reach",
                ]
            },
        ),
        (_("Publication"), {"fields": ["publication", "reviewed_on", "website", "source"]}),
    ]
    inlines = [
        ProjectTranslationInline,
        ProjectSourceInline,
        ProjectFunderInline,
        FunderReferenceInline,
        GrantInline,
        ProjectGoalInline,
        EventInline,
        ResultInline,
        PictureInline,
    ]
    actions = ["publish", "unpublish", "mark_reviewed"]
    # Partner organisations are bodies outside any municipality: any of them may be picked.
    ownerless_links = ("partner_organisations",)

    # Import and export (django-import-export), confined like everything else.
    resource_classes = [ProjectResource]
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    to_encoding = "utf-8-sig"  # so that Excel opens a CSV with å, ä, ö and ē intact
    show_change_form_export = False
    import_template_name = "admin/projects/project/import.html"


    def get_search_results(self, request, queryset, search_term):
        # The public search's folded text, so "rezekne" finds "Rēzekne" here too, in the
        # list's own order (the columns say which, and its index serves it).
        if not search_term.strip():
            return super().get_search_results(request, queryset, search_term)
        return self.confine(request, queryset.search(search_term, ranked=False)), False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("organisations", "translations")

    def get_list_display(self, request):
        if self.is_confined(request):
            return self.list_display
        return [*self.list_display[:1], "municipality", *self.list_display[1:]]

    def get_list_filter(self, request):
        if self.is_confined(request):
            return self.list_filter
        return [*self.list_filter, MunicipalityFilter]

    @admin.display(description=_("units"))
    def units(self, project):
        return ", ".join(unit.name for unit in project.organisations.all())

    @admin.display(description=_("languages"))
    def languages(self, project):
        """The original's language, then those it is translated into."""
        names = dict(Project.Language.choices)
        original = _("%(language)s (original)") % {"language": names[project.language]}
        translated = [str(names.get(t.language, t.language)) for t in project.translations.all()]
        return ", ".join([str(original), *translated])

    @admin.display(description=_("years"), ordering="start_year")
    def years(self, project):
        if not project.start_year and not project.end_year:
            return ""
        return f"{project.start_year or ''}–{project.end_year or ''}"

    @admin.display(description=_("status"))
    def status(self, project):
        return project.get_status_display()

    # Actions. Each project is saved on its own (not queryset.update()) so that the history and
    # the admin log record who changed what.

    def _change_each(self, request, queryset, touch=True, **values):
        """Set `values` on each project; `touch` also bumps its "last updated" time. A project
        that already has them is counted but not saved: no version or log entry says it changed."""
        # Stored untranslated, like the change form's log messages ("Changed Publication."),
        # and translated when shown.
        with translation.override(None):
            names = [str(capfirst(Project._meta.get_field(name).verbose_name)) for name in values]
        count = 0
        for project in queryset:
            count += 1
            if all(getattr(project, name) == value for name, value in values.items()):
                continue
            for name, value in values.items():
                setattr(project, name, value)
            project.save(update_fields=[*values, "updated_at"] if touch else list(values))
            self.log_change(request, project, [{"changed": {"fields": names}}])
        return count

    @admin.action(description=_("Publish"), permissions=["change"])
    def publish(self, request, queryset):
        count = self._change_each(request, queryset, publication=Project.Publication.PUBLISHED)
        message = ngettext("%(count)d project published.", "%(count)d projects published.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Unpublish (make draft)"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = self._change_each(request, queryset, publication=Project.Publication.DRAFT)
        message = ngettext(
            "%(count)d project made a draft.", "%(count)d projects made drafts.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Mark reviewed today"), permissions=["change"])
    def mark_reviewed(self, request, queryset):
        # A review is not an update: the public "recently updated" list stays as it was.
        count = self._change_each(
            request, queryset, touch=False, reviewed_on=timezone.localdate()
        )
        message = ngettext(
            "%(count)d project marked reviewed today.",
            "%(count)d projects marked reviewed today.",
            count,
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    # Import: only someone with a municipality (or a superuser), into that municipality only.

    def get_import_context_data(self, **kwargs):
        return {
            **super().get_import_context_data(**kwargs),
            "file_columns": file_columns(),
            "project_languages": Project.Language.values,
            "project_publications": Project.Publication.values,
            "project_types": Project.Type.values,
        }

    def has_import_permission(self, request):
        return super().has_import_permission(request) and self.has_add_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        kwargs = super().get_import_resource_kwargs(request, **kwargs)
        confined = self.is_confined(request)
        return {**kwargs, "municipality": municipality_of(request.user) if confined else None}

    def get_import_data_kwargs(self, **kwargs):
        # A row that fails validation rolls back the whole file, not only that row.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def add_success_message(self, result, request):
        # django-import-export's message counts with a model name in the plural whatever the
        # number ("1 new … projekti"), which reads wrong in Swedish and Latvian.
        new = result.totals[RowResult.IMPORT_TYPE_NEW]
        updated = result.totals[RowResult.IMPORT_TYPE_UPDATE]
        added = ngettext("%(count)d project added", "%(count)d projects added", new)
        changed = ngettext("%(count)d project updated", "%(count)d projects updated", updated)
        message = _("Imported: %(added)s, %(changed)s.") % {
            "added": added % {"count": new},
            "changed": changed % {"count": updated},
        }
        messages.success(request, message)

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The file changed between preview and confirmation; nothing was saved.
            messages.error(
                request,
                _("Nothing was imported: the file has errors. Upload it again to see them."),
            )
            return HttpResponseRedirect(reverse("admin:projects_project_import"))
        return super().process_result(result, request)

    # Export: the changelist's queryset (confined, filtered, searched), with its relations.

    export_form_class = ProjectExportForm

    def get_export_context_data(self, **kwargs):
        return {**super().get_export_context_data(**kwargs), "file_columns": file_columns()}

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).for_list()

    def get_valid_export_item_pks(self, request):
        return self.get_queryset(request).values_list("pk", flat=True)


@admin.register(Event)
class EventAdmin(MunicipalityConfinedAdmin):
    list_display = ["title", "project", "kind", "date", "date_note"]
    list_filter = ["kind"]
    list_select_related = ["project"]
    search_fields = ["title", "project__title", "place"]
    autocomplete_fields = ["project"]
    date_hierarchy = "date"
    inlines = [EventTranslationInline]


@admin.register(Contact)
class ContactAdmin(MunicipalityConfinedAdmin):
    list_display = ["name", "role", "organisation", "contact_project", "is_public"]
    list_filter = ["is_public"]
    list_select_related = ["organisation", "project"]
    search_fields = ["name", "role", "email"]
    autocomplete_fields = ["municipality", "organisation", "project"]

    # The model field has no translated name of its own.
    @admin.display(description=_("project"), ordering="project__title")
    def contact_project(self, contact):
        return contact.project


class StrategyItemInline(admin.TabularInline):
    model = StrategyItem
    extra = 0
    # An item's translations are on its own page (an inline cannot hold another).
    show_change_link = True


class StrategyItemTranslationInline(TranslationInline):
    """A priority area's or aim's text in another language than its strategy's."""

    model = StrategyItemTranslation
    fields = ["language", "text", ("translated_by", "machine"), ("reviewed_by", "reviewed_on")]


@admin.register(StrategyItem)
class StrategyItemAdmin(MunicipalityConfinedAdmin):
    """A strategy's item with its translations; reached from its strategy's form."""

    list_display = ["text", "strategy", "kind", "position"]
    list_filter = ["kind"]
    list_select_related = ["strategy"]
    search_fields = ["text", "strategy__title"]
    autocomplete_fields = ["strategy"]
    inlines = [StrategyItemTranslationInline]


@admin.register(Strategy)
class StrategyAdmin(MunicipalityConfinedAdmin):
    list_display = ["title", "municipality", "network", "start_year", "end_year"]
    list_select_related = ["municipality", "network"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["municipality", "network"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [StrategyItemInline]
