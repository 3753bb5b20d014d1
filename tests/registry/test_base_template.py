"""What every page gets from base.html."""

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_every_page_names_its_icon_so_browsers_do_not_ask_for_a_missing_favicon(client):
    response = client.get("/goals/")
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in (
        response.content.decode()
    )
    assert finders.find("favicon.svg")


def test_favicon_ico_leads_to_the_sites_own_icon(client):
    response = client.get("/favicon.ico")
    # Not permanent: the icon's static address changes with the icon.
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"


def test_the_admin_names_the_icon_too(client, admin_user):
    icon = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
    assert icon in client.get("/admin/login/").content.decode()
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert icon in response.content.decode()
