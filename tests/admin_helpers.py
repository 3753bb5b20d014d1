"""Shared set-up for the admin tests: two municipalities with a coordinator each."""

import io

import reversion
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase

from tests.factories import make_municipality, make_organisation, make_project

PASSWORD = "a long enough test passphrase"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def add_coordinator(username, municipality, password=PASSWORD):
    """A coordinator made the way an administrator makes one: with the add_coordinator command."""
    call_command(
        "add_coordinator",
        username,
        municipality=municipality.slug,
        password=password,
        stdout=io.StringIO(),
    )
    return get_user_model().objects.get(username=username)


def make_versioned_project(user=None, **fields):
    """A project with a first version in its history, as if it had been added in the admin."""
    with reversion.create_revision():
        project = make_project(**fields)
        reversion.set_user(user)
        reversion.set_comment("Added.")
    return project


def changeform_data(response):
    """The POST data a browser would send back for the admin change form in `response`,
    inline formsets included, with every field as the form shows it."""
    data = {}

    def add(form, name):
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None:
            return
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [str(item) for item in value]
        else:
            data[key] = str(value)

    form = response.context["adminform"].form
    for name in form.fields:
        add(form, name)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            add(formset.management_form, name)
        for inline_form in formset.forms:
            for name in inline_form.fields:
                add(inline_form, name)
    return data


class CoordinatorsTestCase(TestCase):
    """Kalix and Norrköping, each with a coordinator made by add_coordinator and one unit."""

    @classmethod
    def setUpTestData(cls):
        cls.kalix = make_municipality("kalix", name="Kalix")
        cls.norrkoping = make_municipality("norrkoping", name="Norrköping")
        cls.kalix_user = add_coordinator("kalix-coordinator", cls.kalix)
        cls.norrkoping_user = add_coordinator("norrkoping-coordinator", cls.norrkoping)
        cls.kalix_school = make_organisation(cls.kalix, slug="kalix-school", name="Kalix School")
        cls.norrkoping_school = make_organisation(
            cls.norrkoping, slug="norrkoping-school", name="Norrköping School"
        )

    def setUp(self):
        # Assertions read English text; the site's default language is Swedish.
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def sign_in(self, user):
        self.client.force_login(user, backend=MODEL_BACKEND)
