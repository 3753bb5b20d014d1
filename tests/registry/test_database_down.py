"""When the database goes away the site answers a short 503 page, quickly, and recovers by
itself when the database is back."""

import socket
import sqlite3
import threading
import time
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connections, transaction
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


def database_error(cause):
    """The error Django raises for the driver's `cause`."""
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as error:
        return error


def sqlite_error(tmp_path, statement):
    """A real sqlite3 error: `statement` on a database another connection is writing to."""
    path = tmp_path / "db.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE IF NOT EXISTS t (x)")
    writer.execute("BEGIN IMMEDIATE")
    try:
        sqlite3.connect(path, timeout=0).execute(statement)
    except sqlite3.OperationalError as error:
        return error
    finally:
        writer.close()
    raise AssertionError("no error")


def test_a_database_busy_with_another_writer_answers_busy_not_an_outage(tmp_path, caplog):
    error = database_error(sqlite_error(tmp_path, "INSERT INTO t VALUES (1)"))
    middleware = DatabaseUnavailableMiddleware(lambda request: None)

    response = middleware.process_exception(RequestFactory().get("/projects/"), error)

    assert response.status_code == 503
    assert "is busy" in response.content.decode()
    assert response["Retry-After"] == "5"
    assert [record.levelname for record in caplog.records] == ["WARNING"]


def test_a_query_the_database_refuses_is_not_reported_as_an_outage(tmp_path):
    too_deep = "SELECT " + " + ".join(["1"] * 2000)
    error = database_error(sqlite_error(tmp_path, too_deep))
    middleware = DatabaseUnavailableMiddleware(lambda request: None)

    assert middleware.process_exception(RequestFactory().get("/projects/"), error) is None


def test_a_lost_connection_is_logged_as_an_outage(client, database_away, caplog):
    assert client.get("/projects/").status_code == 503

    assert "ERROR" in [record.levelname for record in caplog.records]


def postgresql_only():
    if connections["default"].vendor != "postgresql":
        pytest.skip("statement and lock timeouts are PostgreSQL settings")


@pytest.mark.django_db(transaction=True)
def test_a_table_locked_by_another_connection_answers_503_within_the_lock_timeout(client):
    postgresql_only()
    make_project(title="Kulturskolor i samarbete")
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with transaction.atomic(), connections["default"].cursor() as cursor:
            cursor.execute("LOCK TABLE projects_project IN ACCESS EXCLUSIVE MODE")
            locked.set()
            release.wait(30)
        connections["default"].close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        response = client.get("/projects/")
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join()

    assert response.status_code == 503
    assert "is busy" in response.content.decode()
    assert elapsed < 10  # lock_timeout is 3 s by default, gunicorn's timeout 30 s
    assert client.get("/projects/").status_code == 200


def test_postgresql_cancels_a_statement_after_the_statement_timeout():
    postgresql_only()
    options = connections["default"].settings_dict["OPTIONS"]["options"]
    assert "statement_timeout=10000" in options and "lock_timeout=3000" in options
    with connections["default"].cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 200")
        started = time.monotonic()
        with pytest.raises(OperationalError) as raised:
            cursor.execute("SELECT pg_sleep(5)")
    assert time.monotonic() - started < 2
    assert raised.value.__cause__.sqlstate == "57014"
