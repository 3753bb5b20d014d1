"""A record's history, field by field: what each version changed, in the reader's language.

django-reversion's history lists versions with the comment stored with each, which says which
fields changed in the words of whoever saved it, at the time ("Ändrade Översikt och End year."
for a Latvian reader), and shows no values. Here each version is compared with the one before
it: every field whose stored value differs is listed under its name in the reader's language,
with the old and the new value as the form would show them (choices by their label, links by
the linked record's name); a text's changes are marked word by word by diff-match-patch
(Google's diff algorithm, also what django-import-export's preview uses); rows that the version
holds with the record (a project's events, its funders) are listed as added, changed or
removed. Comments stored untranslated (Django's change messages, and ours: see
`STORED_COMMENTS`) are translated when shown.
"""

import json
import re
from dataclasses import dataclass

import reversion
from diff_match_patch import diff_match_patch
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import quote, unquote
from django.db import models
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop
from reversion.errors import RevertError
from reversion.models import Version

# Comments stored in English, with their values named, and translated when shown.
INITIAL_VERSION = gettext_noop("Initial version.")
LAST_BEFORE_DELETION = gettext_noop("Last version before deletion.")
IMPORTED_FROM = gettext_noop("Imported from %(file)s.")
RECOVERED_UNDER_SLUG = gettext_noop(
    "Last version before deletion, to recover under the slug %(slug)s."
)
# django-reversion's own, stored translated.
REVERTED = "Reverted to previous version, saved on %(datetime)s"
STORED_COMMENTS = [INITIAL_VERSION, LAST_BEFORE_DELETION, IMPORTED_FROM, RECOVERED_UNDER_SLUG]
EMPTY = "—"


@dataclass
class Change:
    label: str
    before: str
    after: str
    diff: str = ""  # the text's changes word by word, when both versions have text


def _label(field):
    return capfirst(field.verbose_name)


def _versioned_fields(model):
    """The fields a version stores and a person edits: no keys, no computed columns."""
    for field in model._meta.get_fields():
        if field.auto_created or not getattr(field, "editable", False):
            continue
        if field.many_to_many or field.concrete:
            yield field


def _names(model, pks):
    objects = model._default_manager.in_bulk(list(pks))
    return [str(objects[pk]) if pk in objects else f"#{pk}" for pk in pks]


def display(field, value):
    """`value` of `field` as the admin's form or list would show it."""
    if value is None or value == "" or value == []:
        return EMPTY
    if field.many_to_many:
        return ", ".join(sorted(_names(field.related_model, value)))
    if field.many_to_one or field.one_to_one:
        return _names(field.related_model, [value])[0]
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (bool, int, float)) or hasattr(value, "isoformat"):
        return str(formats.localize(value))
    return str(value)


def text_diff(before, after):
    """`before` to `after` as HTML: removed words in <del>, added ones in <ins>, escaped."""
    engine = diff_match_patch()
    diffs = engine.diff_main(before, after)
    engine.diff_cleanupSemantic(diffs)
    parts = []
    for operation, text in diffs:
        if operation == engine.DIFF_DELETE:
            parts.append(format_html("<del>{}</del>", text))
        elif operation == engine.DIFF_INSERT:
            parts.append(format_html("<ins>{}</ins>", text))
        else:
            parts.append(escape(text))
    return mark_safe("".join(parts))


def field_changes(model, older, newer):
    """The fields that differ between two versions' stored values (`older` None: the first)."""
    older = older or {}
    changes = []
    for field in _versioned_fields(model):
        key = field.name if field.many_to_many else field.attname
        if key not in newer:
            continue
        before, after = older.get(key), newer[key]
        if field.many_to_many:
            before, after = sorted(before or []), sorted(after or [])
        if before == after or (not before and not after):
            continue
        change = Change(_label(field), display(field, before), display(field, after))
        # A choice is shown by its label, old → new like any other value: a word-by-word diff
        # of the stored codes would show the codes.
        is_text = isinstance(field, (models.CharField, models.TextField)) and not field.choices
        if is_text and before and after:
            change.diff = text_diff(str(before), str(after))
        changes.append(change)
    return changes


def _related_rows(version):
    """What else the revision holds with the record (followed rows), by kind: {name: {id: repr}}."""
    rows = {}
    for other in version.revision.version_set.exclude(pk=version.pk).select_related(
        "content_type"
    ):
        model = other._model
        if model is None:
            continue
        name = capfirst(model._meta.verbose_name_plural)
        rows.setdefault(str(name), {})[other.object_id] = (other.object_repr, _values(other))
    return rows


def _values(version):
    """A version's stored values, compared as values: the same amount is serialised "1200000"
    when saved from the form and "1200000.00" when saved again as read from the database."""
    try:
        values = version.field_dict
    except RevertError:  # stored before its model changed: compared as stored
        return version.serialized_data
    return {
        name: sorted(value) if isinstance(value, list) else value for name, value in values.items()
    }


def row_changes(older, newer):
    """Rows held with the record that were added, removed or changed between two versions."""
    before = _related_rows(older) if older is not None else {}
    after = _related_rows(newer)
    changes = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        added = [new[key][0] for key in new if key not in old]
        removed = [old[key][0] for key in old if key not in new]
        changed = [new[key][0] for key in new if key in old and old[key][1] != new[key][1]]
        if added:
            changes.append(Change(name, EMPTY, ", ".join(added)))
        if removed:
            changes.append(Change(name, ", ".join(removed), EMPTY))
        if changed:
            label = gettext("%(rows)s (changed)") % {"rows": name}
            changes.append(Change(label, ", ".join(changed), ", ".join(changed)))
    return changes


def translated_comment(model, comment):
    """A stored comment in the reader's language: Django's change messages with the field
    names as the form labels them now, and our own stored comments translated."""
    if comment.startswith("["):
        try:
            messages = json.loads(comment)
        except json.JSONDecodeError:
            return comment
        labels = {}
        with translation.override(None):
            for field in _versioned_fields(model):
                labels[str(_label(field))] = field
        for message in messages:
            for part in message.values():
                if isinstance(part, dict) and "fields" in part:
                    part["fields"] = [
                        str(_label(labels[name])) if name in labels else name
                        for name in part["fields"]
                    ]
        return LogEntry(change_message=json.dumps(messages)).get_change_message()
    for template in STORED_COMMENTS:
        match = re.fullmatch(_pattern(template), comment)
        if match:
            return gettext(template) % match.groupdict()
    # django-reversion stores a revert's comment as its saver read it: recognised in any of
    # the site's languages, and said again in the reader's.
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            stored = gettext(REVERTED)
        match = re.fullmatch(_pattern(stored), comment)
        if match:
            return gettext(REVERTED) % match.groupdict()
    return comment


def _pattern(template):
    """`template` as a regular expression, each named placeholder a named group."""
    return re.sub(r"%\\\(([a-z_]+)\\\)s", r"(?P<\1>.+)", re.escape(template))


class HistoryDiffMixin:
    """A VersionAdmin's history page with each version's changes, field by field."""

    object_history_template = "admin/history_diff.html"

    # django-reversion stores the admin log's message as its saver read it ("Ändrade
    # Översikt…"); the version keeps Django's own untranslated form instead, translated when
    # shown (translated_comment).

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(entry.change_message if message else INITIAL_VERSION)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(entry.change_message)
        return entry

    def history_view(self, request, object_id, extra_context=None):
        versions = list(
            self._reversion_order_version_queryset(
                request,
                Version.objects.get_for_object_reference(self.model, unquote(object_id))
                .select_related("revision", "revision__user"),
            )
        )
        ordered = sorted(versions, key=lambda version: version.pk)
        previous = dict(zip([v.pk for v in ordered], [None, *ordered][: len(ordered)], strict=True))
        opts = self.model._meta
        action_list = []
        for version in versions:
            older = previous[version.pk]
            action_list.append(
                {
                    "revision": version.revision,
                    "url": reverse(
                        f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_revision",
                        args=(quote(version.object_id), version.pk),
                    ),
                    "changes": [
                        *field_changes(
                            self.model, older.field_dict if older else None, version.field_dict
                        ),
                        *row_changes(older, version),
                    ],
                    "first": older is None,
                    "comment": translated_comment(self.model, version.revision.comment),
                }
            )
        context = {**(extra_context or {}), "action_list": action_list}
        return super().history_view(request, object_id, context)
