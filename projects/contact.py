"""Writing to a project's or a municipality's contact without their address ever being shown:
a form on a page of its own relays the message by e-mail (Django's mail, the SMTP settings in
registry/settings.py) to the contacts marked public that have an address, and keeps it for the
municipality's records for CONTACT_MESSAGES_KEPT_DAYS.

- The form's page is never cached (it sets the CSRF cookie its form needs), while the project's
  and municipality's pages, which the page cache serves, only link to it and set no cookie.
- Bots: a honeypot field people do not see, and a signed timestamp in the form: a form sent
  sooner than CONTACT_MIN_SECONDS after it was served, or more than a day after, or with a
  token not signed by this site for this page, is refused. No third-party service.
- Limits: at most CONTACT_LIMIT_PER_SENDER messages an hour from one sender address, and
  CONTACT_LIMIT_PER_RECIPIENT a day to one project or municipality. Counted in the database,
  from the messages kept anyway: exact across every worker and server, and without Redis
  (which `make run` does without; a local memory cache would count per worker).
- Retention: each new message deletes the messages older than the retention period (prune on
  write), so nothing is kept longer whatever runs or does not run beside the site.
"""

import time
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from registry.models import Municipality

TOKEN_SALT = "projects.contact"
TOKEN_MAX_AGE = 24 * 60 * 60


class ContactMessage(models.Model):
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
    sender_name = models.CharField(_("name"), max_length=200)
    sender_email = models.EmailField(_("e-mail address"))
    message = models.TextField(_("message"))
    recipients = models.TextField(_("sent to"), blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    sent = models.BooleanField(_("relayed by e-mail"), default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")
        indexes = [
            # The limits count recent messages per sender and per project or municipality.
            models.Index(fields=["sender_email", "created_at"], name="contact_sender_recent"),
            models.Index(fields=["municipality", "created_at"], name="contact_recipient_recent"),
            # Pruning finds the old ones.
            models.Index(fields=["created_at"], name="contact_created"),
        ]

    def __str__(self):
        return f"{self.sender_name} <{self.sender_email}>"


def public_contacts(project=None, municipality=None):
    """Who a message goes to: the project's contacts (or the municipality's own, not a
    project's) marked public, with an address."""
    from projects.models import Contact

    contacts = Contact.objects.filter(is_public=True).exclude(email="")
    if project is not None:
        return list(contacts.filter(project=project))
    return list(contacts.filter(municipality=municipality, project=None))


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("The reply comes to this address."),
    )
    message = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea)
    # The honeypot: hidden from people (and from screen readers and the keyboard); a bot that
    # fills in every field fills it in.
    homepage = forms.CharField(label=_("Leave this field empty"), required=False)
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        if not self.is_bound:
            self.initial["token"] = signing.dumps(
                {"target": target, "at": time.time()}, salt=TOKEN_SALT
            )

    def clean(self):
        data = super().clean()
        if data.get("homepage"):
            raise forms.ValidationError(_("The message could not be sent."), code="bot")
        try:
            token = signing.loads(data.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature as error:
            raise forms.ValidationError(
                _("The form is too old. Please send it again."), code="token"
            ) from error
        if token.get("target") != self.target:
            raise forms.ValidationError(_("The message could not be sent."), code="token")
        if time.time() - token.get("at", 0) < settings.CONTACT_MIN_SECONDS:
            raise forms.ValidationError(
                _("That was very quick. Please check the message and send it again."),
                code="too_fast",
            )
        return data


def over_limit(sender_email, municipality, project):
    """Which limit a new message from `sender_email` would exceed, or None."""
    now = timezone.now()
    recent = ContactMessage.objects.filter(created_at__gte=now - timedelta(hours=1))
    from_them = recent.filter(sender_email__iexact=sender_email)
    if from_them.count() >= settings.CONTACT_LIMIT_PER_SENDER:
        return "sender"
    today = ContactMessage.objects.filter(created_at__gte=now - timedelta(days=1))
    if project is not None:
        to_them = today.filter(project=project)
    else:
        to_them = today.filter(municipality=municipality, project=None)
    if to_them.count() >= settings.CONTACT_LIMIT_PER_RECIPIENT:
        return "recipient"
    return None


def relay(form, municipality, project, contacts, page_url):
    """Keeps the message, prunes those past their retention, and sends it to `contacts` by
    e-mail with the sender as Reply-To. Returns the kept message (`sent` says whether the mail
    server took it)."""
    data = form.cleaned_data
    with transaction.atomic():
        ContactMessage.objects.filter(
            created_at__lt=timezone.now() - timedelta(days=settings.CONTACT_MESSAGES_KEPT_DAYS)
        ).delete()
        kept = ContactMessage.objects.create(
            municipality=municipality,
            project=project,
            sender_name=data["name"],
            sender_email=data["email"],
            message=data["message"],
            recipients=", ".join(contact.email for contact in contacts),
        )
    # In the site's language (Swedish), which every recipient reads.
    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("Message through the registry: %(about)s") % {
            "about": project.title if project else municipality.name
        }
        body = gettext(
            "%(name)s <%(email)s> wrote through the contact form on %(page)s:\n\n"
            "%(message)s\n\n"
            "Reply to this e-mail to answer them. Your address was not shown to them."
        ) % {
            "name": data["name"],
            "email": data["email"],
            "page": page_url,
            "message": data["message"],
        }
    mail = EmailMessage(
        subject,
        body,
        to=[contact.email for contact in contacts],
        reply_to=[data["email"]],
    )
    try:
        mail.send()
    except OSError:
        return kept
    ContactMessage.objects.filter(pk=kept.pk).update(sent=True)
    kept.sent = True
    return kept


def _contact_page(request, *, municipality, project, subject_url, subject_name):
    contacts = public_contacts(project=project, municipality=None if project else municipality)
    target = f"project:{project.pk}" if project else f"municipality:{municipality.pk}"
    status, refused = 200, None
    form = ContactForm(request.POST or None, target=target)
    if contacts and request.method == "POST" and form.is_valid():
        refused = over_limit(form.cleaned_data["email"], municipality, project)
        if refused is None:
            page_url = request.build_absolute_uri(subject_url)
            kept = relay(form, municipality, project, contacts, page_url)
            return redirect(f"{request.path}?sent={'1' if kept.sent else 'kept'}")
        status = 429
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
