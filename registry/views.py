"""The accessibility statement and its report form: the public pages of the registry app,
since they show no projects (the pages that do live in projects/pages/)."""

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from . import relay
from .models import AccessibilityMessage

# When the accessibility statement was written and last reviewed: update it with the text.
STATEMENT_DATE = date(2026, 11, 21)

TOKEN_SALT = "registry.accessibility"


def accessibility(request):
    """The statement the accessibility law (lag (2018:1937)) asks of a public site. It links
    the report form rather than holding it: the statement stays in the page cache, without
    the CSRF cookie a form needs."""
    return render(request, "accessibility.html", {"statement_date": STATEMENT_DATE})


def accessibility_recipients():
    """Who the reports go to: ACCESSIBILITY_CONTACT_EMAIL, else the superusers with an
    address, so that every deployment has someone; with neither, the report is kept for the
    admin only."""
    if settings.ACCESSIBILITY_CONTACT_EMAIL:
        return [settings.ACCESSIBILITY_CONTACT_EMAIL]
    superusers = get_user_model().objects.filter(is_superuser=True, is_active=True)
    return sorted(set(superusers.exclude(email="").values_list("email", flat=True)))


@never_cache
def accessibility_report(request):
    """/accessibility/report/: tell whoever runs the registry of an accessibility problem,
    without their address being shown (registry/relay.py)."""
    status, refused = 200, None
    form = relay.RelayForm(
        request.POST if request.method == "POST" else None, target="accessibility", salt=TOKEN_SALT
    )
    if request.method == "POST":
        taken, status, refused = relay.answer(
            request,
            form,
            AccessibilityMessage,
            accessibility_recipients(),
            # One recipient: every report counts against the day's share.
            to_recipient=Q(),
            # Lazy: the mail is written in the site's language, whichever the page's.
            about=gettext_lazy("Accessibility statement"),
            page_url=request.build_absolute_uri(reverse("registry:accessibility")),
        )
        if taken:
            return taken
    context = {
        "form": form,
        "refused": refused,
        "sent": request.GET.get("sent"),
        "kept_days": settings.CONTACT_MESSAGES_KEPT_DAYS,
    }
    return render(request, "registry/accessibility_report.html", context, status=status)
