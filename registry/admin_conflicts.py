"""Edits are never lost silently: a change form saved after someone else saved the same record
answers with a conflict page instead of setting their edit back.

The change form carries the version of what it shows (a hidden `_edit_version` field): a
fingerprint of the stored values of the form's own fields, for the record and for each inline
row (a project's events). Saving locks the record and those rows (`select_for_update()` on
PostgreSQL; on SQLite the database's write lock, so saves take turns) and compares their
fingerprints with the form's, in the save's own transaction: of two simultaneous saves of one
form version, exactly one is stored.

On a conflict nothing is saved. The page answers 409 Conflict: the change form with what the
user typed, a form error saying what happened, and a table per changed row of what is stored
now next to what they typed; it carries the new version, so saving it again stores what the
form then holds.

A fingerprint of the form's fields rather than a version column: it needs no field or
migration on any model, covers inline rows and many-to-many links (which change no column of
the record), and ignores changes to fields the form does not show, which a save does not set
back anyway (it writes the fields not in the form as they are stored at that moment).
django-concurrency was considered; docs/admin.md says why it is not used.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import F, Model, QuerySet
from django.forms.models import model_to_dict
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

VERSION_FIELD = "_edit_version"
RECORD = ""  # The key of the record itself; inline rows are "<app>.<model>:<pk>".

CONFLICT_MESSAGE = _(
    "Someone else saved this record after you opened it, so nothing has been saved yet. "
    "Compare the versions above, correct the form where needed, then save again."
)


def row_key(instance):
    return f"{instance._meta.label_lower}:{instance.pk}"


def fingerprint(values):
    """A short digest of a row's form values (as `model_to_dict` gives them: many-to-many
    links as lists of objects), the same for equal values whoever computes it."""
    plain = {
        name: sorted(str(item.pk) for item in value)
        if isinstance(value, list) and all(isinstance(item, Model) for item in value)
        else value
        for name, value in values.items()
    }
    digest = hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:24]


def stored_version(instance, field_names):
    return fingerprint(model_to_dict(instance, fields=field_names))


def shown_version(form):
    """The version of what `form` shows: its initial values, read from the database when it
    was made (so computing it costs no query)."""
    names = list(type(form).base_fields)
    return fingerprint({name: form.initial[name] for name in names if name in form.initial})


@dataclass
class Conflict:
    """The rows stored differently from the form's version (None where a row was deleted),
    and the version the conflict page's form carries: what is stored now."""

    changed: dict
    version: dict


class EditConflictMixin:
    """Detects a stale change form in a ModelAdmin and answers with the conflict page.

    Composed into registry.admin_confinement.MunicipalityConfinementMixin, so every admin of a
    municipality-owned record has it; a model declares nothing for it.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        checked = (
            request.method == "POST"
            and object_id is not None
            and VERSION_FIELD in request.POST
            and "_saveasnew" not in request.POST
        )
        if not checked:
            return super().changeform_view(request, object_id, form_url, extra_context)
        # One transaction from the lock to the save: Django's own (inside) is a savepoint.
        with transaction.atomic(using=router.db_for_write(self.model)):
            request.edit_conflict = self._find_conflict(request, unquote(object_id))
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _find_conflict(self, request, object_id):
        """The Conflict between the posted version and the stored rows, locked until the end of
        the transaction; None when they agree (or when the record is not there: the change
        view then answers as it always does)."""
        try:
            posted = json.loads(request.POST[VERSION_FIELD])
            obj = self._locked(request, self.model._base_manager.filter(pk=object_id))
        except (ValueError, TypeError, ValidationError):
            return None
        if obj is None or not isinstance(posted, dict) or RECORD not in posted:
            return None
        stored = {RECORD: (obj, self._field_names(self.get_form(request, obj, change=True)))}
        for formset, _inline in self.get_formsets_with_inlines(request, obj):
            model, names = formset.model, self._field_names(formset.form)
            prefix = f"{model._meta.label_lower}:"
            pks = [key.removeprefix(prefix) for key in posted if key.startswith(prefix)]
            try:
                rows = model._base_manager.select_for_update().filter(pk__in=pks).order_by("pk")
                stored |= {row_key(row): (row, names) for row in rows}
            except (ValueError, ValidationError):
                continue
        current = {key: stored_version(row, names) for key, (row, names) in stored.items()}
        changed = {
            key: stored[key][0] if key in stored else None
            for key, version in posted.items()
            if current.get(key) != version
        }
        if not changed:
            return None
        return Conflict(changed=changed, version={k: v for k, v in current.items() if k in posted})

    def _locked(self, request, rows):
        """The record in `rows`, locked until the end of the transaction. SQLite has no
        SELECT … FOR UPDATE: there an update that changes nothing, as the transaction's first
        statement, takes the database's write lock, waiting (the busy timeout in
        settings.database) for a save under way instead of failing with "database is locked"
        as a transaction that read first and then writes would."""
        if connections[rows.db].vendor == "sqlite":
            pk = rows.model._meta.pk.name
            rows.update(**{pk: F(pk)})
        return rows.select_for_update().first()

    @staticmethod
    def _field_names(form_class):
        return list(form_class.base_fields)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if getattr(request, "edit_conflict", None) is None:
            return form

        class ConflictForm(form):
            """The form as posted, refused as a whole so that the admin shows it again with
            what the user typed, inline rows included, and saves nothing."""

            def clean(self):
                super().clean()
                raise ValidationError(CONFLICT_MESSAGE, code="edit_conflict")

        ConflictForm.__name__ = form.__name__
        return ConflictForm

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        conflict = getattr(request, "edit_conflict", None)
        if conflict is not None:
            context["edit_version"] = json.dumps(conflict.version)
            context["edit_conflict"] = self._conflict_tables(conflict, context)
        elif change and not (context.get("revert") or context.get("recover")):
            # Reverting and recovering set a record to an old version on purpose: not checked.
            if request.method == "POST":
                # A form refused for another reason keeps the version it was opened with.
                context["edit_version"] = request.POST.get(VERSION_FIELD)
            else:
                context["edit_version"] = json.dumps(self._shown_version(context))
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if conflict is not None:
            response.status_code = 409
        return response

    def _shown_version(self, context):
        """The version of what the change form in `context` shows, the record's and each
        inline row's."""
        version = {RECORD: shown_version(context["adminform"].form)}
        for inline in context.get("inline_admin_formsets", []):
            for inline_form in inline.formset.initial_forms:
                if inline_form.instance.pk is not None:
                    version[row_key(inline_form.instance)] = shown_version(inline_form)
        return version

    def _conflict_tables(self, conflict, context):
        """For each row stored differently: its name and, field by field where they differ,
        what is stored now and what the user typed."""
        forms = {RECORD: context["adminform"].form}
        for inline in context.get("inline_admin_formsets", []):
            formset = inline.formset
            pk_name = formset.model._meta.pk.name
            for inline_form in formset.initial_forms:
                posted_pk = inline_form[pk_name].data if pk_name in inline_form.fields else None
                forms[f"{formset.model._meta.label_lower}:{posted_pk}"] = inline_form
        tables = []
        for key, stored in conflict.changed.items():
            form = forms.get(key)
            if stored is None:
                tables.append({"deleted": True, "title": self._deleted_title(key, form)})
                continue
            title = f"{capfirst(stored._meta.verbose_name)}: {stored}"
            fields = [] if form is None else differences(stored, form)
            tables.append({"deleted": False, "title": title, "fields": fields})
        return tables

    @staticmethod
    def _deleted_title(key, form):
        if form is None:
            return key
        return capfirst(form.instance._meta.verbose_name)


def differences(stored, form):
    """The fields of bound `form` where what was typed differs from what `stored` holds."""
    initial = model_to_dict(stored, fields=list(form.fields))
    rows = []
    for name, formfield in form.fields.items():
        if name not in initial:
            continue
        data = form[name].data
        if not formfield.has_changed(initial[name], data):
            continue
        try:
            typed = formfield.clean(data)
        except ValidationError:
            typed = data
        model_field = stored._meta.get_field(name)
        value = getattr(stored, name)
        if model_field.many_to_many:
            value = list(value.all())
        rows.append(
            {
                "label": capfirst(formfield.label or model_field.verbose_name),
                "stored": shown(model_field, value),
                "typed": shown(model_field, typed),
            }
        )
    return rows


def shown(model_field, value):
    """`value` of `model_field` as the conflict page shows it."""
    if isinstance(value, QuerySet):
        value = list(value)
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime.date | datetime.time):
        return formats.localize(value)
    return str(value)
