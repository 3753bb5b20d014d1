"""Relaying a visitor's message by e-mail without publishing the recipient's address: the one
statement of the rules every such form follows (the contact forms of projects/contact.py, the
accessibility statement's report form of registry/views.py).

- Each form has a page of its own, never cached (it sets the CSRF cookie its form needs), so
  that the pages that link to it stay in the page cache without a cookie.
- Bots: a honeypot field people do not see, and a signed timestamp in the form: a form sent
  sooner than CONTACT_MIN_SECONDS after it was served, or more than a day after, or with a
  token not signed by this site for this page, is refused. No third-party service.
- Limits: at most CONTACT_LIMIT_PER_SENDER messages an hour from one sender address, and
  CONTACT_LIMIT_PER_RECIPIENT a day to one recipient. Counted in the database, from the
  messages kept anyway: exact across every worker and server, and without Redis (which
  `make run` does without; a local memory cache would count per worker).
- Retention: every message is kept for the records; each new message deletes the messages of
  its kind older than CONTACT_MESSAGES_KEPT_DAYS (prune on write), so nothing is kept longer
  whatever runs or does not run beside the site.
- The mail goes out in the site's language (Swedish), which every recipient reads, with the
  sender as Reply-To; when the mail server is away the message is still kept.
"""

import time
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

TOKEN_MAX_AGE = 24 * 60 * 60


class RelayedMessage(models.Model):
    """A message a visitor sent through a relay form, kept for the records. Each kind of
    message is a model of its own (with what it is about), declaring its own indexes: the
    limits count recent messages per sender and per recipient, and pruning finds old ones."""

    sender_name = models.CharField(_("name"), max_length=200)
    sender_email = models.EmailField(_("e-mail address"))
    message = models.TextField(_("message"))
    recipients = models.TextField(_("sent to"), blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    sent = models.BooleanField(_("relayed by e-mail"), default=False)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.sender_name} <{self.sender_email}>"


class RelayForm(forms.Form):
    """The visitor's name, address and message, with the bot checks. `target` names the page
    the form was served for and `salt` the kind of form: a token from another page or kind of
    form is refused."""

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

    def __init__(self, *args, target, salt, **kwargs):
        super().__init__(*args, **kwargs)
        self.target, self.salt = target, salt
        if not self.is_bound:
            self.initial["token"] = signing.dumps({"target": target, "at": time.time()}, salt=salt)

    def clean(self):
        data = super().clean()
        if data.get("homepage"):
            raise forms.ValidationError(_("The message could not be sent."), code="bot")
        try:
            token = signing.loads(data.get("token", ""), salt=self.salt, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature as error:
            raise forms.ValidationError(
                _("The form is too old. Please send it again."), code="token"
            ) from error
        if not isinstance(token, dict) or token.get("target") != self.target:
            raise forms.ValidationError(_("The message could not be sent."), code="token")
        if time.time() - token.get("at", 0) < settings.CONTACT_MIN_SECONDS:
            raise forms.ValidationError(
                _("That was very quick. Please check the message and send it again."),
                code="too_fast",
            )
        return data


def over_limit(kept, sender_email, to_recipient):
    """Which limit a new message from `sender_email` would exceed, or None. `kept` is the kind
    of message's model; `to_recipient` a Q selecting its messages to the same recipient."""
    now = timezone.now()
    from_them = kept.objects.filter(
        created_at__gte=now - timedelta(hours=1), sender_email__iexact=sender_email
    )
    if from_them.count() >= settings.CONTACT_LIMIT_PER_SENDER:
        return "sender"
    to_them = kept.objects.filter(to_recipient, created_at__gte=now - timedelta(days=1))
    if to_them.count() >= settings.CONTACT_LIMIT_PER_RECIPIENT:
        return "recipient"
    return None


def relay(kept, form, addresses, *, about, page_url, **fields):
    """Keeps the message as a `kept` (with `fields`, what it is about), prunes those past
    their retention, and sends it to `addresses` by e-mail with the sender as Reply-To.
    Returns the kept message: `sent` says whether the mail server took it (never, with no
    address to send to: the message is then in the admin only)."""
    data = form.cleaned_data
    with transaction.atomic():
        kept.objects.filter(
            created_at__lt=timezone.now() - timedelta(days=settings.CONTACT_MESSAGES_KEPT_DAYS)
        ).delete()
        message = kept.objects.create(
            sender_name=data["name"],
            sender_email=data["email"],
            message=data["message"],
            recipients=", ".join(addresses),
            **fields,
        )
    if not addresses:
        return message
    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("Message through the registry: %(about)s") % {"about": about}
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
    mail = EmailMessage(subject, body, to=list(addresses), reply_to=[data["email"]])
    try:
        mail.send()
    except OSError:
        return message
    kept.objects.filter(pk=message.pk).update(sent=True)
    message.sent = True
    return message


def answer(request, form, kept, addresses, *, to_recipient, about, page_url, **fields):
    """A relay form's POST: the redirect to the form page's `?sent=` answer when the message
    was taken, else the status its page is rendered again with (400 for form errors, 429
    over a limit) and the limit refused."""
    if not form.is_valid():
        return None, 400, None
    refused = over_limit(kept, form.cleaned_data["email"], to_recipient)
    if refused is not None:
        return None, 429, refused
    message = relay(kept, form, addresses, about=about, page_url=page_url, **fields)
    return redirect(f"{request.path}?sent={'1' if message.sent else 'kept'}"), 302, None
