"""Signing in to the admin: two-factor sign-in and the page shown after a lock-out.

Whoever has set up an authenticator app gives a code at every sign-in, whether or not
`settings.REQUIRE_2FA` is on: two-factor sign-in is opt-in. With `REQUIRE_2FA` on, the admin lets
in only staff whose session a code has verified, so everyone must set up an app. django-otp does
that work: its admin login form checks the code (`OTPAdminAuthenticationForm`), its TOTP devices
make an authenticator app's codes, its static devices hold one-time backup codes, and its
middleware marks the session verified. What stays ours, and why:

- the optional mode: django-otp's form and its `OTPAdminSite` always ask for a code. Here the
  code is asked for from those who have an app (`code_required`); without one, a password is
  enough with `REQUIRE_2FA` off, and with it on it leads on to enrolment;
- choosing the device from the code (`device_for_code`), so the page needs no menu of devices;
- a wrong code counts as a failed sign-in for django-axes, like a wrong password: django-otp's
  own `otp_verification_failed` signal carries no request, and axes needs its address;
- the enrolment and backup-code pages, because django-otp has none for users. Someone who lost
  their phone signs in with a backup code and sets up the new phone here, with no superuser.
  New backup codes are made by a POST that redirects to the page showing them (Post/Redirect/Get):
  they wait in the session until that page shows them, once, so a reload cannot make another set.
"""

import math
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from axes.helpers import get_cool_off, get_failure_limit
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.admin_accounts import account_urls, may_manage_colleagues
from registry.admin_confinement import municipality_of

BACKUP_CODE_COUNT = 10
# New backup codes wait here, in the session, until the page showing them takes them out.
NEW_CODES_SESSION_KEY = "two_factor_new_backup_codes"


def is_verified(user):
    """True when OTPMiddleware has found, in this session, the device a code verified."""
    return bool(getattr(user, "is_verified", lambda: False)())


def app_device(user):
    """The user's confirmed authenticator app, or None: having one is what "enrolled" means."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def code_required(user):
    """True when `user`'s session needs a code: always with REQUIRE_2FA on, and otherwise once
    they have set up an app (opt-in two-factor sign-in: a password alone no longer lets them in)."""
    return settings.REQUIRE_2FA or app_device(user) is not None


def device_for_code(user, token):
    """The device to check `token` against: six digits come from the app, anything else is a
    backup code. django-otp wants the device named rather than trying each in turn, which would
    count a failure against every device that did not match."""
    model = TOTPDevice if len(token) == 6 and token.isdigit() else StaticDevice
    # Without backup codes the app checks it, so that a wrong code still counts as one.
    return model.objects.devices_for_user(user, confirmed=True).first() or app_device(user)


def new_backup_codes(user):
    """A new set of one-time backup codes for `user`, replacing the old set. They are readable
    only now, on a page that is never cached."""
    with transaction.atomic():
        StaticToken.objects.filter(device__user=user).delete()
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name=gettext("Backup codes"))
        tokens = StaticToken.objects.bulk_create(
            StaticToken(device=device, token=StaticToken.random_token())
            for _ in range(BACKUP_CODE_COUNT)
        )
    return [token.token for token in tokens]


def confirm_app(request, device, token):
    """Confirm `device` if `token` is its current code, retire the user's older apps, and mark
    the session verified by the new one. False for a wrong code."""
    if not device.verify_token(token):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    django_otp.login(request, device)
    return True


def qr_code_svg(data):
    """`data` as a QR code in an <svg> element, ready to inline in a page. The white
    background keeps it scannable in the admin's dark theme (django_otp.qr draws none);
    no style attribute, for the CSP."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage)
    return mark_safe(image.to_string(encoding="unicode"))


def safe_next_url(request):
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("admin:index")


class TwoFactorAuthenticationForm(OTPAdminAuthenticationForm):
    """django-otp's admin login form, asking for a code from whoever has an authenticator app,
    REQUIRE_2FA on or off. The field is always on the page, since who signs in is known only
    once the password is checked; it stays empty for the others. The code may be a backup code."""

    otp_device = None  # chosen from the code by device_for_code
    otp_challenge = None  # for devices that send their codes; an app shows them
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )
    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": _(
            "Enter the six-digit code from your authenticator app, or one of your backup codes."
        ),
        "invalid_token": _(
            "That code is not right, or it has already been used. "
            "Wait for the next code and try again."
        ),
        "n_failed_attempts": ngettext_lazy(
            "After %(failure_count)d wrong code, codes are not checked for a few seconds. "
            "Wait a moment and try again.",
            "After %(failure_count)d wrong codes, codes are not checked for a while. "
            "Wait a moment and try again.",
            "failure_count",
        ),
        "verification_not_allowed": _("Codes cannot be checked just now. Try again in a moment."),
    }

    def clean_otp_token(self):
        """A backup code is accepted however it is typed: with spaces, hyphens or capitals."""
        return "".join(self.cleaned_data["otp_token"].split()).replace("-", "").lower()

    def clean_otp(self, user):
        if user is None or app_device(user) is None:
            return  # no app: the password is enough, or (REQUIRE_2FA) it leads on to enrolment
        device = device_for_code(user, self.cleaned_data.get("otp_token", ""))
        self.cleaned_data["otp_device"] = device.persistent_id
        try:
            super().clean_otp(user)
        except forms.ValidationError as error:
            # django-otp writes the password back into the page for a second round, to choose
            # a device; there is none here, and a password does not belong in a page's source.
            self.fields["password"].widget.render_value = False
            if error.code == "invalid_token":
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": user.get_username()},
                    request=self.request,
                )
            raise


class EnrolmentForm(forms.Form):
    token = forms.CharField(
        label=_("Code shown by the app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RegistryAdminSite(admin.AdminSite):
    """The admin site: requires a session a code verified when REQUIRE_2FA is on or the user has
    an app (django-otp's OTPAdminSite requires it always), and serves the enrolment and
    backup-code pages.
    Installed on the default `admin.site` in registry/admin.py."""

    site_header = _("Registry of municipal international projects")
    site_title = _("Registry administration")
    index_title = _("Administration")
    login_form = TwoFactorAuthenticationForm
    login_template = "admin/two_factor_login.html"

    def has_permission(self, request):
        return super().has_permission(request) and (
            is_verified(request.user) or not code_required(request.user)
        )

    def login(self, request, extra_context=None):
        user = request.user
        if (
            settings.REQUIRE_2FA
            and request.method == "GET"
            and user.is_active
            and user.is_staff
            and not is_verified(user)
            and app_device(user) is None
        ):
            next_url = request.GET.get(REDIRECT_FIELD_NAME, reverse("admin:index"))
            return HttpResponseRedirect(
                f"{reverse('admin:two_factor_enrol')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
            )
        context = {
            "require_2fa": settings.REQUIRE_2FA,
            # Signed in with a password, but the admin waits for a code (has_permission).
            "code_expected": user.is_active and user.is_staff and code_required(user),
            **(extra_context or {}),
        }
        return super().login(request, context)

    def each_context(self, request):
        """Every admin page names the municipality whose records are being edited, and offers
        the coordinator list to those who manage it (registry/admin_accounts.py)."""
        user = request.user
        return {
            **super().each_context(request),
            "editing_for": municipality_of(user) if user.is_active and user.is_staff else None,
            "manages_colleagues": user.is_active and user.is_staff and may_manage_colleagues(user),
        }

    def get_urls(self):
        return [
            *account_urls(self),
            path("two-factor/", never_cache(self.enrol_view), name="two_factor_enrol"),
            path(
                "two-factor/backup-codes/",
                self.admin_view(self.backup_codes_view),
                name="two_factor_backup_codes",
            ),
            path(
                "two-factor/backup-codes/new/",
                self.admin_view(self.new_backup_codes_view),  # never cached: admin_view
                name="two_factor_new_backup_codes",
            ),
            # Not behind has_permission, so that someone half-way through signing in (password
            # given, no verified device yet) can still sign out.
            path("logout/", never_cache(self.logout), name="logout"),
            path(
                "r/<int:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            *super().get_urls(),
        ]

    def view_on_site(self, request, content_type_id, object_id):
        """Django's "view on site" redirect, refused for records the user may not see."""
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model = content_type and content_type.model_class()
        if model is not None and self.is_registered(model):
            model_admin = self.get_model_admin(model)
            obj = model_admin.get_object(request, object_id)
            if obj is None or not model_admin.has_view_permission(request, obj):
                raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def enrol_view(self, request):
        """Set up an authenticator app: the first one, or a new phone in a session a code or a
        backup code verified. The first enrolment ends on the page showing the backup codes."""
        request.current_app = self.name
        user = request.user
        if not (user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        next_url = safe_next_url(request)
        old_app = app_device(user)
        if old_app is not None and not is_verified(user):
            return self.ask_for_a_code(request)
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=user, name=gettext("Authenticator app"), confirmed=False
            )
        form = EnrolmentForm(request.POST or None)
        if form.is_valid():
            if confirm_app(request, device, form.cleaned_data["token"].strip()):
                if old_app is None:
                    return self.redirect_to_new_backup_codes(request, next_url)
                messages.success(request, gettext("Your new phone is set up."))
                return HttpResponseRedirect(next_url)
            form.add_error(
                "token",
                gettext(
                    "That code is not right. Check the time on your phone and try the next code."
                ),
            )
        context = self.enrol_context(request, device, form, replacing=old_app is not None)
        return TemplateResponse(request, "admin/two_factor_enrol.html", context)

    def enrol_context(self, request, device, form, replacing):
        secret = b32encode(device.bin_key).decode()
        return {
            **self.each_context(request),
            "title": gettext("Set up a new phone")
            if replacing
            else gettext("Set up two-factor sign-in"),
            "replacing": replacing,
            "form": form,
            "qr_code": qr_code_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": safe_next_url(request),
        }

    def backup_codes_view(self, request):
        """How many backup codes are left; on POST a new set, which replaces the old one."""
        refusal = self.refuse_device_page(request)
        if refusal is not None:
            return refusal
        if request.method == "POST":
            return self.redirect_to_new_backup_codes(request, reverse("admin:index"))
        return self.backup_codes_page(request)

    def redirect_to_new_backup_codes(self, request, next_url):
        """Make a new set of backup codes and redirect to the page that shows them
        (Post/Redirect/Get): reloading that page must not make yet another set, which would
        silently void the codes just written down. Until shown they wait in the session."""
        request.session[NEW_CODES_SESSION_KEY] = new_backup_codes(request.user)
        url = reverse("admin:two_factor_new_backup_codes")
        return HttpResponseRedirect(f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")

    def new_backup_codes_view(self, request):
        """The new backup codes, shown once: they leave the session with this page. A reload
        finds none and says they were shown already."""
        refusal = self.refuse_device_page(request)
        if refusal is not None:
            return refusal
        codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
        # A set made later, in another session, has replaced these: they no longer sign in.
        if codes and StaticToken.objects.filter(
            device__user=request.user, token__in=codes
        ).count() != len(codes):
            codes = None
        return self.backup_codes_page(
            request, codes, next_url=safe_next_url(request), shown_already=not codes
        )

    def refuse_device_page(self, request):
        """The redirect for someone who may not see the backup-code pages now, or None."""
        user = request.user
        if app_device(user) is None:
            return HttpResponseRedirect(reverse("admin:two_factor_enrol"))
        if not is_verified(user):
            return self.ask_for_a_code(request)
        return None

    def backup_codes_page(self, request, codes=None, next_url=None, shown_already=False):
        """The backup-code page; `codes`, when given, are new and shown this once."""
        context = {
            **self.each_context(request),
            "title": gettext("Backup codes"),
            "codes": codes,
            "shown_already": shown_already,
            "codes_left": StaticToken.objects.filter(device__user=request.user).count(),
            "next": next_url or reverse("admin:index"),
        }
        return TemplateResponse(request, "admin/two_factor_backup_codes.html", context)

    def ask_for_a_code(self, request):
        """Changing an enrolled user's app or backup codes needs a session a code verified:
        a password alone must not be enough to take over the second factor."""
        messages.info(
            request,
            gettext(
                "Your authenticator app is already set up. To change it or your backup codes, "
                "sign in with a code from it or with a backup code."
            ),
        )
        return HttpResponseRedirect(reverse("admin:login"))


def lockout_response(request, original_response=None, credentials=None):
    """The lock-out page (settings.AXES_LOCKOUT_CALLABLE): translated, with how long to wait,
    instead of axes' bare "Account locked" text."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "registration/lockout.html", context, status=429)
