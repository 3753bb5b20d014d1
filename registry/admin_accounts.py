"""Who may sign in to the admin, and how they get there: invitations, removals, forgotten passwords.

A municipality has coordinators, and at least one of them is its **municipality administrator**
(a member of the "Municipality administrators" group besides "Coordinators"): they invite
colleagues of their municipality by e-mail, remove them, and see when each last signed in.
Superusers (the registry's staff) invite anyone, into any municipality, municipality
administrators included. Nobody is raised to superuser here: the invitation form has no such
field, and the role is one of the two above.

Everything rides on Django's own machinery: an invitation is a password-reset link with a token
of its own (`InvitationTokenGenerator`, so that a reset link is no invitation and the other way
round), valid for `PASSWORD_RESET_TIMEOUT` seconds and used up once a password is set (the
token covers the password hash); the "forgot password" pages are Django's password-reset views
with the project's templates; mail goes out through `django.core.mail` and the SMTP server of
the environment (EMAIL_HOST and friends, docs/operations.md). A group rather than a field on
Coordinator, so that the role is a permission-like membership that needs no migration and
that `add_coordinator` and the admin's group screens already understand.
"""

import logging
import smtplib

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from registry.admin_confinement import coordinators_group, municipality_of
from registry.models import Coordinator, Municipality

logger = logging.getLogger(__name__)

ADMINISTRATORS_GROUP = "Municipality administrators"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """A password-reset token of another kind: an invitation link does not reset a password,
    and a reset link does not accept an invitation."""

    key_salt = "registry.admin_accounts.InvitationTokenGenerator"


invitation_tokens = InvitationTokenGenerator()


def administrators_group():
    return Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)[0]


def is_municipality_administrator(user):
    return (
        user.is_active
        and user.is_staff
        and municipality_of(user) is not None
        and user.groups.filter(name=ADMINISTRATORS_GROUP).exists()
    )


def may_manage_colleagues(user):
    return user.is_active and (user.is_superuser or is_municipality_administrator(user))


def colleagues_of(user):
    """The coordinators `user` manages: their municipality's, or everyone's for a superuser."""
    coordinators = Coordinator.objects.select_related("user", "municipality").filter(
        user__is_active=True
    )
    if not user.is_superuser:
        coordinators = coordinators.filter(municipality=municipality_of(user))
    return coordinators.order_by("municipality__name", "user__email", "user__username")


class Role:
    COORDINATOR = "coordinator"
    ADMINISTRATOR = "administrator"
    CHOICES = [
        (COORDINATOR, _("Coordinator")),
        (ADMINISTRATOR, _("Municipality administrator")),
    ]


class InvitationForm(forms.Form):
    """Whom to invite. The municipality is a field for superusers only: a municipality
    administrator's invitations are always into their own municipality, whatever is posted."""

    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.CHOICES,
        initial=Role.COORDINATOR,
        widget=forms.RadioSelect,
        help_text=_(
            "A municipality administrator also invites and removes the municipality's "
            "coordinators."
        ),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.order_by("name")
    )

    def __init__(self, inviter, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.inviter = inviter
        if not inviter.is_superuser:
            del self.fields["municipality"]

    def clean_email(self):
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"]).lower()
        existing = get_user_model().objects.filter(email__iexact=email).first()
        if existing is None:
            existing = get_user_model().objects.filter(username__iexact=email).first()
        if existing is not None and existing.is_superuser:
            raise forms.ValidationError(_("This address belongs to the registry's staff."))
        if existing is not None and existing.is_active and municipality_of(existing):
            raise forms.ValidationError(
                _("This address already belongs to a coordinator. Ask the registry's staff "
                  "to move them if they change municipality.")
            )
        self.existing = existing
        return email

    def chosen_municipality(self):
        if self.inviter.is_superuser:
            return self.cleaned_data["municipality"]
        return municipality_of(self.inviter)


@transaction.atomic
def invite(form):
    """The invited user: staff, in their municipality and role, with no password until they
    choose one through the link."""
    email = form.cleaned_data["email"]
    user = form.existing or get_user_model()(username=email)
    user.email = email
    user.first_name = form.cleaned_data["first_name"] or user.first_name
    user.last_name = form.cleaned_data["last_name"] or user.last_name
    user.is_staff = True
    user.is_active = True
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.add(coordinators_group())
    if form.cleaned_data["role"] == Role.ADMINISTRATOR:
        user.groups.add(administrators_group())
    else:
        user.groups.remove(administrators_group())
    municipality = form.chosen_municipality()
    Coordinator.objects.update_or_create(user=user, defaults={"municipality": municipality})
    return user


def send_invitation(request, user, inviter):
    """The invitation e-mail with its one-time link, in the inviter's current language."""
    municipality = municipality_of(user)
    context = {
        "user": user,
        "inviter": inviter.get_full_name() or inviter.get_username(),
        "municipality": municipality.name,
        "link": request.build_absolute_uri(
            reverse(
                "admin:invitation_accept",
                args=[
                    urlsafe_base64_encode(force_bytes(user.pk)),
                    invitation_tokens.make_token(user),
                ],
            )
        ),
        "days": link_days(),
        "username": user.get_username(),
    }
    subject = render_to_string("registration/invitation_subject.txt", context)
    body = render_to_string("registration/invitation_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def link_days():
    """For how many whole days a link works (PASSWORD_RESET_TIMEOUT), at least one."""
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def display_name(user):
    return user.get_full_name() or user.email or user.get_username()


def is_pending(user):
    """Invited, and no password chosen yet."""
    return not user.has_usable_password()


# The admin's pages: the colleague list, the invitation form, removing someone.


def _context(site, request, title, **extra):
    return {**site.each_context(request), "title": title, **extra}


def _refuse_unless_manager(request):
    if not may_manage_colleagues(request.user):
        raise PermissionDenied


def colleagues_view(site, request):
    _refuse_unless_manager(request)
    rows = [
        {
            "user": coordinator.user,
            "municipality": coordinator.municipality,
            "administrator": coordinator.user.groups.filter(name=ADMINISTRATORS_GROUP).exists(),
            "pending": is_pending(coordinator.user),
            "self": coordinator.user == request.user,
        }
        for coordinator in colleagues_of(request.user)
    ]
    municipality = municipality_of(request.user)
    title = (
        gettext("Coordinators of %(municipality)s") % {"municipality": municipality.name}
        if municipality is not None and not request.user.is_superuser
        else gettext("Coordinators")
    )
    context = _context(site, request, title, rows=rows, show_municipality=request.user.is_superuser)
    return TemplateResponse(request, "admin/colleagues.html", context)


def invite_view(site, request):
    _refuse_unless_manager(request)
    form = InvitationForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = invite(form)
        if not _sent(request, user):
            return HttpResponseRedirect(reverse("admin:colleagues"))
        messages.success(
            request,
            ngettext(
                "An invitation was sent to %(email)s. The link in it works for %(days)d day.",
                "An invitation was sent to %(email)s. The link in it works for %(days)d days.",
                link_days(),
            )
            % {"email": user.email, "days": link_days()},
        )
        return HttpResponseRedirect(reverse("admin:colleagues"))
    context = _context(site, request, gettext("Invite a coordinator"), form=form)
    return TemplateResponse(request, "admin/colleague_invite.html", context)


def _sent(request, user):
    """Send `user` their invitation; False, with a message saying so, if the mail server
    refused it or could not be reached (the account waits: "Send the invitation again")."""
    try:
        send_invitation(request, user, request.user)
    except (smtplib.SMTPException, OSError):
        logger.exception("The invitation to %s could not be sent", user.email)
        messages.error(
            request,
            gettext(
                "The invitation to %(email)s could not be sent: the mail server did not take it. "
                "Try “Send the invitation again” later."
            )
            % {"email": user.email},
        )
        return False
    return True


def _colleague(request, user_id):
    """A colleague the request's user manages (404 for anyone else, as for other records)."""
    _refuse_unless_manager(request)
    coordinator = get_object_or_404(colleagues_of(request.user), user_id=user_id)
    return coordinator.user


def resend_view(site, request, user_id):
    user = _colleague(request, user_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not is_pending(user):
        raise Http404
    if _sent(request, user):
        messages.success(
            request, gettext("The invitation was sent again to %(email)s.") % {"email": user.email}
        )
    return HttpResponseRedirect(reverse("admin:colleagues"))


def remove_view(site, request, user_id):
    """Removing someone closes their account (their name stays in the history of what they
    did) and unlinks them from the municipality. The last administrator cannot be removed."""
    user = _colleague(request, user_id)
    municipality = municipality_of(user)
    administrators = colleagues_of(request.user).filter(
        municipality=municipality, user__groups__name=ADMINISTRATORS_GROUP
    )
    last_administrator = (
        administrators.filter(user=user).exists() and administrators.count() == 1
    )
    if request.method == "POST" and not last_administrator:
        with transaction.atomic():
            user.is_active = False
            user.is_staff = False
            user.set_unusable_password()
            user.save()
            user.groups.clear()
            Coordinator.objects.filter(user=user).delete()
        messages.success(
            request,
            gettext("%(name)s can no longer sign in to %(municipality)s's records.")
            % {"name": display_name(user), "municipality": municipality.name},
        )
        return HttpResponseRedirect(reverse("admin:colleagues"))
    context = _context(
        site,
        request,
        gettext("Remove %(name)s") % {"name": display_name(user)},
        colleague=user,
        municipality=municipality,
        last_administrator=last_administrator,
    )
    return TemplateResponse(request, "admin/colleague_remove.html", context)


# Choosing a password: accepting an invitation, or resetting a forgotten one.


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The link of an invitation: choose a password, then set up two-factor sign-in."""

    token_generator = invitation_tokens
    template_name = "registration/invitation_accept.html"
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = (
            gettext("Choose your password")
            if context["validlink"]
            else gettext("The invitation link does not work")
        )
        return context

    def get_success_url(self):
        enrol = reverse("admin:two_factor_enrol")
        return f"{enrol}?{urlencode({'next': reverse('admin:index')})}"


class PasswordResetView(auth_views.PasswordResetView):
    """Forgot password: Django's view, which e-mails an active account with that address and a
    usable password (someone invited who never chose one follows the invitation instead) and
    says the same whether or not the address is known. The mail is in the page's language."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("admin:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("admin:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "login_url": reverse("admin:login")}


def account_urls(site):
    """The admin URLs of this module (RegistryAdminSite.get_urls)."""

    def view(function):
        return site.admin_view(lambda request, *args, **kw: function(site, request, *args, **kw))

    return [
        path("coordinators/", view(colleagues_view), name="colleagues"),
        path("coordinators/invite/", view(invite_view), name="colleague_invite"),
        path("coordinators/<int:user_id>/remove/", view(remove_view), name="colleague_remove"),
        path("coordinators/<int:user_id>/resend/", view(resend_view), name="colleague_resend"),
        path(
            "invitation/<uidb64>/<token>/",
            InvitationAcceptView.as_view(extra_context=site_context(site)),
            name="invitation_accept",
        ),
        path(
            "password-reset/",
            PasswordResetView.as_view(extra_context=site_context(site)),
            name="password_reset",
        ),
        path(
            "password-reset/sent/",
            auth_views.PasswordResetDoneView.as_view(extra_context=site_context(site)),
            name="password_reset_done",
        ),
        path(
            "password-reset/<uidb64>/<token>/",
            PasswordResetConfirmView.as_view(extra_context=site_context(site)),
            name="password_reset_confirm",
        ),
        path(
            "password-reset/done/",
            PasswordResetCompleteView.as_view(extra_context=site_context(site)),
            name="password_reset_complete",
        ),
    ]


def site_context(site):
    """The admin's header on pages shown before signing in."""
    return {
        "site_header": site.site_header,
        "site_title": site.site_title,
        "site_url": site.site_url,
        "has_permission": False,
    }
