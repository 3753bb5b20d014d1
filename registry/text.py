"""How the registry compares names and words: `fold` for matching, `name_key` for sorting.

Reference data needs both (the admin finds a country by its name in any language; the
reference pages list countries and municipalities by name), so they live in the base app and
every page, filter and search uses these two.
"""

import unicodedata

from django.utils.translation import get_language


def fold(text):
    """Lower-case text without accents, the way a Swedish or Latvian reader searches:
    "Rēzekne" and "REZEKNE" both become "rezekne". SQLite folds ASCII only, so we fold here."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Alphabetical order as a Swedish or Latvian reader expects it: Swedish puts å, ä, ö after z;
# Latvian puts each letter with a diacritic right after its base letter (c < č < d, so
# "Centrālāfrikas Republika" comes before "Čehija"). Other accents are ignored, as in `fold`.
# ("{", "|", "}" and "~" sort after "z".)
_SWEDISH_ORDER = str.maketrans({"å": "z{", "ä": "z|", "æ": "z|", "ö": "z}", "ø": "z}"})
_LATVIAN_ORDER = str.maketrans({letter: base + "~" for letter, base in zip(
    "āčēģīķļņšūž", "acegiklnsuz", strict=True
)})


def name_key(name):
    """A sort key for a name in the active language (see above); no locale needed. The one
    collation of the site: the list's filter options and the reference pages both sort by it."""
    text = str(name).casefold()
    language = (get_language() or "")[:2]
    if language == "sv":
        text = text.translate(_SWEDISH_ORDER)
    elif language == "lv":
        text = text.translate(_LATVIAN_ORDER)
    return fold(text)
