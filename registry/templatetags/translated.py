"""`{% shown_text record "field" as name %}`: what a page shows of a record's free text to the
visitor, by the one display rule (registry/translations.py `shown`), with its language for the
`lang` attribute and what the notice says about it (templates/includes/translation_notice.html);
`{% first_untranslated records "field" as name %}` for a list that says once that some of its
items are in their original language.
"""

from django import template

from registry.translations import shown

register = template.Library()


@register.simple_tag
def shown_text(record, field):
    return shown(record, field)


@register.simple_tag
def first_untranslated(records, field):
    """What is shown of the first of `records` whose `field` has text in its original language
    rather than the visitor's (None when there is none): a list of them says so once."""
    for record in records:
        text = shown(record, field)
        if text.text and text.in_other_language:
            return text
    return None
