"""Anonymous visitors' public pages come from the page cache until something they show changes:
an edit shows on the very next request of every page that shows it and leaves the other pages
cached, drafts never show, the year and the language are part of the key, unknown query
parameters are not, signed-in users always get a page rendered for them, and every worker
(with REDIS_URL, every process) shares the cached pages."""

import datetime
import importlib
import io
import os
import pickle
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from networks.models import Membership, Network
from projects.models import Contact, Project, current_year
from registry import change_stamp, middleware
from registry import settings as settings_module
from registry.models import ChangeStamp, Goal, TagStamp
from tests.admin_helpers import changeform_data
from tests.factories import (
    make_country,
    make_event,
    make_funder,
    make_goal,
    make_municipality,
    make_project,
)
from tests.list_helpers import html_of

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/projects/",
    "/projects/?goal=4&country=de&status=ongoing",
    "/projects/skolutbyte/",
    "/goals/",
    "/goals/4/",
    "/countries/",
    "/countries/de/",
    "/municipalities/",
    "/municipalities/norrkoping/",
    "/funders/",
    "/funders/sida/",
    "/networks/",
    "/networks/eurocities/",
    "/feed/",
    "/sitemap.xml",
    "/sitemap-projects.xml",
    "/sitemap-countries.xml",
]


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300


@pytest.fixture
def project():
    norrkoping = make_municipality("norrkoping", name="Norrköping")
    network = Network.objects.create(name="Eurocities", slug="eurocities")
    Membership.objects.create(network=network, municipality=norrkoping)
    return make_project(
        slug="skolutbyte",
        title="Skolutbyte med Tyskland",
        municipality=norrkoping,
        countries=["DE"],
        goals=[4],
        funders=[make_funder("sida", name="Sida")],
        start_year=current_year() - 1,
        end_year=current_year(),
    )


@pytest.fixture
def other_project(project):
    return make_project(
        slug="vattenpartnerskap",
        title="Vattenpartnerskap i Kenya",
        municipality=project.municipality,
        countries=["KE"],
        goals=[6],
    )


def english(client, url, **extra):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en", **extra)


def rendered(response):
    """Whether the view rendered this response (a page from the cache renders no template)."""
    return bool(response.templates)


@pytest.mark.parametrize("url", PAGES)
def test_a_second_anonymous_visit_costs_one_query(client, project, url, django_assert_num_queries):
    first = client.get(url)
    assert first.status_code == 200

    with django_assert_num_queries(1):  # the stamps of what the page shows
        second = client.get(url)

    assert second.status_code == 200 and not rendered(second)
    assert second.content == first.content


def test_the_accessibility_statement_costs_no_query_at_all(client, django_assert_num_queries):
    first = client.get("/accessibility/")
    with django_assert_num_queries(0):  # it shows no data, so it has no stamp to read
        second = client.get("/accessibility/")

    assert not rendered(second) and second.content == first.content


@pytest.mark.parametrize("url", ["/", "/projects/", "/projects/skolutbyte/", "/goals/"])
def test_anonymous_pages_set_no_cookie_and_may_be_shared(client, project, url):
    for response in [client.get(url), client.get(url)]:  # rendered, then from the cache
        assert response.status_code == 200
        assert not response.cookies
        assert sorted(response["Cache-Control"].split(", ")) == ["max-age=60", "public"]
        assert "csrfmiddlewaretoken" not in response.content.decode()


def test_a_cached_page_keeps_its_security_headers_etag_and_conditional_get(client, project):
    first = client.get("/projects/")
    cached = client.get("/projects/")

    for header in [
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
        "Content-Language",
        "Last-Modified",
    ]:
        assert cached[header] == first[header], header
    assert cached["ETag"] == first["ETag"]
    assert {"Cookie", "Accept-Language"} <= {name.strip() for name in cached["Vary"].split(",")}
    assert client.get("/projects/", headers={"If-None-Match": first["ETag"]}).status_code == 304


def test_a_head_request_is_served_from_the_cache_too(client, project, django_assert_num_queries):
    client.get("/projects/")
    with django_assert_num_queries(1):
        response = client.head("/projects/")
    assert response.status_code == 200 and response["Content-Length"]


def test_a_bad_filter_and_a_missing_page_are_cached_too(client, project, django_assert_num_queries):
    for url, status in [("/projects/?goal=99", 400), ("/projects/no-such-project/", 404)]:
        assert client.get(url).status_code == status
        with django_assert_num_queries(1):
            assert client.get(url).status_code == status


def edit_project_title(project):
    project.title = "Skolutbyte med Tyskland och Polen"
    project.save()


def add_goal(project):
    project.goals.add(make_goal(13))


def rename_goal(project):
    goal = Goal.objects.get(number=4)
    goal.name_sv = "Mål 4 (nytt namn)"
    goal.save()


def rename_municipality(project):
    project.municipality.name = "Norrköpings kommun"
    project.municipality.save()


def rename_funder(project):
    funder = project.funders.get()
    funder.name = "Styrelsen för internationellt utvecklingssamarbete"
    funder.save()


def add_event(project):
    make_event(project, title="Avslutande seminarium", date=datetime.date(2025, 5, 5))


def show_contact(project):
    Contact.objects.create(
        name="Anna Andersson", municipality=project.municipality, project=project, is_public=True
    )


def leave_network(project):
    Membership.objects.get().delete()


def link_from_the_goal_side(project):
    make_goal(13).projects.add(project)


def change_partner_countries(project):
    project.partner_countries.set([make_country("KE")])


EDITS = [
    # (edit, page, text the page shows after the edit, text it no longer shows)
    (edit_project_title, "/projects/", "Skolutbyte med Tyskland och Polen", None),
    (edit_project_title, "/projects/skolutbyte/", "Skolutbyte med Tyskland och Polen", None),
    (edit_project_title, "/", "Skolutbyte med Tyskland och Polen", None),
    (add_goal, "/projects/?goal=13", "Skolutbyte med Tyskland", None),
    (add_goal, "/goals/13/", "Skolutbyte med Tyskland", None),
    (rename_goal, "/goals/", "Mål 4 (nytt namn)", None),
    (rename_goal, "/goals/4/", "Mål 4 (nytt namn)", None),
    (rename_goal, "/", "Mål 4 (nytt namn)", None),
    (rename_goal, "/projects/skolutbyte/", "Mål 4 (nytt namn)", None),
    (rename_municipality, "/projects/", "Norrköpings kommun", None),
    (rename_funder, "/funders/", "Styrelsen för internationellt utvecklingssamarbete", None),
    (add_event, "/projects/skolutbyte/", "Avslutande seminarium", None),
    (show_contact, "/projects/skolutbyte/", "Anna Andersson", None),
    (leave_network, "/networks/eurocities/", None, "Norrköping"),
    (leave_network, "/projects/skolutbyte/", None, "Eurocities"),
    (link_from_the_goal_side, "/projects/skolutbyte/", "Mål 13", None),
    (change_partner_countries, "/projects/skolutbyte/", "Kenya", None),
]


@pytest.mark.parametrize(
    ("edit", "url", "shown", "gone"), EDITS, ids=lambda value: getattr(value, "__name__", None)
)
def test_an_edit_shows_on_the_next_request(client, project, edit, url, shown, gone):
    before = client.get(url).content.decode()
    assert client.get(url).content.decode() == before  # cached
    assert shown is None or shown not in before
    assert gone is None or gone in before

    edit(project)
    after = html_of(client.get(url))

    assert shown is None or shown in after
    assert gone is None or gone not in after


def test_a_deleted_project_disappears_at_once(client, project):
    assert "Skolutbyte med Tyskland" in html_of(client.get("/projects/"))
    client.get("/projects/skolutbyte/")

    project.delete()

    assert "Skolutbyte med Tyskland" not in client.get("/projects/").content.decode()
    assert client.get("/projects/skolutbyte/").status_code == 404


def test_an_unpublished_project_disappears_at_once(client, project):
    assert client.get("/projects/skolutbyte/").status_code == 200
    assert "Skolutbyte med Tyskland" in html_of(client.get("/goals/4/"))

    project.publication = Project.Publication.DRAFT
    project.save()

    assert client.get("/projects/skolutbyte/").status_code == 404
    assert "Skolutbyte med Tyskland" not in client.get("/goals/4/").content.decode()
    assert "Skolutbyte med Tyskland" not in client.get("/projects/").content.decode()


def test_a_draft_never_appears_and_its_publication_shows_at_once(client, project):
    draft = make_project(
        slug="utkast", title="Hemligt utkast", publication=Project.Publication.DRAFT, goals=[4]
    )
    for url in ["/projects/", "/goals/4/", "/", "/feed/", "/sitemap-projects.xml"]:
        for _ in range(2):  # rendered, then from the cache
            content = client.get(url).content.decode()
            assert "Hemligt utkast" not in content and "/projects/utkast/" not in content, url
    assert client.get("/projects/utkast/").status_code == 404

    draft.publication = Project.Publication.PUBLISHED
    draft.save()

    assert client.get("/projects/utkast/").status_code == 200
    assert "Hemligt utkast" in html_of(client.get("/projects/"))


def test_an_edit_in_the_admin_shows_on_the_next_anonymous_request(client, project, admin_user):
    assert "Skolutbyte med Tyskland" in html_of(client.get("/projects/skolutbyte/"))

    editor = type(client)()
    editor.force_login(admin_user)
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = changeform_data(editor.get(url))
    make_goal(13)
    # A goal is added in the goals' inline, with how it is known.
    prefix = next(key for key in data if key.endswith("TOTAL_FORMS") and "goal" in key)
    prefix = prefix.removesuffix("-TOTAL_FORMS")
    added = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update(
        {
            "title": "Skolutbyte med Tyskland, andra omgången",
            f"{prefix}-TOTAL_FORMS": str(added + 1),
            f"{prefix}-{added}-goal": "13",
            f"{prefix}-{added}-basis": "stated",
        }
    )
    assert editor.post(url, data).status_code == 302

    html = html_of(client.get("/projects/skolutbyte/"))
    assert "Skolutbyte med Tyskland, andra omgången" in html
    assert "Mål 13" in html


def test_a_signed_in_user_is_never_served_a_cached_page(client, project, admin_user):
    client.get("/projects/skolutbyte/")
    # A change that bypasses the signals: the cached page is now stale, on purpose.
    Project.objects.filter(pk=project.pk).update(title="Ändrat utan signal")
    assert "Ändrat utan signal" not in client.get("/projects/skolutbyte/").content.decode()

    client.force_login(admin_user)
    response = client.get("/projects/skolutbyte/")

    assert "Ändrat utan signal" in response.content.decode()
    assert "private" in response["Cache-Control"]


def test_a_signed_in_users_page_is_never_stored(client, project, admin_user):
    signed_in = type(client)()
    signed_in.force_login(admin_user)
    signed_in.get("/projects/")

    with CaptureQueriesContext(connection) as queries:
        client.get("/projects/")

    assert len(queries) > 1  # rendered for the visitor, not the signed-in user's copy


def test_each_language_is_cached_apart(client, project, django_assert_num_queries):
    swedish = client.get("/goals/", HTTP_ACCEPT_LANGUAGE="sv")
    english_page = english(client, "/goals/")
    latvian = client.get("/goals/", HTTP_ACCEPT_LANGUAGE="lv")

    assert '<html lang="sv">' in html_of(swedish)
    assert '<html lang="en">' in html_of(english_page)
    assert '<html lang="lv">' in html_of(latvian)
    with django_assert_num_queries(1):
        assert english(client, "/goals/").content == english_page.content

    client.cookies.load({"django_language": "lv"})
    with django_assert_num_queries(1):
        assert english(client, "/goals/").content == latvian.content  # the cookie wins


def test_the_year_is_part_of_the_key(client, project, monkeypatch):
    this_year = current_year()
    assert "pågår" in html_of(client.get("/projects/skolutbyte/")).lower()

    next_new_year = datetime.date(this_year + 1, 1, 1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: next_new_year)

    assert "avslutat" in html_of(client.get("/projects/skolutbyte/")).lower()


def test_the_language_switch_and_the_health_check_bypass_the_cache(
    client, project, django_assert_num_queries
):
    # No change stamp read; the health check queries on a connection of its own.
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200
    for _ in range(2):
        response = client.get("/language/en/", {"next": "/projects/"})
        assert response.status_code == 302 and "django_language" in response.cookies
        assert "no-store" in response["Cache-Control"]


def test_the_streamed_exports_are_not_stored(client, project):
    for _ in range(2):
        response = client.get("/projects/export.csv")
        assert response.streaming
        assert b"Skolutbyte med Tyskland" in b"".join(response.streaming_content)


def test_a_database_error_reading_the_stamp_gives_the_503_page(client, project):
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("gone")):
        response = client.get("/projects/")

    assert response.status_code == 503
    assert client.get("/projects/").status_code == 200


def test_a_zero_timeout_turns_the_cache_off(client, project, settings, django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/accessibility/")
    with django_assert_num_queries(0):  # a page that reads nothing reads no change stamp
        client.get("/accessibility/")
    assert ChangeStamp.objects.get().version > 0  # the edits above still move the stamp


def test_every_model_of_the_public_apps_is_shown_or_declared_not_shown():
    models = {
        model._meta.label
        for label in ["registry", "projects", "networks"]
        for model in apps.get_app_config(label).get_models()
    }
    undeclared = models - change_stamp.declared_models()
    assert not undeclared, "Declare them with shown() or not_shown() in the app's page_cache.py"


def test_every_change_moves_the_stamp(project):
    stamps = [change_stamp.current()]

    def moved():
        stamps.append(change_stamp.current())
        return stamps[-1] != stamps[-2]

    project.save()
    assert moved()
    project.partner_countries.clear()
    assert moved()
    make_event(project, title="Möte", date=datetime.date(2025, 1, 1)).delete()
    assert moved()
    Permission.objects.first().save()  # not public data
    assert not moved()


def test_generate_demo_moves_the_stamp():
    for number in range(1, 18):
        make_goal(number)
    before = change_stamp.current()
    call_command("generate_demo", projects=3, seed=1, stdout=io.StringIO(), stderr=io.StringIO())
    assert change_stamp.current() != before


def test_a_flushed_database_gets_its_stamp_row_back():
    ChangeStamp.objects.all().delete()
    assert change_stamp.current() == "0"

    change_stamp.bump()

    assert ChangeStamp.objects.get().version == 1


def test_saving_a_project_leaves_the_other_projects_pages_cached(
    client, project, other_project, django_assert_num_queries
):
    client.get("/projects/skolutbyte/")
    cached = client.get("/projects/vattenpartnerskap/")

    edit_project_title(project)

    with django_assert_num_queries(1):
        again = client.get("/projects/vattenpartnerskap/")
    assert not rendered(again) and again.content == cached.content
    edited = client.get("/projects/skolutbyte/")
    assert rendered(edited) and "Skolutbyte med Tyskland och Polen" in html_of(edited)


def test_an_event_or_contact_changes_its_own_projects_page_only(client, project, other_project):
    for url in ["/projects/skolutbyte/", "/projects/vattenpartnerskap/"]:
        client.get(url)

    add_event(project)
    show_contact(project)

    assert "Avslutande seminarium" in html_of(client.get("/projects/skolutbyte/"))
    assert not rendered(client.get("/projects/vattenpartnerskap/"))


def test_an_event_moved_to_another_project_changes_both_pages(client, project, other_project):
    event = make_event(project, title="Flyttat möte", date=datetime.date(2025, 3, 3))
    assert "Flyttat möte" in html_of(client.get("/projects/skolutbyte/"))
    client.get("/projects/vattenpartnerskap/")

    event.project = other_project
    event.save()

    assert "Flyttat möte" not in html_of(client.get("/projects/skolutbyte/"))
    assert "Flyttat möte" in html_of(client.get("/projects/vattenpartnerskap/"))


def test_a_new_slug_moves_the_page_at_once(client, project):
    assert client.get("/projects/skolutbyte/").status_code == 200
    assert client.get("/projects/skolutbyte-2/").status_code == 404  # cached as missing

    project.slug = "skolutbyte-2"
    project.save()

    assert client.get("/projects/skolutbyte/").status_code == 404
    assert client.get("/projects/skolutbyte-2/").status_code == 200


def test_the_accessibility_statement_survives_every_edit(
    client, project, django_assert_num_queries
):
    first = client.get("/accessibility/")

    edit_project_title(project)
    rename_goal(project)
    change_stamp.bump()

    with django_assert_num_queries(0):
        again = client.get("/accessibility/")
    assert not rendered(again) and again.content == first.content


def test_a_goal_edit_leaves_the_accessibility_statement_and_moves_the_goal_pages(client, project):
    for url in ["/goals/", "/goals/4/", "/accessibility/"]:
        client.get(url)

    rename_goal(project)

    assert "Mål 4 (nytt namn)" in html_of(client.get("/goals/"))
    assert "Mål 4 (nytt namn)" in html_of(client.get("/goals/4/"))
    assert not rendered(client.get("/accessibility/"))


def test_a_change_without_signals_and_a_bump_moves_every_page(client, project):
    client.get("/projects/skolutbyte/")
    client.get("/projects/")
    Project.objects.filter(pk=project.pk).update(title="Ändrat i bulk")

    change_stamp.bump()  # what generate_demo does after its bulk_create

    assert "Ändrat i bulk" in html_of(client.get("/projects/skolutbyte/"))
    assert "Ändrat i bulk" in html_of(client.get("/projects/"))


def test_an_edit_moves_its_models_tag_and_its_rows_only(project):
    TagStamp.objects.all().delete()

    edit_project_title(project)

    goal, country, funder = (
        project.goals.get(),
        project.partner_countries.get(),
        project.funders.get(),
    )
    assert set(TagStamp.objects.values_list("tag", flat=True)) == {
        "projects.project",
        "projects.project:skolutbyte",
        # Each key the list's filters find it by (projects/page_cache.py); a title is nothing
        # the filters read, so the keys' counted tags ("projects.list:…") stay.
        f"projects.rows:municipality_id={project.municipality_id}",
        f"projects.rows:type={project.type}",
        f"projects.rows:goals={goal.pk}",
        f"projects.rows:partner_countries={country.pk}",
        f"projects.rows:funders={funder.pk}",
    }


@pytest.mark.parametrize(
    ("url", "same_as"),
    [
        ("/?utm_source=newsletter", "/"),
        ("/projects/skolutbyte/?utm_campaign=x&fbclid=1", "/projects/skolutbyte/"),
        ("/projects/?goal=4&utm_source=newsletter", "/projects/?goal=4"),
        ("/municipalities/?country=se&ref=1", "/municipalities/?country=se"),
    ],
)
def test_parameters_a_page_does_not_read_make_no_new_entry(
    client, project, url, same_as, django_assert_num_queries
):
    first = client.get(same_as)
    with django_assert_num_queries(1):
        again = client.get(url)

    assert not rendered(again) and again.content == first.content


def test_a_page_is_given_only_the_parameters_it_reads(client, project):
    html = html_of(client.get("/projects/?goal=4&utm_source=newsletter&page=1"))

    assert "utm_source" not in html and "newsletter" not in html
    assert "goal=4" in html  # the export links keep the filter


def test_parameters_a_page_reads_are_in_its_key(client, project):
    make_municipality("riga", name="Rīga", country_code="LV")
    assert "Norrköping" in html_of(client.get("/municipalities/?country=se"))
    assert "Norrköping" not in html_of(client.get("/municipalities/?country=lv"))
    assert client.get("/projects/?goal=4").status_code == 200
    assert client.get("/projects/?goal=99").status_code == 400
    assert client.get("/sitemap-projects.xml?p=2").status_code == 404


def test_an_undeclared_page_keys_on_its_whole_query(client, project):
    client.get("/no-such-page/?a=1")
    assert rendered(client.get("/no-such-page/?a=2"))
    assert not rendered(client.get("/no-such-page/?a=1"))


def test_a_stored_page_is_plain_small_values(client, project):
    response = client.get("/projects/skolutbyte/")
    entry = middleware.stored(response)

    assert len(pickle.dumps(entry)) < len(response.content) + 2_000
    restored = middleware.restored(pickle.loads(pickle.dumps(entry)))
    assert restored.status_code == 200 and restored.content == response.content
    assert restored["Content-Type"] == response["Content-Type"]


def test_when_the_cache_does_not_answer_pages_are_rendered(client, project, monkeypatch):
    def away(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(middleware, "cache", mock.Mock(get=away, set=away))

    for _ in range(2):
        response = client.get("/projects/skolutbyte/")
        assert response.status_code == 200 and rendered(response)


@pytest.fixture
def reload_settings(monkeypatch):
    """registry/settings.py read again with the environment given (Django's own settings,
    made at start-up, stay as they are)."""

    def read(**environ):
        for name in ["REDIS_URL", "CACHE_URL", "RELEASE_ID", "PYTEST_XDIST_WORKER"]:
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(settings_module)

    yield read
    monkeypatch.undo()
    importlib.reload(settings_module)


def test_redis_url_makes_the_page_cache_shared_and_keyed_by_release(reload_settings):
    assert reload_settings().CACHES["default"]["BACKEND"].endswith("LocMemCache")

    one = reload_settings(REDIS_URL="redis://cache.internal:6379/0", RELEASE_ID="abc123")
    cache = one.CACHES["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://cache.internal:6379/0"
    assert cache["KEY_PREFIX"] == "registry:abc123"

    other = reload_settings(CACHE_URL="redis://cache.internal:6379/0", RELEASE_ID="def456")
    assert other.CACHES["default"]["KEY_PREFIX"] == "registry:def456"
    unnamed = reload_settings(REDIS_URL="redis://cache.internal:6379/0")
    assert unnamed.CACHES["default"]["KEY_PREFIX"] == f"registry:{unnamed.code_release()}"


needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs a Redis server: set REDIS_URL"
)


@needs_redis
def test_the_cache_is_redis(settings):
    assert django_settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


@needs_redis
def test_two_workers_share_the_pages_in_redis(
    client, project, monkeypatch, django_assert_num_queries
):
    # Two cache clients with their own connections, as two gunicorn workers (or two app
    # servers) have.
    first_worker, second_worker = (caches.create_connection("default") for _ in range(2))
    monkeypatch.setattr(middleware, "cache", first_worker)
    rendered_page = client.get("/projects/skolutbyte/")

    monkeypatch.setattr(middleware, "cache", second_worker)
    with django_assert_num_queries(1):
        served = client.get("/projects/skolutbyte/")
    assert not rendered(served) and served.content == rendered_page.content

    edit_project_title(project)
    assert "Skolutbyte med Tyskland och Polen" in html_of(client.get("/projects/skolutbyte/"))
    monkeypatch.setattr(middleware, "cache", first_worker)
    served = client.get("/projects/skolutbyte/")
    assert not rendered(served) and "Skolutbyte med Tyskland och Polen" in html_of(served)


class SomeoneElseRenders:
    """The shared cache as a worker sees it while another worker renders the same page: its
    own `add` of the render's key fails; every other call goes to the real cache."""

    def __init__(self, cache):
        self.cache, self.rendering = cache, None

    def add(self, key, *args, **kwargs):
        assert key.endswith(":rendering")
        self.rendering = key
        self.cache.add(key, 1)
        return False

    def __getattr__(self, name):
        return getattr(self.cache, name)


def test_a_page_being_rendered_elsewhere_is_waited_for_not_rendered_twice(
    client, project, monkeypatch
):
    shared = SomeoneElseRenders(middleware.cache)
    monkeypatch.setattr(middleware, "cache", shared)
    page = (200, [("Content-Type", "text/html; charset=utf-8")], b"<p>the other's render</p>")

    def meanwhile(seconds):
        # The other worker stores its page and is done.
        key = shared.rendering.removesuffix(":rendering")
        shared.cache.set(key, page)
        shared.cache.delete(shared.rendering)

    monkeypatch.setattr(middleware, "pause", meanwhile)
    response = client.get("/projects/skolutbyte/")
    assert not rendered(response) and response.content == b"<p>the other's render</p>"


def test_while_an_edited_page_is_rendered_elsewhere_it_is_served_as_it_was(
    client, project, monkeypatch
):
    before = client.get("/projects/skolutbyte/")
    edit_project_title(project)
    shared = SomeoneElseRenders(middleware.cache)
    monkeypatch.setattr(middleware, "cache", shared)

    def no_waiting(seconds):
        raise AssertionError("waited for a render with a page to serve")

    monkeypatch.setattr(middleware, "pause", no_waiting)
    response = client.get("/projects/skolutbyte/")
    assert not rendered(response) and response.content == before.content
    assert "Skolutbyte med Tyskland och Polen" not in html_of(response)

    # The render done, the edit is served to everyone.
    shared.cache.delete(shared.rendering)
    monkeypatch.setattr(middleware, "cache", shared.cache)
    after = client.get("/projects/skolutbyte/")
    assert rendered(after) and "Skolutbyte med Tyskland och Polen" in html_of(after)
    assert "Skolutbyte med Tyskland och Polen" in html_of(client.get("/projects/skolutbyte/"))


def test_a_page_older_than_its_render_allows_is_not_served_as_it_was(
    client, project, monkeypatch
):
    # Stored STALE_SECONDS and more ago, with edits since that nobody asked the page after
    # (an unpublishing among them, say): it would show them all undone. It is waited for.
    clock = [1_000_000.0]
    monkeypatch.setattr(middleware, "wall_clock", lambda: clock[0])
    client.get("/projects/skolutbyte/")
    edit_project_title(project)
    clock[0] += middleware.STALE_SECONDS + 1
    shared = SomeoneElseRenders(middleware.cache)
    monkeypatch.setattr(middleware, "cache", shared)
    waits = []

    def meanwhile(seconds):
        waits.append(seconds)
        shared.cache.delete(shared.rendering)  # done, nothing stored

    monkeypatch.setattr(middleware, "pause", meanwhile)
    response = client.get("/projects/skolutbyte/")
    assert waits and rendered(response)
    assert "Skolutbyte med Tyskland och Polen" in html_of(response)


def test_the_page_as_it_was_is_the_one_of_its_address_and_language(client, project, monkeypatch):
    client.get("/projects/skolutbyte/", HTTP_ACCEPT_LANGUAGE="en")
    client.get("/projects/", HTTP_ACCEPT_LANGUAGE="sv")
    edit_project_title(project)
    shared = SomeoneElseRenders(middleware.cache)
    monkeypatch.setattr(middleware, "cache", shared)
    monkeypatch.setattr(middleware, "pause", lambda seconds: shared.cache.delete(shared.rendering))
    # No Swedish project page was stored: this one waits, then renders it.
    swedish = client.get("/projects/skolutbyte/", HTTP_ACCEPT_LANGUAGE="sv")
    assert rendered(swedish) and swedish["Content-Language"] == "sv"
    assert "Skolutbyte med Tyskland och Polen" in html_of(swedish)
    english = client.get("/projects/skolutbyte/", HTTP_ACCEPT_LANGUAGE="en")
    assert not rendered(english) and english["Content-Language"] == "en"
    assert "Skolutbyte med Tyskland och Polen" not in html_of(english)


def test_a_render_elsewhere_that_stores_nothing_is_not_waited_out(client, project, monkeypatch):
    shared = SomeoneElseRenders(middleware.cache)
    monkeypatch.setattr(middleware, "cache", shared)
    looks = []

    def meanwhile(seconds):
        looks.append(seconds)
        shared.cache.delete(shared.rendering)  # done, without a page to store

    monkeypatch.setattr(middleware, "pause", meanwhile)
    response = client.get("/projects/skolutbyte/")
    assert rendered(response) and "Skolutbyte med Tyskland" in html_of(response)
    assert len(looks) == 1


def test_a_render_leaves_its_page_and_no_claim_on_it(client, project, monkeypatch):
    claims = []
    real_add = middleware.cache.add

    def add(key, *args, **kwargs):
        claims.append(key)
        return real_add(key, *args, **kwargs)

    monkeypatch.setattr(middleware.cache, "add", add)
    assert rendered(client.get("/projects/skolutbyte/"))
    [claim] = claims
    assert middleware.cache.get(claim) is None
    assert middleware.cache.get(claim.removesuffix(":rendering")) is not None
    assert not rendered(client.get("/projects/skolutbyte/"))
