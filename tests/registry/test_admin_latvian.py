"""Django's own Latvian strings, as coordinators meet them in the admin, corrected by the
project's catalogs (registry/admin_strings.py, locale/lv/LC_MESSAGES/djangojs.po): the right
case and plural form, and the formal "jūs"."""

import json

from django.test import override_settings
from django.urls import reverse

from tests.admin_helpers import CoordinatorsTestCase

LATVIAN = {"HTTP_ACCEPT_LANGUAGE": "lv"}


def js(text):
    """`text` as the JavaScript catalog writes it (JSON, non-ASCII escaped)."""
    return json.dumps(text)


@override_settings(REQUIRE_2FA=False)
class LatvianAdminStringsTests(CoordinatorsTestCase):
    def test_a_failed_sign_in_names_the_username_in_the_right_case(self):
        response = self.client.post(
            reverse("admin:login"),
            {"username": "kalix-coordinator", "password": "not the password", "next": "/admin/"},
            **LATVIAN,
        )
        self.assertContains(response, "Nepareizs personāla konta lietotājvārds vai parole.")
        self.assertNotContains(response, "pareizu lietotājvārds")

    def test_the_password_rules_agree_with_their_number(self):
        self.sign_in(self.kalix_user)
        response = self.client.get(reverse("admin:password_change"), **LATVIAN)
        self.assertContains(response, "Parolē jābūt vismaz 8 rakstzīmēm.")
        self.assertNotContains(response, "rakstzīmei")
        self.assertNotContains(response, "Tava ")

    def test_the_date_fields_time_zone_note_is_formal_and_declined(self):
        self.sign_in(self.kalix_user)
        script = self.client.get(reverse("admin:jsi18n"), **LATVIAN).content.decode()
        self.assertIn(js("Piezīme: jūsu laiks par %s stundu atpaliek no servera laika."), script)
        self.assertIn(js("Piezīme: jūsu laiks ir par %s stundām priekšā servera laikam."), script)
        self.assertIn(js("Izvēlieties datumu"), script)
        self.assertNotIn(js("Piezīme: Tavs"), script)
        self.assertNotIn(js("Izvēlies datumu"), script)
        # The note's forms are picked by Django's own plural rule for Latvian: one, other, zero.
        self.assertIn("(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2)", script)
