"""Public pages carry an ETag and Last-Modified, answer 304 while nothing changed, may be kept
for a minute by anonymous visitors' browsers and proxies, and show an edit at once."""

import datetime
import time

import pytest
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import http_date

from registry.middleware import PublicCacheMiddleware
from registry.models import ChangeStamp
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return make_project(title="Unga röster i Östervik")


def visit(client, url):
    """A returning visitor's GET: the second of two."""
    client.get(url)
    return client.get(url)


@pytest.mark.parametrize("page", ["list", "detail"])
def test_a_changed_project_gets_a_new_etag_and_shows_at_once(client, project, page):
    url = "/projects/" if page == "list" else project.get_absolute_url()
    first = visit(client, url)
    etag = first["ETag"]

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    project.title = "Unga röster i Östervik och Ozolciems"
    project.save()
    changed = client.get(url, headers={"If-None-Match": etag})

    assert changed.status_code == 200
    assert "Unga röster i Östervik och Ozolciems" in changed.content.decode()
    assert changed["ETag"] != etag


def test_the_etag_stays_the_same_while_nothing_changes(client, project):
    first = visit(client, "/projects/")

    assert client.get("/projects/")["ETag"] == first["ETag"]


def last_change():
    return http_date(ChangeStamp.objects.get().changed_at.timestamp())


def test_project_pages_carry_the_last_change_as_last_modified(client, project, settings):
    settings.TIME_ZONE = "UTC"  # nothing here is older than midnight otherwise
    make_project(title="Senast ändrat")
    response = visit(client, project.get_absolute_url())

    assert response["Last-Modified"] == last_change()
    revalidated = client.get(
        project.get_absolute_url(), headers={"If-Modified-Since": response["Last-Modified"]}
    )
    assert revalidated.status_code == 304


def test_deleting_a_project_moves_last_modified_on(client, project):
    gone = make_project(title="Raderas")
    before = client.get("/projects/export.csv")["Last-Modified"]
    time.sleep(1.1)  # HTTP dates count whole seconds
    gone.delete()
    after = client.get("/projects/export.csv", headers={"If-Modified-Since": before})

    assert after.status_code == 200
    assert after["Last-Modified"] != before


def test_last_modified_is_never_before_midnight_since_statuses_follow_the_date(
    client, project
):
    ChangeStamp.objects.update(changed_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    response = client.get("/projects/export.csv")

    midnight = datetime.datetime.combine(
        timezone.localdate(), datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    assert response["Last-Modified"] == http_date(midnight.timestamp())


def test_anonymous_visitors_browsers_may_keep_a_page_for_a_minute(client, project):
    response = visit(client, "/projects/")

    assert response.status_code == 200
    assert "max-age=60" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_a_response_that_sets_a_cookie_is_never_public(rf):
    request = rf.get("/projects/")
    request.resolver_match = None
    response = HttpResponse("a page")
    response.set_cookie("csrftoken", "the visitor's own")

    PublicCacheMiddleware(lambda request: response).process_response(request, response)

    assert sorted(response["Cache-Control"].split(", ")) == ["max-age=60", "private"]


def test_a_response_without_cookies_may_be_kept_by_proxies_too(client, project):
    response = client.get("/projects/export.csv")

    assert response.status_code == 200
    assert not response.cookies
    assert sorted(response["Cache-Control"].split(", ")) == ["max-age=60", "public"]
    assert response["Last-Modified"]


def test_logged_in_users_always_revalidate_public_pages(client, project, admin_user):
    client.force_login(admin_user)
    response = visit(client, "/projects/")

    assert "public" not in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_admin_is_never_cached(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/")

    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_an_error_page_is_not_cached_publicly(client):
    response = visit(client, "/projects/no-such-project/")

    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")


def test_the_health_check_is_never_cached(client):
    response = client.get("/healthz")

    assert "public" not in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"]


def test_another_projects_edit_leaves_this_pages_validators(client, project, settings):
    # With the page cache on, a page another edit cannot affect keeps its ETag and its
    # Last-Modified: a returning visitor gets 304 either way.
    settings.PAGE_CACHE_SECONDS = 300
    other = make_project(title="Ett annat projekt")
    first = visit(client, project.get_absolute_url())

    time.sleep(1.1)  # HTTP dates count whole seconds
    other.title = "Ett annat projekt, omdöpt"
    other.save()
    again = client.get(
        project.get_absolute_url(),
        headers={"If-None-Match": first["ETag"], "If-Modified-Since": first["Last-Modified"]},
    )

    assert again.status_code == 304
    assert client.get(project.get_absolute_url())["Last-Modified"] == first["Last-Modified"]
