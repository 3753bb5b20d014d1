"""Edits are never lost silently: a change form saved after someone else saved the same record
answers 409 with both versions and saves nothing (registry/admin_conflicts.py)."""

import html
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from projects.models import Contact, Event
from tests.admin_helpers import MODEL_BACKEND, CoordinatorsTestCase, changeform_data
from tests.factories import make_event, make_municipality, make_project

VERSION = re.compile(r'name="_edit_version" value="([^"]*)"')


def form_data(response):
    """What the browser posts back for the change form in `response`, its version included."""
    data = changeform_data(response)
    data["_edit_version"] = html.unescape(VERSION.search(response.content.decode()).group(1))
    return data


def conflict_tables(response):
    """The conflict page's part that sets what is stored next to what was typed."""
    page = response.content.decode()
    return page.split('class="module edit-conflict"')[1].split("</section>")[0]


class StaleFormTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = make_project(municipality=cls.kalix, title="Old title", summary="Old summary")
        cls.event = make_event(cls.project, title="Opening", place="Town hall", date="2026-05-01")
        cls.url = reverse("admin:projects_project_change", args=[cls.project.pk])

    def setUp(self):
        super().setUp()
        self.sign_in(self.kalix_user)

    def two_tabs(self):
        return form_data(self.client.get(self.url)), form_data(self.client.get(self.url))

    def test_the_second_tab_gets_a_conflict_page_with_both_versions_and_overwrites_nothing(self):
        first, second = self.two_tabs()
        first["title"] = "Title from the first tab"
        self.assertEqual(self.client.post(self.url, first).status_code, 302)
        second["summary"] = "Summary from the second tab"
        response = self.client.post(self.url, second)
        self.assertEqual(response.status_code, 409)
        self.assertContains(
            response, "Someone else saved this record after you opened it", status_code=409
        )
        table = conflict_tables(response)
        for text in [
            "Stored now",
            "You typed",
            "Title from the first tab",
            "Old title",
            "Old summary",
            "Summary from the second tab",
        ]:
            self.assertIn(text, table)
        self.assertNotIn("Town hall", table)  # the event is as the form showed it
        # The form is shown again with what the second tab typed.
        self.assertEqual(
            response.context["adminform"].form["summary"].value(), "Summary from the second tab"
        )
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "Title from the first tab")
        self.assertEqual(self.project.summary, "Old summary")

    def test_saving_again_from_the_conflict_page_stores_what_the_form_then_holds(self):
        first, second = self.two_tabs()
        first["title"] = "Title from the first tab"
        self.client.post(self.url, first)
        second["summary"] = "Summary from the second tab"
        conflict = self.client.post(self.url, second)
        again = form_data(conflict)
        again["title"] = "Title from the first tab"  # kept consciously
        self.assertEqual(self.client.post(self.url, again).status_code, 302)
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "Title from the first tab")
        self.assertEqual(self.project.summary, "Summary from the second tab")

    def test_a_conflict_page_saved_as_it_is_stores_what_the_user_typed(self):
        first, second = self.two_tabs()
        first["title"] = "Title from the first tab"
        self.client.post(self.url, first)
        second["summary"] = "Summary from the second tab"
        conflict = self.client.post(self.url, second)
        self.assertEqual(self.client.post(self.url, form_data(conflict)).status_code, 302)
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "Old title")
        self.assertEqual(self.project.summary, "Summary from the second tab")

    def test_a_conflict_page_that_is_itself_stale_conflicts_again(self):
        first, second = self.two_tabs()
        first["title"] = "Title one"
        self.client.post(self.url, first)
        conflict = self.client.post(self.url, second)
        third = form_data(self.client.get(self.url))
        third["title"] = "Title three"
        self.assertEqual(self.client.post(self.url, third).status_code, 302)
        self.assertEqual(self.client.post(self.url, form_data(conflict)).status_code, 409)
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "Title three")

    def test_a_save_with_no_conflict_works_as_before(self):
        data = form_data(self.client.get(self.url))
        data["title"] = "New title"
        data["events-0-place"] = "Library"
        self.assertEqual(self.client.post(self.url, data).status_code, 302)
        self.project.refresh_from_db()
        self.event.refresh_from_db()
        self.assertEqual(self.project.title, "New title")
        self.assertEqual(self.event.place, "Library")
        # Twice in a row from fresh forms: each form is the latest version when it is saved.
        data = form_data(self.client.get(self.url))
        data["summary"] = "Newer summary"
        self.assertEqual(self.client.post(self.url, data).status_code, 302)

    def test_a_form_refused_for_another_reason_keeps_the_version_it_was_opened_with(self):
        first, second = self.two_tabs()
        second["title"] = ""  # required
        refused = self.client.post(self.url, second)
        self.assertEqual(refused.status_code, 200)
        first["title"] = "Title from the first tab"
        self.client.post(self.url, first)
        corrected = form_data(refused)
        corrected["title"] = "Corrected title"
        self.assertEqual(self.client.post(self.url, corrected).status_code, 409)
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "Title from the first tab")

    def test_an_event_edited_in_another_tab_conflicts_in_the_project_form(self):
        first, second = self.two_tabs()
        first["events-0-title"] = "Grand opening"
        self.assertEqual(self.client.post(self.url, first).status_code, 302)
        second["events-0-place"] = "Library"
        response = self.client.post(self.url, second)
        self.assertEqual(response.status_code, 409)
        table = conflict_tables(response)
        self.assertIn("Event: Grand opening", table)
        self.assertIn("Opening", table)
        self.assertIn("Library", table)
        self.assertNotIn("Old summary", table)  # the project itself is as the form showed it
        self.event.refresh_from_db()
        self.assertEqual((self.event.title, self.event.place), ("Grand opening", "Town hall"))
        # Saving again from the conflict page applies the event as typed there.
        again = form_data(response)
        again["events-0-title"] = "Grand opening"
        self.assertEqual(self.client.post(self.url, again).status_code, 302)
        self.event.refresh_from_db()
        self.assertEqual((self.event.title, self.event.place), ("Grand opening", "Library"))

    def test_an_event_saved_on_its_own_page_conflicts_in_the_project_form(self):
        project_form = form_data(self.client.get(self.url))
        event_url = reverse("admin:projects_event_change", args=[self.event.pk])
        event_form = form_data(self.client.get(event_url))
        event_form["place"] = "Harbour"
        self.assertEqual(self.client.post(event_url, event_form).status_code, 302)
        project_form["title"] = "New title"
        self.assertEqual(self.client.post(self.url, project_form).status_code, 409)
        self.event.refresh_from_db()
        self.project.refresh_from_db()
        self.assertEqual((self.event.place, self.project.title), ("Harbour", "Old title"))

    def test_an_event_deleted_by_someone_else_is_named_and_can_be_dropped(self):
        data = form_data(self.client.get(self.url))
        Event.objects.filter(pk=self.event.pk).delete()
        data["title"] = "New title"
        response = self.client.post(self.url, data)
        self.assertContains(response, "deleted by someone else", status_code=409)
        again = form_data(response)
        again["events-0-DELETE"] = "on"
        self.assertEqual(self.client.post(self.url, again).status_code, 302)
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "New title")

    def test_every_confined_admin_detects_a_stale_form(self):
        contact = Contact.objects.create(municipality=self.kalix, name="Anna", role="Head")
        url = reverse("admin:projects_contact_change", args=[contact.pk])
        first, second = form_data(self.client.get(url)), form_data(self.client.get(url))
        first["role"] = "Director"
        self.assertEqual(self.client.post(url, first).status_code, 302)
        second["phone"] = "0923-123"
        response = self.client.post(url, second)
        self.assertContains(response, "Director", status_code=409)
        contact.refresh_from_db()
        self.assertEqual((contact.role, contact.phone), ("Director", ""))

    def test_the_conflict_page_speaks_the_users_language(self):
        first, second = self.two_tabs()
        first["title"] = "Title from the first tab"
        self.client.post(self.url, first)
        for language, words in [
            ("sv", "Någon annan sparade posten efter att du öppnade den"),
            ("lv", "Kāds cits saglabāja šo ierakstu pēc tam, kad jūs to atvērāt"),
        ]:
            response = self.client.post(self.url, second, HTTP_ACCEPT_LANGUAGE=language)
            self.assertContains(response, words, status_code=409)

    def test_another_municipalitys_coordinator_learns_nothing_from_a_version(self):
        data = form_data(self.client.get(self.url))
        self.client.post(self.url, {**data, "title": "Newer"})
        self.sign_in(self.norrkoping_user)
        response = self.client.post(self.url, {**data, "title": "Hijacked"})
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, "Newer", status_code=404)
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "Newer")


# Two saves at the same moment, on real databases: of two tabs opened on one version, exactly
# one is saved and the other gets the conflict page; none is refused as "database unavailable".

RACE_TITLES = ["Title from tab A", "Title from tab B"]


def race():
    """Opens the change form in two tabs, then saves both at once, each in its own thread and
    database connection; prints the answers' statuses and the stored title as JSON."""
    from django.db import close_old_connections

    from tests.admin_helpers import add_coordinator

    municipality = make_municipality("race", name="Race")
    user = add_coordinator("race-coordinator", municipality)
    project = make_project(municipality=municipality, title="Before")
    url = reverse("admin:projects_project_change", args=[project.pk])
    clients = [Client(HTTP_ACCEPT_LANGUAGE="en") for _ in RACE_TITLES]
    forms = []
    for client, title in zip(clients, RACE_TITLES, strict=True):
        client.force_login(user, backend=MODEL_BACKEND)
        forms.append({**form_data(client.get(url)), "title": title})
    start = threading.Barrier(len(clients))
    statuses = {}

    def save(index):
        try:
            start.wait()
            statuses[index] = clients[index].post(url, forms[index]).status_code
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    project.refresh_from_db()
    print(
        json.dumps(
            {"statuses": [statuses.get(i) for i in range(len(clients))], "title": project.title}
        )
    )


def assert_one_saved_and_one_conflict(result):
    statuses, title = result["statuses"], result["title"]
    assert sorted(statuses) == [302, 409], statuses
    assert title == RACE_TITLES[statuses.index(302)]


def test_simultaneous_saves_on_a_sqlite_file_take_turns(tmp_path):
    """On SQLite (a file, as deployed: the tests' in-memory database shares one cache between
    threads, which locks differently) the second writer waits for the first instead of
    failing with "database is locked", then finds the first one's save."""
    root = Path(settings.BASE_DIR)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "registry.settings",
        "PAGE_CACHE_SECONDS": "0",
        # No collectstatic manifest in a fresh clone, as for the other tests (conftest.py).
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
    manage = [sys.executable, str(root / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=root, env=env, check=True, timeout=300)
    code = (
        "from django.conf import settings; "
        "settings.PASSWORD_HASHERS = ['django.contrib.auth.hashers.MD5PasswordHasher']; "
        "from django.test.utils import setup_test_environment; setup_test_environment(); "
        "from tests.registry.test_admin_conflicts import race; race()"
    )
    run = subprocess.run(
        [*manage, "shell", "-c", code],
        cwd=root,
        env=env,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert_one_saved_and_one_conflict(json.loads(run.stdout.strip().splitlines()[-1]))


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_on_postgresql_take_turns():
    """On PostgreSQL the second save waits on the first one's row lock, then finds its save."""
    if connection.vendor != "postgresql":
        pytest.skip("run with DATABASE_URL set to a PostgreSQL database")
    import contextlib
    import io

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        race()
    assert_one_saved_and_one_conflict(json.loads(output.getvalue()))
