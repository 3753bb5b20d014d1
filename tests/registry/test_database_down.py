"""When the database goes away the site answers a short 503 page, quickly, and recovers by
itself when the database is back."""

import socket
import time
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connections
from django.test import RequestFactory

from registry.middleware import DatabaseUnavailableMiddleware
from tests.factories import make_project

pytestmark = pytest.mark.django_db


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DatabaseSwitch:
    """Swaps the default connection for one to a database that is not there (a SQLite file in
    a missing directory, or a PostgreSQL port nobody listens on), and back."""

    def __init__(self, tmp_path):
        self.original = connections["default"]
        settings_dict = {**self.original.settings_dict}
        if self.original.vendor == "sqlite":
            settings_dict["NAME"] = str(tmp_path / "missing" / "db.sqlite3")
        else:
            settings_dict["PORT"] = closed_port()
        self.broken = type(self.original)(settings_dict, alias="default")

    def go_away(self):
        connections["default"] = self.broken

    def restore(self):
        connections["default"] = self.original


@pytest.fixture
def database(tmp_path):
    switch = DatabaseSwitch(tmp_path)
    yield switch
    switch.restore()


@pytest.fixture
def database_away(database):
    database.go_away()
    return database


@pytest.fixture
def project():
    return make_project(title="Kulturskolor i samarbete")


def test_a_public_page_answers_a_plain_503_when_the_database_is_away(client, database_away):
    response = client.get("/projects/")

    assert response.status_code == 503
    content = response.content.decode()
    assert "Temporarily unavailable" in content
    assert "Traceback" not in content and "OperationalError" not in content
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]


def test_the_site_recovers_by_itself_when_the_database_returns(client, project, database_away):
    assert client.get("/projects/").status_code == 503
    database_away.restore()

    response = client.get("/projects/")

    assert response.status_code == 200
    assert "Kulturskolor i samarbete" in response.content.decode()


def test_a_coordinator_in_the_admin_also_gets_the_503_page(client, admin_user, database):
    client.force_login(admin_user)
    database.go_away()

    response = client.get("/admin/")

    assert response.status_code == 503
    assert "Temporarily unavailable" in response.content.decode()


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_failing_cursor_gives_503_and_the_next_request_200(client, project, error):
    with mock.patch.object(connections["default"], "cursor", side_effect=error("gone")):
        assert client.get(project.get_absolute_url()).status_code == 503

    assert client.get(project.get_absolute_url()).status_code == 200


def test_other_errors_are_not_hidden_behind_the_503_page():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/projects/")

    assert middleware.process_exception(request, ValueError("a bug")) is None


def test_postgresql_gives_up_connecting_within_the_connect_timeout():
    original = connections["default"]
    if original.vendor != "postgresql":
        pytest.skip("connect_timeout is a PostgreSQL option")
    assert original.settings_dict["OPTIONS"]["connect_timeout"] <= 10
    # 10.255.255.1 drops packets on most networks: without a timeout the connect would hang.
    settings_dict = {
        **original.settings_dict,
        "HOST": "10.255.255.1",
        "OPTIONS": {**original.settings_dict["OPTIONS"], "connect_timeout": 2},
    }
    unreachable = type(original)(settings_dict, alias="unreachable")
    started = time.monotonic()

    with pytest.raises(OperationalError):
        unreachable.ensure_connection()

    assert time.monotonic() - started < 5
