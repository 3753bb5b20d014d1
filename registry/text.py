"""How the registry compares names and words: `fold` for matching, `name_key` for sorting, and
`named`, how a search finds a funder or a network by any of its names.

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


def names_of(record):
    """A record's name, then each of its other names (`other_names`, one a line: funders and
    networks)."""
    others = (line.strip() for line in record.other_names.splitlines())
    return [record.name, *(name for name in others if name)]


def named(records, text):
    """The one rule by which a search finds a funder or a network by any of its names: the
    records one of whose names contains every word of `text`, ignoring case and accents, as
    (record, the name that matched) pairs in the records' order. Read in Python: there are a
    few dozen such records, and the page shows the names anyway."""
    words = fold(text).split()
    found = []
    for record in records if words else ():
        for name in names_of(record):
            folded = fold(name)
            if all(word in folded for word in words):
                found.append((record, name))
                break
    return found
