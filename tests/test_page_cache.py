"""Anonymous visitors' public pages come from the page cache until anything they show changes:
an edit shows on the very next request, drafts never show, the year and the language are part
of the key, and signed-in users always get a page rendered for them."""

import datetime
import io
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from networks.models import Membership, Network
from projects.models import Contact, Project, current_year
from registry import change_stamp
from registry.models import ChangeStamp, Goal
from tests.admin_helpers import changeform_data
from tests.factories import make_event, make_funder, make_goal, make_municipality, make_project
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
    "/accessibility/",
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


def english(client, url, **extra):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en", **extra)


@pytest.mark.parametrize("url", PAGES)
def test_a_second_anonymous_visit_costs_one_query(client, project, url, django_assert_num_queries):
    first = client.get(url)
    assert first.status_code == 200

    with django_assert_num_queries(1):  # the change stamp
        second = client.get(url)

    assert second.status_code == 200
    assert second.content == first.content


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


EDITS = [
    # (edit, page, text the page shows after the edit, text it no longer shows)
    (edit_project_title, "/projects/", "Skolutbyte med Tyskland och Polen", None),
    (edit_project_title, "/projects/skolutbyte/", "Skolutbyte med Tyskland och Polen", None),
    (edit_project_title, "/", "Skolutbyte med Tyskland och Polen", None),
    (add_goal, "/projects/?goal=13", "Skolutbyte med Tyskland", None),
    (add_goal, "/goals/13/", "Skolutbyte med Tyskland", None),
    (rename_goal, "/goals/", "Mål 4 (nytt namn)", None),
    (rename_goal, "/projects/skolutbyte/", "Mål 4 (nytt namn)", None),
    (rename_municipality, "/projects/", "Norrköpings kommun", None),
    (rename_funder, "/funders/", "Styrelsen för internationellt utvecklingssamarbete", None),
    (add_event, "/projects/skolutbyte/", "Avslutande seminarium", None),
    (show_contact, "/projects/skolutbyte/", "Anna Andersson", None),
    (leave_network, "/networks/eurocities/", None, "Norrköping"),
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
    data.update(title="Skolutbyte med Tyskland, andra omgången", goals=["4", "13"])
    make_goal(13)
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
    with django_assert_num_queries(1):  # the health check's own query, no change stamp
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


def test_every_model_of_the_public_apps_is_watched_or_never_shown():
    models = {
        model._meta.label
        for label in ["registry", "projects", "networks"]
        for model in apps.get_app_config(label).get_models()
    }
    assert models == set(change_stamp.WATCHED) | set(change_stamp.NOT_SHOWN)


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
