"""Free texts in Swedish, English and Latvian: a record's own text is the original, in the
language its owner record names, and each translation is a record of its own saying who made
it, whether a machine did, and who reviewed it and when.

`Translation` is the abstract base of every app's translation models (projects'
`ProjectTranslation`…). A concrete model adds a foreign key to its owner record under the name
`OWNER`, with `related_name="translations"`, and the owner's translatable fields, named as the
owner names them (`FIELDS`). The owner names its original language in `language`.

`shown(record, field, language)` is the one display rule: the text a page shows of a record's
field to a visitor reading `language`, its language, and whether it is the original or a
translation (and which). Pages, cards, embeds and their notices all read it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

# The language a municipality's coordinators usually write in, by its country: what a new
# record of theirs starts with as its original language.
LANGUAGE_BY_COUNTRY = {"SE": "sv", "LV": "lv"}


def municipality_language(municipality):
    """The language `municipality`'s coordinators usually write in, or None when unknown."""
    if municipality is None or municipality.country_id is None:
        return None
    return LANGUAGE_BY_COUNTRY.get(municipality.country.code)

# How notices name a language, as a phrase of their own (the languages' grammar differs:
# Latvian "zviedru valodā", "no zviedru valodas").
IN_LANGUAGE = {"sv": _("in Swedish"), "en": _("in English"), "lv": _("in Latvian")}
FROM_LANGUAGE = {"sv": _("from Swedish"), "en": _("from English"), "lv": _("from Latvian")}
INTO_LANGUAGE = {"sv": _("into Swedish"), "en": _("into English"), "lv": _("into Latvian")}


def not_an_email_address(text):
    """Who made or reviewed a translation is published: a name, never an address."""
    for word in text.split():
        try:
            EmailValidator()(word.strip("<>()[],;"))
        except ValidationError:
            continue
        raise ValidationError(
            _("Give a name, not an e-mail address: this is shown publicly."), code="email"
        )


class Translation(models.Model):
    """A translation of an owner record's free texts into one language, with its provenance."""

    # The owner's foreign key and the translated fields, set by each concrete model.
    OWNER = None
    FIELDS = ()

    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    translated_by = models.CharField(
        _("translated by"),
        max_length=200,
        validators=[not_an_email_address],
        help_text=_(
            "Shown publicly: the person or organisation that made the translation (or ran the "
            "machine translation). A name, never an e-mail address."
        ),
    )
    machine = models.BooleanField(
        _("machine translation"),
        default=False,
        help_text=_("Shown publicly: the page labels a machine translation as such."),
    )
    reviewed_by = models.CharField(
        _("reviewed by"),
        max_length=200,
        blank=True,
        validators=[not_an_email_address],
        help_text=_("Shown publicly: who checked the translation against the original."),
    )
    reviewed_on = models.DateField(
        _("reviewed on"),
        null=True,
        blank=True,
        help_text=_("Empty: not reviewed. The page labels an unreviewed translation as such."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["language"]

    def __str__(self):
        return str(dict(settings.LANGUAGES).get(self.language, self.language))

    @property
    def owner(self):
        return getattr(self, self.OWNER)

    @property
    def reviewed(self):
        return self.reviewed_on is not None

    def clean(self):
        errors = {}
        owner_id = getattr(self, f"{self.OWNER}_id")
        if owner_id is not None and self.language and self.language == self.owner.language:
            errors["language"] = _(
                "This is the language the original is written in: choose another one."
            )
        if self.reviewed_on and not self.reviewed_by:
            errors["reviewed_by"] = _("Say who reviewed the translation.")
        if self.reviewed_by and not self.reviewed_on:
            errors["reviewed_on"] = _("Give the day it was reviewed.")
        if errors:
            raise ValidationError(errors)


@dataclass(frozen=True)
class Shown:
    """What a page shows of one field of a record to a visitor reading `wanted`."""

    text: str
    # The language `text` is written in.
    language: str
    # The record's original language, and the visitor's.
    original_language: str
    wanted: str
    # The translation the text comes from; None for the original.
    translation: Translation = None

    @property
    def is_original(self):
        return self.translation is None

    @property
    def in_other_language(self):
        """The original, in a language other than the visitor's: none into theirs yet."""
        return self.is_original and self.language != self.wanted

    @property
    def machine(self):
        return self.translation is not None and self.translation.machine

    @property
    def unreviewed(self):
        return self.translation is not None and not self.translation.reviewed

    @property
    def in_language(self):
        return IN_LANGUAGE.get(self.language, self.language)

    @property
    def from_language(self):
        return FROM_LANGUAGE.get(self.original_language, self.original_language)

    @property
    def into_wanted(self):
        return INTO_LANGUAGE.get(self.wanted, self.wanted)

    @property
    def original_in_language(self):
        return IN_LANGUAGE.get(self.original_language, self.original_language)


def visitor_language(language=None):
    """`language`, or the active one, as one of the site's language codes."""
    language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


def translation_into(record, language):
    """`record`'s translation into `language`, or None; reads `record.translations.all()`, so
    a prefetch of them serves every field and every record of a page. A record with no
    translations of its own (a project's result) is always shown in its original."""
    translations = getattr(record, "translations", None)
    if translations is None:
        return None
    for translation in translations.all():
        if translation.language == language:
            return translation
    return None


def shown(record, field, language=None):
    """The one display rule. A page shows a visitor reading `language` (default: the active
    one) the record's `field` in their language when it is the original's, or when a
    translation into it gives that field; else the original, in its own language. A
    translation that leaves a field empty while the original has text leaves that field in the
    original."""
    wanted = visitor_language(language)
    original = getattr(record, field)
    if wanted != record.language:
        translation = translation_into(record, wanted)
        if translation is not None:
            text = getattr(translation, field)
            if text or not original:
                return Shown(text, wanted, record.language, wanted, translation)
    return Shown(original, record.language, record.language, wanted)
