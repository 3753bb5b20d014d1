"""Finds the words of another language on a page of the admin.

The interface's strings come from gettext catalogs: Django's, the third-party apps' and the
project's. A string of the page in another language than the page's is one of these:

- an English message id (every catalog's keys; German catalogs are read too, since they
  translate every app used here, so their keys are every app's English strings) on a Swedish or
  Latvian page, unless it is also a word of that language (the Swedish "Status");
- a Swedish translation on a Latvian or English page (Latvian falls back to Swedish, the
  default language, for any string Latvian lacks), unless it is also Latvian or English there;
- a Latvian translation on a Swedish or English page, likewise.

Strings with placeholders ("Export selected %(verbose_name_plural)s") are matched as patterns,
so "Export selected projekt" is found too. A page's text is its text nodes and the attributes a
person reads (title, placeholder, aria-label, alt, a button's value).
"""

import re
from functools import cache
from html.parser import HTMLParser

from django.utils import translation
from django.utils.translation import trans_real
from django_countries import countries

from registry.models import country_name

PLACEHOLDER = re.compile(r"%\([^)]+\)[sdr]|%[sdr]|\{[a-z_]*\}")
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
# Single words that are the same in the page's language, or names rather than words.
SAME_IN_EVERY_LANGUAGE = {"ID", "URL", "CSV", "XLSX", "JSON", "TOTP", "OTP", "E-mail", "Email"}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Text(HTMLParser):
    """The strings a person reads. What is marked translate="no" (a file's column names and
    values, codes) is in no language, and what has a lang attribute declares its own: both are
    left out, with <script> and <style>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.strings, self._open = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in VOID:
            skip = (
                tag in {"script", "style", "template"}
                or attrs.get("translate") == "no"
                # Declared to be in a language of its own (the language switcher, content).
                or (tag != "html" and "lang" in attrs)
            )
            self._open.append((tag, skip))
        if any(skip for _, skip in self._open):
            return
        for name in READ_ATTRIBUTES:
            if attrs.get(name):
                self.strings.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
            self.strings.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        if not any(skip for _, skip in self._open):
            self.strings.append(data)


def page_strings(html):
    parser = _Text()
    parser.feed(html)
    strings = (" ".join(text.split()) for text in parser.strings)
    return [text for text in strings if re.search(r"[^\W\d_]{2}", text)]


def _catalog(language):
    """(message ids, translations) of the merged catalog of `language` (its fallback excluded)."""
    catalog = trans_real.translation(language)._catalog
    ids, texts = set(), set()
    for key, value in catalog.items():
        ids.add(key[0] if isinstance(key, tuple) else key)
        texts.add(value)
    return ids, texts


def _pattern(strings):
    """One regular expression matching any of `strings` whole, placeholders standing for text."""
    parts = []
    for text in strings:
        if not PLACEHOLDER.search(text):
            continue
        words = PLACEHOLDER.sub("", text)
        if len(re.findall(r"[^\W\d_]{3,}", words)) < 2:
            continue  # "%(name)s: %(value)s" matches anything
        pieces = PLACEHOLDER.split(text)
        parts.append(".+?".join(re.escape(" ".join(piece.split())) for piece in pieces))
    return re.compile("|".join(f"(?:{part})" for part in parts)) if parts else None


class Language:
    def __init__(self, code):
        self.code = code
        self.ids, self.texts = _catalog(code)


@cache
def checker(language):
    """A function returning the strings of a page that are not in `language`."""
    english_ids = set()
    for code in ("sv", "lv", "de"):
        english_ids |= _catalog(code)[0]
    swedish, latvian = _catalog("sv")[1], _catalog("lv")[1]
    own = {"sv": swedish, "lv": latvian, "en": english_ids}[language]
    # Country names the catalogs leave untranslated come from the CLDR (registry.models
    # country_name): "Kuba" is as Swedish as it is Latvian.
    with translation.override(language):
        own = own | {country_name(code, language) for code, _name in countries}
    foreign = {
        "sv": english_ids | latvian,
        "lv": english_ids | swedish,
        "en": swedish | latvian,
    }[language]
    foreign = {text for text in foreign - own if text.strip()}
    foreign_exact = {" ".join(text.split()) for text in foreign if not PLACEHOLDER.search(text)}
    foreign_pattern = _pattern(foreign)
    own_exact = {" ".join(text.split()) for text in own}
    own_pattern = _pattern(own)

    def check(html):
        found = []
        for text in page_strings(html):
            if text in own_exact or text in SAME_IN_EVERY_LANGUAGE:
                continue
            if own_pattern is not None and own_pattern.fullmatch(text):
                continue
            if text in foreign_exact or (
                foreign_pattern is not None and foreign_pattern.fullmatch(text)
            ):
                found.append(text)
        return found

    return check
