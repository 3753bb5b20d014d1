"""Text without control characters, in every free-text field of the registry's own apps.

A control character (U+0000–U+001F, U+007F–U+009F) typed or pasted into a title breaks what
is built from it (XML has no way to write U+0001, so the Atom feed and XLSX exports would
fail) and never means anything in this registry's texts. Single-line fields (CharField) refuse
every one; multi-line fields (TextField) keep tab and line breaks.

`refuse_control_characters()` (called from registry/apps.py once every model is loaded) gives
each plain CharField and TextField of the apps in this checkout the validator, so a field
added later is covered too; model validation runs it for the admin's forms and for imports
(django-import-export's clean_model_instances). Slug, URL and e-mail fields refuse control
characters with their own validators; fields with choices accept only their choices. The
validators are added to the field's default validators, which migrations do not record: the
rule is stated here once, not copied into every migration.
"""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

SINGLE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MULTI_LINE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What output strips from text stored before the rule (projects/pages/feeds.py): anything
# XML 1.0 cannot hold, or may not, besides tab and line breaks.
UNPRINTABLE = MULTI_LINE_CONTROL


def _refuse(pattern, text):
    found = pattern.search(text)
    if found:
        raise ValidationError(
            _("Remove the invisible control character %(character)s from this text."),
            code="control_character",
            params={"character": f"U+{ord(found.group()):04X}"},
        )


def single_line_text(text):
    _refuse(SINGLE_LINE_CONTROL, text)


def multi_line_text(text):
    _refuse(MULTI_LINE_CONTROL, text)


def printable(text):
    """`text` without the control characters that were refused (for text already stored)."""
    return UNPRINTABLE.sub("", text) if text else text


def refuse_control_characters():
    """Gives every plain CharField and TextField of this checkout's apps its validator."""
    base = Path(settings.BASE_DIR).resolve()
    for app_config in apps.get_app_configs():
        if Path(app_config.path).resolve() != base / app_config.label:
            continue  # Django's and third-party apps.
        for model in app_config.get_models():
            for field in model._meta.local_fields:
                validator = text_validator(field)
                if validator and validator not in field.default_validators:
                    field.default_validators = [*field.default_validators, validator]
                    field.__dict__.pop("validators", None)  # Django caches the list.


def text_validator(field):
    if field.choices or not field.editable:
        return None
    if type(field) is models.CharField:
        return single_line_text
    if type(field) is models.TextField:
        return multi_line_text
    return None
