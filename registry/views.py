"""The accessibility statement: the one public page of the registry app, since it shows no
projects (the pages that do live in projects/pages/)."""

from datetime import date

from django.conf import settings
from django.shortcuts import render

# When the accessibility statement was written and last reviewed: update it with the text.
STATEMENT_DATE = date(2026, 11, 21)


def accessibility(request):
    """The statement the accessibility law (lag (2018:1937)) asks of a public site."""
    context = {
        "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "statement_date": STATEMENT_DATE,
    }
    return render(request, "accessibility.html", context)
