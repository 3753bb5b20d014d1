"""`{% shown_text record "field" as name %}`: what a page shows of a record's free text to the
visitor, by the one display rule (registry/translations.py `shown`), with its language for the
`lang` attribute and what the notice says about it (templates/includes/translation_notice.html).
"""

from django import template

from registry.translations import shown

register = template.Library()


@register.simple_tag
def shown_text(record, field):
    return shown(record, field)
