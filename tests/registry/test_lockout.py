"""The sign-in lock-out counts failures per username and real client: behind the reverse
proxy a stranger cannot lock a coordinator out, and without one a forged X-Forwarded-For
changes nothing."""

from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from tests.admin_helpers import PASSWORD, CoordinatorsTestCase

PROXY = "10.0.0.2"
STRANGER = "203.0.113.7"
COORDINATOR = "198.51.100.20"


@override_settings(REQUIRE_2FA=False)
class LockoutTestCase(CoordinatorsTestCase):
    def log_in(self, password=PASSWORD, remote_addr=PROXY, forwarded_for=None):
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        return self.client.post(
            reverse("admin:login"),
            {"username": "kalix-coordinator", "password": password, "next": "/admin/"},
            REMOTE_ADDR=remote_addr,
            headers=headers,
        )

    def fail_until_locked_out(self, **client):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = self.log_in(password="wrong password", **client)
        self.assertContains(response, "Too many failed sign-in attempts", status_code=429)


@override_settings(TRUSTED_PROXY_COUNT=1)
class BehindTheProxyTests(LockoutTestCase):
    def test_a_strangers_failures_do_not_lock_out_the_coordinator_elsewhere(self):
        self.fail_until_locked_out(forwarded_for=STRANGER)

        response = self.log_in(forwarded_for=COORDINATOR)

        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
        attempt = AccessAttempt.objects.get()
        self.assertEqual(attempt.ip_address, STRANGER)

    def test_the_stranger_stays_locked_out_even_with_the_right_password(self):
        self.fail_until_locked_out(forwarded_for=STRANGER)

        response = self.log_in(forwarded_for=STRANGER)

        self.assertEqual(response.status_code, 429)

    def test_only_the_address_the_proxy_wrote_counts(self):
        # The client sent "X-Forwarded-For: <coordinator's address>"; the proxy appended the
        # stranger's real address after it.
        self.fail_until_locked_out(forwarded_for=f"{COORDINATOR}, {STRANGER}")

        response = self.log_in(forwarded_for=COORDINATOR)

        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
        self.assertEqual(AccessAttempt.objects.get().ip_address, STRANGER)

    @override_settings(TRUSTED_PROXY_COUNT=2)
    def test_with_two_proxies_the_client_is_second_from_the_right(self):
        self.fail_until_locked_out(forwarded_for=f"{COORDINATOR}, {STRANGER}, 10.0.0.1")

        self.assertEqual(AccessAttempt.objects.get().ip_address, STRANGER)
        response = self.log_in(forwarded_for=f"{COORDINATOR}, 10.0.0.1")
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)


class WithoutAProxyTests(LockoutTestCase):
    def test_a_forged_forwarded_for_is_ignored(self):
        # A stranger connecting directly cannot escape the lock-out by naming other addresses
        # (nor make their failures count against someone else's).
        for number in range(settings.AXES_FAILURE_LIMIT):
            self.log_in(
                password="wrong password",
                remote_addr=STRANGER,
                forwarded_for=f"198.51.100.{number}",
            )

        response = self.log_in(remote_addr=STRANGER, forwarded_for=COORDINATOR)

        self.assertContains(response, "Too many failed sign-in attempts", status_code=429)
        self.assertEqual(AccessAttempt.objects.get().ip_address, STRANGER)

    def test_a_coordinator_connecting_from_elsewhere_is_not_locked_out(self):
        self.fail_until_locked_out(remote_addr=STRANGER)

        response = self.log_in(remote_addr=COORDINATOR)

        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
