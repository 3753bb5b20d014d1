"""`{% flag country %}`: a country's flag as a small image.

Images, not the flag characters (regional indicator pairs), which Windows and machines without
an emoji font show as two letters. The images are the ones django-countries ships among its
static files (flags/<code>.gif, 16 × 11 px), served from our own origin like every static file.
The flag is decoration beside the country's name, so its text alternative is empty.
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()

FLAG_PATH = "flags/{code}.gif"


def flag_url(code):
    return static(FLAG_PATH.format(code=code.lower()))


@register.simple_tag
def flag(country):
    """`country`: a Country (or anything with a `code`), or an ISO code."""
    code = getattr(country, "code", country)
    return format_html(
        '<img class="flag" src="{}" alt="" width="16" height="11">', flag_url(str(code))
    )
