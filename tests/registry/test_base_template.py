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
