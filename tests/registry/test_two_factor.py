"""Signing in to the admin: lock-out after repeated failures, two-factor sign-in, backup codes."""

import math
import time

from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.two_factor import new_backup_codes
from tests.admin_helpers import PASSWORD, CoordinatorsTestCase

NEW_CODES_URL = "/admin/two-factor/backup-codes/new/"


def app_code(device, steps_ahead=0):
    """The code `device`'s app shows now, or `steps_ahead` periods of 30 s from now (a code
    is accepted once, so a second sign-in in the same period takes the next one)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return str(totp.token()).zfill(device.digits)


def wrong_code(device):
    return str((int(app_code(device)) + 1) % 1_000_000).zfill(6)


class LoginTestCase(CoordinatorsTestCase):
    def log_in(self, password=PASSWORD, username="kalix-coordinator", **extra):
        return self.client.post(
            reverse("admin:login"),
            {"username": username, "password": password, "next": "/admin/", **extra},
        )

    def log_out(self):
        self.client.post(reverse("admin:logout"))

    def enrol(self):
        """Sign in with the password and set up an app, as a coordinator does; returns the app
        and the page showing the backup codes, which the enrolment redirects to."""
        self.log_in()
        self.client.get(reverse("admin:two_factor_enrol"))
        device = TOTPDevice.objects.get(user=self.kalix_user)
        response = self.client.post(
            reverse("admin:two_factor_enrol"), {"token": app_code(device), "next": "/admin/"}
        )
        self.assertRedirects(
            response, NEW_CODES_URL + "?next=%2Fadmin%2F", fetch_redirect_response=False
        )
        return device, self.client.get(response["Location"])

    def make_new_backup_codes(self):
        """Press "Make new backup codes"; returns the page the browser is sent to."""
        response = self.client.post(reverse("admin:two_factor_backup_codes"))
        self.assertRedirects(
            response, NEW_CODES_URL + "?next=%2Fadmin%2F", fetch_redirect_response=False
        )
        return self.client.get(response["Location"])

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
class OptInTests(LoginTestCase):
    """With REQUIRE_2FA off, two-factor sign-in is opt-in: a password is enough until someone
    sets up an app, and from then on they give a code at every sign-in."""

    def test_without_an_app_a_password_is_enough(self):
        TOTPDevice.objects.create(user=self.kalix_user, name="half set up", confirmed=False)
        self.assertRedirects(self.log_in(), "/admin/")
        self.assert_in_the_admin()

    def test_the_login_page_has_a_code_field_to_leave_empty_without_an_app(self):
        for language, text in [
            ("sv", "Lämna tomt om du inte har ställt in tvåfaktorsinloggning."),
            ("lv", "Atstājiet tukšu, ja neesat iestatījis divfaktoru pieteikšanos."),
            ("en", "Leave empty if you have not set up two-factor sign-in."),
        ]:
            with self.subTest(language=language):
                page = self.client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE=language)
                self.assertContains(page, 'name="otp_token"')
                self.assertContains(page, text)
                self.assertNotContains(page, "you will be guided through it")

    def test_once_enrolled_a_coordinator_signs_in_with_a_code_and_manages_her_devices(self):
        device, page = self.enrol()
        codes = page.context["codes"]
        self.assertEqual(len(codes), 10)
        self.log_out()

        response = self.log_in()
        self.assertContains(
            response,
            "Enter the six-digit code from your authenticator app, or one of your backup codes.",
        )
        self.assertNotContains(response, PASSWORD)
        self.assert_not_in_the_admin()

        self.assertRedirects(self.log_in(otp_token=app_code(device, 1)), "/admin/")
        self.assert_in_the_admin()
        self.assertContains(
            self.client.get(reverse("admin:two_factor_backup_codes")),
            "You have 10 unused backup codes.",
        )
        self.assertEqual(len(self.make_new_backup_codes().context["codes"]), 10)
        self.assertContains(
            self.client.get(reverse("admin:two_factor_enrol")), "Set up a new phone"
        )

    def test_a_lost_phone_is_replaced_after_signing_in_with_a_backup_code(self):
        _, page = self.enrol()
        self.log_out()
        self.assertRedirects(self.log_in(otp_token=page.context["codes"][0]), "/admin/")
        self.client.get(reverse("admin:two_factor_enrol"))
        new_phone = TOTPDevice.objects.get(user=self.kalix_user, confirmed=False)
        response = self.client.post(
            reverse("admin:two_factor_enrol"), {"token": app_code(new_phone), "next": "/admin/"}
        )
        self.assertRedirects(response, "/admin/")
        self.assertEqual(list(TOTPDevice.objects.filter(user=self.kalix_user)), [new_phone])

    def test_a_wrong_code_counts_as_a_failed_sign_in(self):
        device = TOTPDevice.objects.create(user=self.kalix_user, name="phone", confirmed=True)
        response = self.log_in(otp_token=wrong_code(device))
        self.assertContains(response, "That code is not right")
        attempt = AccessAttempt.objects.get(username="kalix-coordinator")
        self.assertEqual(attempt.failures_since_start, 1)
        self.assert_not_in_the_admin()

    def test_a_session_signed_in_by_password_alone_is_asked_for_a_code(self):
        """A session from before the app was set up elsewhere, or signed in without a code."""
        TOTPDevice.objects.create(user=self.kalix_user, name="phone", confirmed=True)
        self.sign_in(self.kalix_user)
        self.assert_not_in_the_admin()
        page = self.client.get(reverse("admin:login"))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Enter your password and the code from your authenticator app")
        self.assertContains(page, 'name="otp_token"')


@override_settings(REQUIRE_2FA=True)
class EnrolmentTests(LoginTestCase):
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

    def test_enrolling_shows_the_backup_codes_once_and_opens_the_admin(self):
        device, page = self.enrol()

        codes = page.context["codes"]
        self.assertEqual(len(codes), 10)
        self.assertIn("no-store", page["Cache-Control"])
        for code in codes:
            self.assertContains(page, f"<code>{code}</code>", html=True)
        self.assertContains(page, "They are shown only this once.")
        self.assertCountEqual(
            StaticToken.objects.filter(device__user=self.kalix_user).values_list(
                "token", flat=True
            ),
            codes,
        )
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assert_in_the_admin()

        later = self.client.get(reverse("admin:two_factor_backup_codes"))
        self.assertContains(later, "You have 10 unused backup codes.")
        for code in codes:
            self.assertNotContains(later, code)

    def test_the_enrolment_page_shows_the_key_of_the_app_it_sets_up(self):
        self.sign_in(self.kalix_user)
        page = self.client.get(reverse("admin:two_factor_enrol"))
        self.assertContains(page, "<svg")
        self.assertContains(page, page.context["secret"])
        self.assertFalse(TOTPDevice.objects.get(user=self.kalix_user).confirmed)

    def test_someone_half_way_through_enrolment_can_sign_out(self):
        self.sign_in(self.kalix_user)
        self.assertContains(self.client.get(reverse("admin:two_factor_enrol")), "Log out")
        self.log_out()
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_wrong_first_code_confirms_nothing(self):
        self.sign_in(self.kalix_user)
        self.client.get(reverse("admin:two_factor_enrol"))
        device = TOTPDevice.objects.get(user=self.kalix_user)
        response = self.client.post(
            reverse("admin:two_factor_enrol"), {"token": wrong_code(device)}
        )
        self.assertContains(response, "That code is not right")
        device.refresh_from_db()
        self.assertFalse(device.confirmed)
        self.assertFalse(StaticToken.objects.exists())
        self.assert_not_in_the_admin()

    def test_a_password_alone_cannot_set_up_another_app_or_new_backup_codes(self):
        TOTPDevice.objects.create(user=self.kalix_user, name="phone", confirmed=True)
        self.sign_in(self.kalix_user)  # password only: not verified
        response = self.client.get(reverse("admin:two_factor_enrol"))
        self.assertRedirects(response, reverse("admin:login"), fetch_redirect_response=False)
        response = self.client.post(reverse("admin:two_factor_backup_codes"))
        self.assertTrue(response["Location"].startswith(reverse("admin:login")))
        self.assertEqual(TOTPDevice.objects.filter(user=self.kalix_user).count(), 1)
        self.assertFalse(StaticToken.objects.exists())

    def test_the_enrolment_page_needs_a_signed_in_staff_member(self):
        response = self.client.get(reverse("admin:two_factor_enrol"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("admin:login")))
        self.assertFalse(TOTPDevice.objects.exists())


@override_settings(REQUIRE_2FA=True)
class SigningInWithACodeTests(LoginTestCase):
    def test_with_an_app_the_password_alone_is_not_enough(self):
        device = TOTPDevice.objects.create(user=self.kalix_user, name="phone", confirmed=True)
        response = self.log_in()
        self.assertContains(
            response,
            "Enter the six-digit code from your authenticator app, or one of your backup codes.",
        )
        self.assert_not_in_the_admin()

        self.assertRedirects(self.log_in(otp_token=app_code(device)), "/admin/")
        self.assert_in_the_admin()

    def test_a_backup_code_signs_in_once(self):
        device, page = self.enrol()
        code = page.context["codes"][0]
        self.log_out()

        self.assertRedirects(self.log_in(otp_token=code), "/admin/")
        self.assert_in_the_admin()
        self.assertEqual(StaticToken.objects.filter(device__user=self.kalix_user).count(), 9)
        self.log_out()

        response = self.log_in(otp_token=code)
        self.assertContains(response, "That code is not right, or it has already been used.")
        self.assert_not_in_the_admin()
        attempt = AccessAttempt.objects.get(username="kalix-coordinator")
        self.assertEqual(attempt.failures_since_start, 1)

    def test_a_backup_code_may_be_typed_in_capitals_and_groups(self):
        _, page = self.enrol()
        code = page.context["codes"][0]
        self.log_out()
        typed = f"{code[:4].upper()} {code[4:].upper()}"
        self.assertRedirects(self.log_in(otp_token=typed), "/admin/")

    def test_a_wrong_code_is_a_form_error_and_counts_as_a_failed_sign_in(self):
        device = TOTPDevice.objects.create(user=self.kalix_user, name="phone", confirmed=True)
        response = self.log_in(otp_token=wrong_code(device))
        self.assertContains(response, "That code is not right")
        self.assertNotContains(response, PASSWORD)
        attempt = AccessAttempt.objects.get(username="kalix-coordinator")
        self.assertEqual(attempt.failures_since_start, 1)
        self.assert_not_in_the_admin()

        # At once after a wrong code, django-otp checks none for a moment: it says so.
        response = self.log_in(otp_token=app_code(device))
        self.assertContains(response, "After 1 wrong code, codes are not checked")
        self.assert_not_in_the_admin()

    def test_codes_that_are_no_codes_at_all_are_form_errors(self):
        TOTPDevice.objects.create(user=self.kalix_user, name="phone", confirmed=True)
        for typed in ["not a code!", "x" * 40, "١٢٣٤٥٦"]:
            with self.subTest(typed=typed):
                AccessAttempt.objects.all().delete()
                response = self.log_in(otp_token=typed)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors)
                self.assert_not_in_the_admin()

    def test_the_login_page_offers_backup_codes_in_each_language(self):
        for language, text in [
            ("sv", "ange en av dina reservkoder"),
            ("lv", "ievadiet kādu no saviem rezerves kodiem"),
            ("en", "enter one of your backup codes instead"),
        ]:
            with self.subTest(language=language):
                page = self.client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE=language)
                self.assertContains(page, text)


@override_settings(REQUIRE_2FA=True)
class BackupCodeTests(LoginTestCase):
    def test_new_backup_codes_replace_the_old_ones(self):
        _, page = self.enrol()
        old = page.context["codes"]
        new_page = self.make_new_backup_codes()
        new = new_page.context["codes"]
        self.assertEqual(len(new), 10)
        self.assertFalse(set(old) & set(new))
        for code in new:
            self.assertContains(new_page, f"<code>{code}</code>", html=True)
        self.log_out()

        self.assertRedirects(self.log_in(otp_token=new[0]), "/admin/")
        self.log_out()
        self.assertContains(self.log_in(otp_token=old[0]), "That code is not right")

    def test_a_lost_phone_is_replaced_after_signing_in_with_a_backup_code(self):
        old_phone, page = self.enrol()
        self.log_out()
        self.log_in(otp_token=page.context["codes"][0])

        enrol = self.client.get(reverse("admin:two_factor_enrol"))
        self.assertContains(enrol, "Set up a new phone")
        new_phone = TOTPDevice.objects.get(user=self.kalix_user, confirmed=False)
        response = self.client.post(
            reverse("admin:two_factor_enrol"), {"token": app_code(new_phone), "next": "/admin/"}
        )
        self.assertRedirects(response, "/admin/")
        self.assertEqual(list(TOTPDevice.objects.filter(user=self.kalix_user)), [new_phone])
        self.assertEqual(StaticToken.objects.filter(device__user=self.kalix_user).count(), 9)
        self.assert_in_the_admin()
        self.log_out()

        self.assertRedirects(self.log_in(otp_token=app_code(new_phone, 1)), "/admin/")

    def test_the_backup_code_page_counts_in_latvian(self):
        _, page = self.enrol()
        self.log_out()
        self.log_in(otp_token=page.context["codes"][0])
        response = self.client.get(
            reverse("admin:two_factor_backup_codes"), HTTP_ACCEPT_LANGUAGE="lv"
        )
        self.assertContains(response, "Jums ir 9 neizmantoti rezerves kodi.")

    def test_a_coordinator_sees_only_their_own_codes_and_no_ones_devices(self):
        norrkoping_app = TOTPDevice.objects.create(
            user=self.norrkoping_user, name="phone", confirmed=True
        )
        new_backup_codes(self.norrkoping_user)
        norrkoping_codes = StaticDevice.objects.get(user=self.norrkoping_user)
        _, page = self.enrol()
        self.log_out()
        self.log_in(otp_token=page.context["codes"][0])

        self.assertContains(
            self.client.get(reverse("admin:two_factor_backup_codes")),
            "You have 9 unused backup codes.",
        )
        for url in [
            reverse("admin:otp_totp_totpdevice_changelist"),
            reverse("admin:otp_totp_totpdevice_change", args=[norrkoping_app.pk]),
            reverse("admin:otp_static_staticdevice_changelist"),
            reverse("admin:otp_static_staticdevice_change", args=[norrkoping_codes.pk]),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(TOTPDevice.objects.filter(user=self.norrkoping_user).count(), 1)

    def test_a_code_of_another_coordinator_does_not_sign_in(self):
        _, page = self.enrol()
        self.log_out()
        TOTPDevice.objects.create(user=self.norrkoping_user, name="phone", confirmed=True)
        response = self.log_in(
            username="norrkoping-coordinator", otp_token=page.context["codes"][0]
        )
        self.assertContains(response, "That code is not right")
        self.assertEqual(StaticToken.objects.filter(device__user=self.kalix_user).count(), 10)


@override_settings(REQUIRE_2FA=True)
class ReloadingTheCodesTests(LoginTestCase):
    """New codes come by Post/Redirect/Get: reloading the page that shows them must not make
    another set, which would void the codes just written down."""

    def assert_shown_already(self, page, codes):
        self.assertEqual(page.status_code, 200)
        self.assertIn("no-store", page["Cache-Control"])
        self.assertContains(page, "these have been shown already")
        self.assertContains(page, "You have 10 unused backup codes.")
        self.assertContains(page, "Make new backup codes")
        self.assertContains(page, f'action="{reverse("admin:two_factor_backup_codes")}"')
        for code in codes:
            self.assertNotContains(page, code)
        self.assertCountEqual(
            StaticToken.objects.filter(device__user=self.kalix_user).values_list(
                "token", flat=True
            ),
            codes,
        )

    def test_reloading_new_codes_shows_them_no_more_and_keeps_them(self):
        self.enrol()
        page = self.make_new_backup_codes()
        codes = page.context["codes"]
        self.assertIn("no-store", page["Cache-Control"])
        self.assertNotContains(page, "shown already")
        for code in codes:
            self.assertContains(page, f"<code>{code}</code>", html=True)

        self.assert_shown_already(self.client.get(page.request["PATH_INFO"]), codes)
        self.log_out()
        self.assertRedirects(self.log_in(otp_token=codes[0]), "/admin/")

    def test_reloading_the_first_codes_shows_them_no_more_and_keeps_them(self):
        _, page = self.enrol()
        codes = page.context["codes"]
        reload = self.client.get(NEW_CODES_URL, {"next": "/admin/projects/"})
        self.assert_shown_already(reload, codes)
        self.assertContains(reload, 'href="/admin/projects/"')

    def test_codes_a_later_set_replaced_are_not_shown(self):
        self.enrol()
        self.client.post(reverse("admin:two_factor_backup_codes"))
        new_backup_codes(self.kalix_user)  # in another session, before this one showed them
        page = self.client.get(NEW_CODES_URL)
        self.assertIsNone(page.context["codes"])
        self.assertContains(page, "these have been shown already")
