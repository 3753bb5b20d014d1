"""Writing to a project's or a municipality's contact without their address ever being shown:
a form on a page of its own relays the message by e-mail to the contacts marked public that
have an address, and keeps it for the municipality's records. The rules every relay form
follows (bot checks, limits, retention, the mail) are registry/relay.py's; this module says
who a message goes to and what it is about.

The form's page is never cached (it sets the CSRF cookie its form needs), while the project's
and municipality's pages, which the page cache serves, only link to it and set no cookie.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from registry import relay
from registry.models import Municipality

TOKEN_SALT = "projects.contact"


class ContactMessage(relay.RelayedMessage):
    """A message a visitor sent through a contact form, kept for the municipality's records."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="contact_messages",
        verbose_name=_("municipality"),
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_messages",
        verbose_name=_("project"),
    )

    class Meta(relay.RelayedMessage.Meta):
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")
        indexes = [
            # The limits count recent messages per sender and per project or municipality.
            models.Index(fields=["sender_email", "created_at"], name="contact_sender_recent"),
            models.Index(fields=["municipality", "created_at"], name="contact_recipient_recent"),
            # Pruning finds the old ones.
            models.Index(fields=["created_at"], name="contact_created"),
        ]


def public_contacts(project=None, municipality=None):
    """Who a message goes to: the project's contacts (or the municipality's own, not a
    project's) marked public, with an address."""
    from projects.models import Contact

    contacts = Contact.objects.filter(is_public=True).exclude(email="")
    if project is not None:
        return list(contacts.filter(project=project))
    return list(contacts.filter(municipality=municipality, project=None))


def _contact_page(request, *, municipality, project, subject_url, subject_name):
    contacts = public_contacts(project=project, municipality=None if project else municipality)
    target = f"project:{project.pk}" if project else f"municipality:{municipality.pk}"
    status, refused = 200, None
    form = relay.RelayForm(
        request.POST if request.method == "POST" else None, target=target, salt=TOKEN_SALT
    )
    if contacts and request.method == "POST":
        # A project's messages count against the project's share, a municipality's own
        # against the municipality's.
        to_recipient = Q(project=project) if project else Q(municipality=municipality, project=None)
        taken, status, refused = relay.answer(
            request,
            form,
            ContactMessage,
            [contact.email for contact in contacts],
            to_recipient=to_recipient,
            about=subject_name,
            page_url=request.build_absolute_uri(subject_url),
            municipality=municipality,
            project=project,
        )
        if taken:
            return taken
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "contacts": contacts,
        "subject_url": subject_url,
        "subject_name": subject_name,
        "project": project,
        "municipality": municipality,
        "refused": refused,
        "sent": request.GET.get("sent"),
        "kept_days": settings.CONTACT_MESSAGES_KEPT_DAYS,
    }
    return render(request, "projects/contact_form.html", context, status=status)


@never_cache
def project_contact(request, slug):
    """/projects/<slug>/contact/: write to a published project's public contacts."""
    from projects.models import Project

    project = get_object_or_404(
        Project.objects.published().select_related("municipality"), slug=slug
    )
    return _contact_page(
        request,
        municipality=project.municipality,
        project=project,
        subject_url=project.get_absolute_url(),
        subject_name=project.title,
    )


@never_cache
def municipality_contact(request, slug):
    """/municipalities/<slug>/contact/: write to a municipality's public contacts."""
    municipality = get_object_or_404(Municipality, slug=slug)
    return _contact_page(
        request,
        municipality=municipality,
        project=None,
        subject_url=reverse("registry:municipality_detail", args=[slug]),
        subject_name=municipality.name,
    )
