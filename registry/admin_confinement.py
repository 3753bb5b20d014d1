"""The one place that confines a coordinator to their own municipality in the admin.

A coordinator (a staff user with a `registry.Coordinator` link) keeps the records their
municipality owns and nothing else. Every admin of a municipality-owned model mixes in
`MunicipalityConfinementMixin`, which narrows lists, searches, autocompletes, exports, object
pages, history, revert and recover to the owner's rows, hides the owner field and fills it in
on save. Reference data (countries, goals, funders, municipalities, networks) has plain admins
and is read-only for coordinators by permission. Superusers see and edit everything; a staff
user without a Coordinator link, and not a superuser, sees nothing municipality-owned.

Which models a municipality owns is declared by each app beside its models, in its AppConfig
(apps.py): `municipality_owned` maps a model to the path from its rows to the owning
municipality ("project__municipality"), `reference_models` names what coordinators may look at
and pick. This module finds them through the app registry and names no other app's models.
Plain declarations rather than the `rules` library: every check here follows one path to a
municipality, and lists, searches and reversion's stored versions need that path as a queryset
filter, which a rules predicate (a yes or no for one object) would not give.
"""

import contextvars
import json

import reversion
from django import forms
from django.apps import apps
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.checks import Error
from django.core.exceptions import (
    FieldDoesNotExist,
    ImproperlyConfigured,
    ObjectDoesNotExist,
    PermissionDenied,
)
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext, gettext_lazy
from reversion.admin import VersionAdmin
from reversion.models import Revision, Version

from registry.admin_conflicts import EditConflictMixin
from registry.admin_history import (
    LAST_BEFORE_DELETION,
    RECOVERED_UNDER_SLUG,
    HistoryDiffMixin,
)
from registry.models import Municipality

COORDINATORS_GROUP = "Coordinators"
# The parameter the "+" beside a link declared in `ownerless_links` adds to the add form's
# address, naming the link ("projects.project.partner_organisations"): a coordinator's record
# added there belongs to no municipality.
OWNERLESS_LINK_VAR = "_ownerless_link"


def _declared(model, name, default):
    """What `model`'s app declares in its AppConfig attribute `name`."""
    return getattr(apps.get_app_config(model._meta.app_label), name, default)


def owner_path(model):
    """How `model`'s rows reach the municipality that owns them (e.g. "project__municipality"),
    as its app's `municipality_owned` declares; None when no municipality owns them."""
    return _declared(model, "municipality_owned", {}).get(model._meta.object_name)


def owned_models():
    """Every municipality-owned model of the installed apps."""
    return [model for model in apps.get_models() if owner_path(model)]


def reference_models():
    """The reference data coordinators may look at and pick, but not change, as each app's
    `reference_models` names it."""
    return [
        model
        for model in apps.get_models()
        if model._meta.object_name in _declared(model, "reference_models", ())
    ]


def added_by_coordinators():
    """The reference data coordinators may also add (never change), as each app's
    `added_by_coordinators` names it."""
    return [
        model
        for model in apps.get_models()
        if model._meta.object_name in _declared(model, "added_by_coordinators", ())
    ]


def check_declarations(app_configs=None, **kwargs):
    """A system check: every model an app names in `municipality_owned`, `reference_models` or
    `added_by_coordinators` is one of its models, and each owner path leads to a municipality
    (a typo would leave a model unconfined or the Coordinators group without its permissions)."""
    errors = []
    for config in app_configs or apps.get_app_configs():
        owned = getattr(config, "municipality_owned", {})
        declared = [
            *owned,
            *getattr(config, "reference_models", ()),
            *getattr(config, "added_by_coordinators", ()),
        ]
        for name in declared:
            try:
                model = config.get_model(name)
            except LookupError:
                message = f"{config.label} declares {name!r}, which is not one of its models."
                errors.append(Error(message, obj=config, id="registry.E001"))
                continue
            if name in owned and _end_of(model, owned[name]) is not Municipality:
                message = f"{model._meta.label}: {owned[name]!r} leads to no municipality."
                errors.append(Error(message, obj=config, id="registry.E002"))
    return errors


def _end_of(model, path):
    """The model that `path` (e.g. "project__municipality") leads to from `model`, or None."""
    for hop in path.split("__"):
        try:
            model = model._meta.get_field(hop).related_model
        except FieldDoesNotExist:
            return None
        if model is None:
            return None
    return model


def coordinator_permissions():
    """Every permission the Coordinators group needs, creating any that are missing (so the
    group can be set up on a database whose permissions were never generated)."""
    actions = ("view", "add", "change", "delete")
    wanted = [(model, action) for model in owned_models() for action in actions]
    wanted += [(model, "view") for model in reference_models()]
    wanted += [(model, "add") for model in added_by_coordinators()]
    permissions = []
    for model, action in wanted:
        content_type = ContentType.objects.get_for_model(model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_{model._meta.model_name}",
            defaults={"name": f"Can {action} {model._meta.verbose_name_raw}"},
        )
        permissions.append(permission)
    return permissions


def coordinators_group():
    """The Coordinators group with exactly the permissions above; safe to call repeatedly."""
    group, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    group.permissions.set(coordinator_permissions())
    return group


def municipality_of(user):
    """The municipality whose records `user` keeps, or None when they have no Coordinator link."""
    try:
        return user.coordinator.municipality
    except (ObjectDoesNotExist, AttributeError):
        return None


def owner_id(obj, path):
    """The primary key of the municipality owning `obj`, following `path` (e.g.
    "project__municipality") through the object's relations; None when a link is empty."""
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, type(obj)._meta.get_field(last).attname)


def version_owner_id(version, revision):
    """The municipality owning the object as it was stored in `version`. A related object that
    the same revision also stores (a deleted project, for its events) is read from there."""
    model = version._model
    path = owner_path(model)
    if path is None:
        return None
    values = version.field_dict
    while True:
        first, _, rest = path.partition("__")
        field = model._meta.get_field(first)
        value = values.get(field.attname)
        if not rest or value is None:
            return value
        model = field.related_model
        sibling = revision.version_set.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=str(value)
        ).first()
        if sibling is None:
            return model._default_manager.filter(pk=value).values_list(rest, flat=True).first()
        values, path = sibling.field_dict, rest


def links_to(obj):
    """The records whose link to `obj` its deletion would empty (a contact's project or unit:
    foreign keys that are set to null), and that belong to the same municipality."""
    owner = owner_id(obj, owner_path(type(obj)) or "")
    linked = []
    for relation in type(obj)._meta.related_objects:
        if relation.many_to_many or relation.on_delete is not models.SET_NULL:
            continue
        path = owner_path(relation.related_model)
        if path is None:
            continue
        for record in relation.related_model._default_manager.filter(**{relation.field.name: obj}):
            if owner_id(record, path) == owner:
                linked.append(record)
    return linked


def link_fields(model, target):
    """The foreign keys of `model` that link to `target` and are emptied when it is deleted."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.many_to_one
        and field.related_model is target
        and field.remote_field.on_delete is models.SET_NULL
    ]


def slug_from(model, text):
    """A slug made from `text` ("Rēzekne Academy" gives "rezekne-academy"), or the first free
    one after it ("rezekne-academy-2"), case ignored; empty when `text` has no letter or digit
    a slug can hold."""
    max_length = model._meta.get_field("slug").max_length
    made = slugify(text.replace("–", " "))[:max_length].strip("-")
    if not made or not model._default_manager.filter(slug__iexact=made).exists():
        return made
    return free_slug(model, made)


def free_slug(model, slug):
    """`slug` with the first free number after it ("bridges-2"), case ignored."""
    max_length = model._meta.get_field("slug").max_length
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = slug[: max_length - len(suffix)] + suffix
        if not model._default_manager.filter(slug__iexact=candidate).exists():
            return candidate
        number += 1


class OwnerlessLinkWrapper(RelatedFieldWidgetWrapper):
    """Django's related-object wrapper whose "+" names the link it stands beside, so that the
    add form knows the record is a partner's, owned by no municipality."""

    def __init__(self, wrapper, link):
        self.__dict__.update(wrapper.__dict__)
        self.link = link

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["url_params"] += "&" + urlencode({OWNERLESS_LINK_VAR: self.link})
        return context


class NewSlugForm(forms.Form):
    def __init__(self, model, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = model
        max_length = model._meta.get_field("slug").max_length
        self.fields["slug"] = forms.SlugField(label=gettext_lazy("New slug"), max_length=max_length)

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if self.model._default_manager.filter(slug__iexact=slug).exists():
            raise forms.ValidationError(
                gettext_lazy("This slug is taken too, perhaps in other capital or small letters.")
            )
        return slug


class MunicipalityConfinementMixin(HistoryDiffMixin, EditConflictMixin):
    """Confines a ModelAdmin of a municipality-owned model to the coordinator's municipality.
    Its change forms also refuse to set back someone else's edit (registry.admin_conflicts).

    Mix it in before `VersionAdmin` (and before import-export's mixins): it narrows the
    queryset everything else starts from, and guards the views that do not (revert, recover).
    """

    @property
    def owner_path(self):
        path = owner_path(self.model)
        if path is None:
            raise ImproperlyConfigured(
                f"{self.model._meta.label} is confined but its app declares no owner path "
                "in `municipality_owned`."
            )
        return path

    @property
    def owner_field(self):
        """The owner field on the model itself, hidden from and filled in for coordinators."""
        return None if "__" in self.owner_path else self.owner_path

    # Who is confined to what.

    def is_confined(self, request):
        return not request.user.is_superuser

    # Links a coordinator may make to records that no municipality owns, by field name: a
    # project's partner organisations abroad are organisations without a municipality.
    ownerless_links = ()

    def adds_ownerless(self, request):
        """True on a coordinator's add form opened by the "+" beside a link whose admin
        declares it in `ownerless_links` (a project's partner organisations): the record added
        there belongs to no municipality. Anywhere else what they add is their municipality's."""
        match = request.resolver_match
        opts = self.model._meta
        if (
            not self.is_confined(request)
            or not self.owner_field
            or match is None
            or match.url_name != f"{opts.app_label}_{opts.model_name}_add"
        ):
            return False
        app_label, _, rest = request.GET.get(OWNERLESS_LINK_VAR, "").partition(".")
        model_name, _, field_name = rest.partition(".")
        try:
            source = apps.get_model(app_label, model_name)
            field = source._meta.get_field(field_name)
        except (LookupError, ValueError, FieldDoesNotExist):
            return False
        source_admin = self.admin_site._registry.get(source)
        return field.related_model is self.model and field_name in getattr(
            source_admin, "ownerless_links", ()
        )

    def confine(self, request, queryset):
        """`queryset` narrowed to what the request's user may see."""
        if not self.is_confined(request):
            return queryset
        if self._autocompletes_ownerless_link(request):
            return queryset.filter(**{f"{self.owner_path}__isnull": True})
        municipality = municipality_of(request.user)
        if municipality is None:
            return queryset.none()
        return queryset.filter(**{self.owner_path: municipality})

    def owns(self, request, obj):
        if not self.is_confined(request):
            return True
        municipality = municipality_of(request.user)
        return municipality is not None and owner_id(obj, self.owner_path) == municipality.pk

    # Lists, searches, autocomplete (which calls the target admin's get_queryset and
    # get_search_results), exports and object pages.

    def get_queryset(self, request):
        return self.confine(request, super().get_queryset(request))

    def _autocompletes_ownerless_link(self, request):
        """True for the autocomplete of a link its admin declares in `ownerless_links`."""
        if request.resolver_match is None or request.resolver_match.url_name != "autocomplete":
            return False
        try:
            source = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        except (KeyError, LookupError):
            return False
        source_admin = self.admin_site._registry.get(source)
        return request.GET.get("field_name") in getattr(source_admin, "ownerless_links", ())

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return self.confine(request, queryset), may_have_duplicates

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and self.is_confined(request):
            # Another municipality's record looks exactly like a missing one.
            raise Http404
        return obj

    # Permissions: the model permission, and for a given object, that it is theirs.

    def has_add_permission(self, request):
        return super().has_add_permission(request) and (
            not self.is_confined(request) or municipality_of(request.user) is not None
        )

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            obj is None or self.owns(request, obj)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or self.owns(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or self.owns(request, obj)
        )

    # Forms: no owner field for coordinators, and only their own records to link to.

    def get_exclude(self, request, obj=None):
        exclude = super().get_exclude(request, obj)
        if self.is_confined(request) and self.owner_field:
            exclude = [*(exclude or ()), self.owner_field]
        return exclude

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.is_confined(request):
            fields = [name for name in fields if name != self.owner_field]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.is_confined(request) or not self.owner_field:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != self.owner_field]})
            for name, options in fieldsets
        ]

    def _confined_choices(self, db_field, request):
        """The records a coordinator may link to through `db_field`, or None when the target
        is reference data (any country, goal, funder or partner municipality will do)."""
        if not self.is_confined(request):
            return None
        if db_field.name in self.ownerless_links:
            path = owner_path(db_field.related_model)
            return db_field.related_model._default_manager.filter(**{f"{path}__isnull": True})
        try:
            target_admin = self.admin_site.get_model_admin(db_field.related_model)
        except NotRegistered:
            return None
        if not isinstance(target_admin, MunicipalityConfinementMixin):
            return None
        return target_admin.confine(request, db_field.related_model._default_manager.all())

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.ownerless_links and isinstance(
            getattr(formfield, "widget", None), RelatedFieldWidgetWrapper
        ):
            opts = self.model._meta
            link = f"{opts.app_label}.{opts.model_name}.{db_field.name}"
            formfield.widget = OwnerlessLinkWrapper(formfield.widget, link)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self._confined_choices(db_field, request)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = self._confined_choices(db_field, request)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not self.is_confined(request):
            return form
        municipality = municipality_of(request.user)
        if self.owner_field and municipality is not None and not self.adds_ownerless(request):
            form = self._owned_form(form, self.owner_field, municipality)
        if obj is None:
            return form
        # A link a superuser made to another municipality's unit stays valid, so that saving
        # the record does not silently drop it; the coordinator still cannot add such links.
        for name, formfield in form.base_fields.items():
            kept = self._linked_pks(obj, name)
            if kept and getattr(formfield, "queryset", None) is not None:
                model = formfield.queryset.model
                formfield.queryset = model._default_manager.filter(
                    Q(pk__in=formfield.queryset.values("pk")) | Q(pk__in=kept)
                )
        return form

    @staticmethod
    def _owned_form(form, owner_field, municipality):
        """`form` with the hidden owner filled in before validation, so that a constraint
        such as "one contact name per municipality" is a form error, not a database error."""

        class OwnedForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                setattr(self.instance, owner_field, municipality)

            def _get_validation_exclusions(self):
                # Django skips fields that are not in the form; this one is set just above.
                exclusions = super()._get_validation_exclusions()
                exclusions.discard(owner_field)
                return exclusions

        OwnedForm.__name__ = form.__name__
        return OwnedForm

    def _linked_pks(self, obj, name):
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return []
        if not field.is_relation or field.related_model is None:
            return []
        if owner_path(field.related_model) is None:
            return []
        if field.many_to_many:
            return list(getattr(obj, name).values_list("pk", flat=True))
        value = getattr(obj, field.attname, None)
        return [] if value is None else [value]

    def save_model(self, request, obj, form, change):
        if self.is_confined(request):
            municipality = municipality_of(request.user)
            if municipality is None:
                raise PermissionDenied
            if not change and self.adds_ownerless(request):
                setattr(obj, self.owner_field, None)
            elif self.owner_field:
                setattr(obj, self.owner_field, municipality)
            elif not self.owns(request, obj):
                raise PermissionDenied
        super().save_model(request, obj, form, change)

    # The delete page lists what goes with the record, but not the rows of many-to-many links
    # ("Project-partner country relationship: Project_partner_countries object (95)"): a
    # link is no record, and the record's page names its links already.

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        links = [m for m in apps.get_models(include_auto_created=True) if m._meta.auto_created]
        names = {str(capfirst(m._meta.verbose_name_plural)) for m in links}
        names |= {str(m._meta.verbose_name_plural) for m in links}
        prefixes = tuple(f"{capfirst(m._meta.verbose_name)}: " for m in links)

        def without_links(items):
            kept = []
            for item in items:
                if isinstance(item, list):
                    item = without_links(item)
                    if item:
                        kept.append(item)
                elif not str(item).startswith(prefixes):
                    kept.append(item)
            return kept

        model_count = {name: count for name, count in model_count.items() if name not in names}
        return without_links(to_delete), model_count, perms_needed, protected

    # Deleting keeps a last version, so "Recover deleted" works for records nobody ever
    # edited in the admin (seeded ones have no history).

    def delete_model(self, request, obj):
        self._remember_before_delete(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._remember_before_delete(request, list(queryset))
        super().delete_queryset(request, queryset)

    def _remember_before_delete(self, request, objects):
        comment = LAST_BEFORE_DELETION  # in English, translated when shown

        def remember(obj):
            with reversion.create_revision():
                reversion.set_user(request.user)
                reversion.set_comment(comment)
                reversion.add_to_revision(obj)
                # The links the deletion empties (a contact's project), so that recovering
                # the record restores them (the recovery restores only those links).
                for record in links_to(obj):
                    reversion.add_to_revision(record)

        for obj in objects:
            # One revision per object, so recovering one never brings back the others. A fresh
            # context because the bulk delete action runs inside the changelist's revision,
            # which would only keep versions of rows that still exist when it closes.
            contextvars.Context().run(remember, obj)

    # History, revert and recover (django-reversion). Reverting restores a whole revision, so
    # a coordinator may only revert or recover a revision whose every object is theirs.

    def history_view(self, request, object_id, extra_context=None):
        if self.is_confined(request):
            self.get_object(request, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if self.is_confined(request):
            obj = self.get_object(request, unquote(object_id))
            version = get_object_or_404(Version.objects.get_for_object(obj), pk=version_id)
            self._check_revision(request, version.revision)
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        version = get_object_or_404(Version.objects.get_for_model(self.model), pk=version_id)
        if self.is_confined(request):
            self._check_revision(request, version.revision)
        if self._slug_taken(version):
            return self._recover_under_another_slug(request, version)
        with transaction.atomic(using=version.db):
            linked = self._linked_records(version)
            response = super().recover_view(request, version_id, extra_context)
            if request.method == "POST" and response.status_code == 302:
                self._restore_links_only(version, linked)
                self._drop_links_to_deleted(version)
        return response

    # Recovering restores the links the deletion emptied (a contact's project), and nothing
    # else of the linked records: what was edited or deleted since stays so.

    def _linked_records(self, version):
        """For each record the revision holds as a link to the recovered one: the record as it
        is now (None when it has been deleted since), and its link fields."""
        linked = []
        for stored in version.revision.version_set.exclude(pk=version.pk):
            fields = link_fields(stored._model, self.model)
            if fields:
                now = stored._model._default_manager.filter(pk=stored.object_id).first()
                linked.append((stored._model, stored.object_id, now, fields))
        return linked

    def _restore_links_only(self, version, linked):
        for model, pk, now, fields in linked:
            rows = model._default_manager.filter(pk=pk)
            if now is None:
                rows.delete()  # deleted on purpose since: stays deleted
                continue
            values = {
                field.attname: getattr(now, field.attname)
                for field in model._meta.concrete_fields
                if not field.primary_key and field not in fields
            }
            for field in fields:
                if getattr(now, field.attname) is not None:
                    values[field.attname] = getattr(now, field.attname)  # linked elsewhere since
            rows.update(**values)

    def _drop_links_to_deleted(self, version):
        """Leaves out the recovered record's many-to-many links to records deleted since (a
        unit): the stored version still names them, and the database would refuse the row."""
        for field in self.model._meta.many_to_many:
            through = field.remote_field.through._default_manager
            target = f"{field.m2m_reverse_field_name()}_id"
            through.filter(**{f"{field.m2m_field_name()}_id": version.object_id}).exclude(
                **{f"{target}__in": field.related_model._base_manager.values("pk")}
            ).delete()

    # A recovery whose slug another record has taken since offers to pick another.

    def _slug_taken(self, version):
        slug = version.field_dict.get("slug") if self._has_slug() else None
        if not slug:
            return False
        others = self.model._default_manager.filter(slug__iexact=slug)
        return others.exclude(pk=version.object_id).exists()

    def _has_slug(self):
        try:
            self.model._meta.get_field("slug")
        except FieldDoesNotExist:
            return False
        return True

    def _recover_under_another_slug(self, request, version):
        if not self.has_add_permission(request):
            raise PermissionDenied
        slug = version.field_dict["slug"]
        data = request.POST if request.method == "POST" and "slug" in request.POST else None
        form = NewSlugForm(self.model, data, initial={"slug": free_slug(self.model, slug)})
        if form.is_valid():
            copy = self._copy_with_slug(request, version, form.cleaned_data["slug"])
            opts = self.model._meta
            url = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_recover"
            return HttpResponseRedirect(reverse(url, args=[quote(copy.pk)]))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": gettext("Recover %(name)s") % {"name": version.object_repr},
            "slug": slug,
            "form": form,
            "version": version,
        }
        return TemplateResponse(request, "admin/recover_slug_taken.html", context)

    def _copy_with_slug(self, request, version, slug):
        """A copy of the deleted record's last revision in which it has `slug`: the recovery
        goes on from it (and the recover list names it from now on)."""
        with transaction.atomic(using=version.db):
            revision = Revision.objects.create(
                date_created=timezone.now(),
                user=request.user,
                comment=RECOVERED_UNDER_SLUG % {"slug": slug},  # translated when shown
            )
            copy = None
            for stored in version.revision.version_set.all():
                is_recovered = stored.pk == version.pk
                stored.pk = None
                stored.revision = revision
                if is_recovered:
                    data = json.loads(stored.serialized_data)
                    data[0]["fields"]["slug"] = slug
                    stored.serialized_data = json.dumps(data)
                stored.save()
                if is_recovered:
                    copy = stored
        return copy

    def recoverlist_view(self, request, extra_context=None):
        if self.is_confined(request):
            municipality = municipality_of(request.user)
            deleted = (
                Version.objects.get_deleted(self.model)
                .select_related("revision")
                .order_by(*self.get_version_ordering(request))
            )
            extra_context = {
                **(extra_context or {}),
                "deleted": [
                    version
                    for version in deleted
                    if municipality is not None
                    and version_owner_id(version, version.revision) == municipality.pk
                ],
            }
        return super().recoverlist_view(request, extra_context)

    def _check_revision(self, request, revision):
        municipality = municipality_of(request.user)
        for version in revision.version_set.all():
            if municipality is None or version_owner_id(version, revision) != municipality.pk:
                raise Http404


class MunicipalityConfinedAdmin(MunicipalityConfinementMixin, VersionAdmin):
    """A confined admin with history, revert and recover."""
