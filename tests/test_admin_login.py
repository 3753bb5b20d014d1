"""Signing in to the admin: lock-out after repeated failures, and two-factor sign-in."""

import math

from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.admin_helpers import PASSWORD, CoordinatorsTestCase


def current_code(device):
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift)).zfill(6)


class LoginTestCase(CoordinatorsTestCase):
    def log_in(self, password=PASSWORD, **extra):
        return self.client.post(
            reverse("admin:login"),
            {"username": "kalix-coordinator", "password": password, "next": "/admin/", **extra},
        )

    def assert_in_the_admin(self):
        response = self.client.get(reverse("admin:index"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "kalix-coordinator")

    def assert_not_in_the_admin(self):
        response = self.client.get(reverse("admin:projects_project_changelist"))
        self.assertEqual(response.status_code, 302)


@override_settings(REQUIRE_2FA=False)
class LockoutTests(LoginTestCase):
    def test_a_correct_password_signs_in(self):
        self.assertRedirects(self.log_in(), "/admin/")
        self.assert_in_the_admin()

    def test_repeated_failures_lock_the_account_out_with_a_clear_message(self):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            response = self.log_in(password="wrong password")
            self.assertContains(response, "Please enter the correct username and password")
        response = self.log_in(password="wrong password")
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "registration/lockout.html")
        self.assertContains(response, "Too many failed sign-in attempts", status_code=429)
        self.assertContains(
            response,
            f"locked after {settings.AXES_FAILURE_LIMIT} failed attempts",
            status_code=429,
        )
        minutes = math.ceil(settings.AXES_COOLOFF_TIME * 60)
        self.assertContains(response, f"Please wait {minutes} minutes", status_code=429)

        # Even the right password is refused until the lock expires.
        response = self.log_in()
        self.assertContains(response, "Too many failed sign-in attempts", status_code=429)
        self.assert_not_in_the_admin()


@override_settings(REQUIRE_2FA=False)
class PasswordOnlyTests(LoginTestCase):
    def test_without_2fa_a_password_is_enough_even_with_an_enrolled_app(self):
        TOTPDevice.objects.create(user=self.kalix_user, name="phone", confirmed=True)
        response = self.log_in()
        self.assertRedirects(response, "/admin/")
        self.assert_in_the_admin()

    def test_the_login_page_does_not_ask_for_a_code(self):
        response = self.client.get(reverse("admin:login"))
        self.assertNotContains(response, "otp_token")


@override_settings(REQUIRE_2FA=True)
class TwoFactorTests(LoginTestCase):
    def test_the_admin_is_closed_to_a_session_without_a_verified_device(self):
        self.sign_in(self.kalix_user)
        response = self.client.get(reverse("admin:projects_project_changelist"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("admin:login")))

    def test_staff_without_a_device_are_sent_from_the_login_to_enrolment(self):
        self.assertRedirects(self.log_in(), "/admin/", fetch_redirect_response=False)
        response = self.client.get(reverse("admin:index"), follow=True)
        self.assertEqual(response.request["PATH_INFO"], reverse("admin:two_factor_enrol"))
        self.assertContains(response, "<svg")
        self.assertContains(response, "Set up two-factor sign-in")

    def test_enrolling_with_the_first_code_opens_the_admin(self):
        self.sign_in(self.kalix_user)
        page = self.client.get(reverse("admin:two_factor_enrol"))
        self.assertContains(page, "<svg")
        device = TOTPDevice.objects.get(user=self.kalix_user)
        self.assertFalse(device.confirmed)
        self.assertContains(page, page.context["secret"])

        response = self.client.post(
            reverse("admin:two_factor_enrol"), {"token": current_code(device), "next": "/admin/"}
        )
        self.assertRedirects(response, "/admin/")
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assert_in_the_admin()

    def test_someone_half_way_through_enrolment_can_sign_out(self):
        self.sign_in(self.kalix_user)
        self.assertContains(self.client.get(reverse("admin:two_factor_enrol")), "Log out")
        self.client.post(reverse("admin:logout"))
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_wrong_first_code_confirms_nothing(self):
        self.sign_in(self.kalix_user)
        self.client.get(reverse("admin:two_factor_enrol"))
        device = TOTPDevice.objects.get(user=self.kalix_user)
        wrong = str((int(current_code(device)) + 1) % 1_000_000).zfill(6)
        response = self.client.post(reverse("admin:two_factor_enrol"), {"token": wrong})
        self.assertContains(response, "That code is not right")
        device.refresh_from_db()
        self.assertFalse(device.confirmed)
        self.assert_not_in_the_admin()

    def test_with_a_device_the_password_alone_is_not_enough(self):
        device = TOTPDevice.objects.create(user=self.kalix_user, name="phone", confirmed=True)
        response = self.log_in()
        self.assertContains(response, "Enter the six-digit code from your authenticator app.")
        self.assert_not_in_the_admin()

        self.assertRedirects(self.log_in(otp_token=current_code(device)), "/admin/")
        self.assert_in_the_admin()

    def test_a_wrong_code_counts_as_a_failed_sign_in(self):
        TOTPDevice.objects.create(user=self.kalix_user, name="phone", confirmed=True)
        response = self.log_in(otp_token="000000")
        self.assertContains(response, "That code is not right")
        attempt = AccessAttempt.objects.get(username="kalix-coordinator")
        self.assertEqual(attempt.failures_since_start, 1)
        self.assert_not_in_the_admin()

    def test_someone_with_a_device_cannot_enrol_another_one(self):
        TOTPDevice.objects.create(user=self.kalix_user, name="phone", confirmed=True)
        self.sign_in(self.kalix_user)  # password only: not verified
        response = self.client.get(reverse("admin:two_factor_enrol"))
        self.assertRedirects(response, reverse("admin:login"), fetch_redirect_response=False)
        self.assertEqual(TOTPDevice.objects.filter(user=self.kalix_user).count(), 1)

    def test_the_enrolment_page_needs_a_signed_in_staff_member(self):
        response = self.client.get(reverse("admin:two_factor_enrol"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("admin:login")))
        self.assertFalse(TOTPDevice.objects.exists())
