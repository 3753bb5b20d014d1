"""/healthz answers for the load balancer: 200 with the database, 503 without it."""

from unittest import mock

import pytest
from django.db import OperationalError, connections

from tests.registry.test_database_down import DatabaseSwitch

pytestmark = pytest.mark.django_db


@pytest.fixture
def database(tmp_path):
    switch = DatabaseSwitch(tmp_path)
    yield switch
    switch.restore()


def test_healthz_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_says_error_with_503_when_the_database_raises(client):
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


def test_healthz_says_error_with_503_when_the_database_is_unreachable(client, database):
    database.go_away()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


def test_healthz_says_ok_again_when_the_database_is_back(client, database):
    database.go_away()
    assert client.get("/healthz").status_code == 503
    database.restore()

    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
