"""Signing in to the admin: two-factor sign-in (TOTP) and the page shown after a lock-out.

With `settings.REQUIRE_2FA` on, the admin lets in only staff whose session was verified by a
confirmed TOTP device (django-otp). A staff member without a device signs in with their
password and is sent to the enrolment page, which shows a QR code (an inline SVG drawn on the
server, no external service, no JavaScript) and confirms the device with its first code. With
`REQUIRE_2FA` off, a password is enough and enrolment is optional.

django-axes locks a username and address out after repeated failed sign-ins (wrong password or
wrong code); `lockout_response` explains that in the user's language.
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
from django.contrib.admin.forms import AdminAuthenticationForm
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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice


def is_verified(user):
    """True when OTPMiddleware has found a confirmed device in this user's session."""
    return bool(getattr(user, "is_verified", lambda: False)())


def confirmed_device(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def qr_code_svg(data):
    """`data` as a QR code in an <svg> element, ready to inline in a page. The white
    background keeps it scannable in the admin's dark theme; no style attribute, for the CSP."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage)
    return mark_safe(image.to_string(encoding="unicode"))


class TwoFactorAuthenticationForm(AdminAuthenticationForm):
    """The admin login form, asking also for a code when 2FA is required and the user has a
    device. A wrong code counts as a failed login for django-axes, like a wrong password."""

    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "token_required": _("Enter the six-digit code from your authenticator app."),
        "invalid_token": _(
            "That code is not right, or it has already been used. "
            "Wait for the next code and try again."
        ),
    }

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        if user is None or not settings.REQUIRE_2FA:
            return cleaned_data
        device = confirmed_device(user)
        if device is None:
            return cleaned_data  # signs in with the password, then enrols a device
        token = (cleaned_data.get("otp_token") or "").strip()
        if not token:
            raise forms.ValidationError(
                self.error_messages["token_required"], code="token_required"
            )
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            verified = device.verify_token(token)
        if not verified:
            user_login_failed.send(
                sender=__name__, credentials={"username": user.get_username()}, request=self.request
            )
            raise forms.ValidationError(self.error_messages["invalid_token"], code="invalid_token")
        # django_otp's user_logged_in handler stores the device in the session.
        user.otp_device = device
        return cleaned_data


class EnrolmentForm(forms.Form):
    token = forms.CharField(
        label=_("Code shown by the app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RegistryAdminSite(admin.AdminSite):
    """The admin site: requires a verified device when REQUIRE_2FA is on, and serves the
    enrolment page. Installed on the default `admin.site` in registry/admin.py."""

    site_header = _("Registry of municipal international projects")
    site_title = _("Registry administration")
    index_title = _("Administration")
    login_form = TwoFactorAuthenticationForm
    login_template = "admin/two_factor_login.html"

    def has_permission(self, request):
        return super().has_permission(request) and (
            not settings.REQUIRE_2FA or is_verified(request.user)
        )

    def login(self, request, extra_context=None):
        user = request.user
        if (
            settings.REQUIRE_2FA
            and request.method == "GET"
            and user.is_active
            and user.is_staff
            and not is_verified(user)
            and confirmed_device(user) is None
        ):
            next_url = request.GET.get(REDIRECT_FIELD_NAME, reverse("admin:index"))
            return HttpResponseRedirect(
                f"{reverse('admin:two_factor_enrol')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
            )
        context = {"require_2fa": settings.REQUIRE_2FA, **(extra_context or {})}
        return super().login(request, context)

    def get_urls(self):
        return [
            path("two-factor/", never_cache(self.enrol_view), name="two_factor_enrol"),
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
        """Create a TOTP device for a signed-in staff user who has none, show its QR code and
        confirm it with the first code it shows."""
        request.current_app = self.name
        user = request.user
        if not (user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index")
        if confirmed_device(user) is not None:
            # A second device needs the first one: ask an administrator to remove it instead.
            messages.info(request, gettext("You already have an authenticator app set up."))
            return HttpResponseRedirect(next_url if is_verified(user) else reverse("admin:login"))

        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=user, name=gettext("Authenticator app"), confirmed=False
            )
        form = EnrolmentForm(request.POST or None)
        if form.is_valid():
            if device.verify_token(form.cleaned_data["token"].strip()):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                django_otp.login(request, device)
                messages.success(request, gettext("Two-factor sign-in is set up."))
                return HttpResponseRedirect(next_url)
            form.add_error(
                "token",
                gettext(
                    "That code is not right. Check the time on your phone and try the next code."
                ),
            )

        secret = b32encode(device.bin_key).decode()
        context = {
            **self.each_context(request),
            "title": gettext("Set up two-factor sign-in"),
            "form": form,
            "qr_code": qr_code_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": next_url,
        }
        return TemplateResponse(request, "admin/two_factor_enrol.html", context)


def lockout_response(request, original_response=None, credentials=None):
    """The lock-out page (settings.AXES_LOCKOUT_CALLABLE): translated, with how long to wait,
    instead of axes' bare "Account locked" text."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "registration/lockout.html", context, status=429)
