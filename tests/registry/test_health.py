"""/healthz answers for the load balancer: 200 with the database, 503 without it."""

import socket
import threading
import time
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
    # Every connection's cursor: /healthz opens a connection of its own.
    with mock.patch.object(type(connections["default"]), "cursor", side_effect=OperationalError):
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


class FreezableProxy:
    """A TCP relay in front of PostgreSQL that can freeze like a server whose processes are
    paused: connections stay open (the kernel still accepts and acknowledges), nothing answers."""

    def __init__(self, host, port):
        self.target = (host, int(port))
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.frozen.is_set():
                continue  # Accepted and never answered.
            server = socket.create_connection(self.target)
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self.relay, args=(source, sink), daemon=True).start()

    def relay(self, source, sink):
        try:
            while data := source.recv(65536):
                while self.frozen.is_set():
                    time.sleep(0.05)  # Held, as a paused server holds what it was sent.
                sink.sendall(data)
        except OSError:
            pass

    def close(self):
        self.listener.close()


@pytest.fixture
def freezable_database():
    """The default connection made anew through a FreezableProxy (PostgreSQL only)."""
    original = connections["default"]
    if original.vendor != "postgresql":
        pytest.skip("a frozen PostgreSQL server")
    proxy = FreezableProxy(original.settings_dict["HOST"], original.settings_dict["PORT"] or 5432)
    settings_dict = {
        **original.settings_dict,
        "HOST": "127.0.0.1",
        "PORT": proxy.port,
        "OPTIONS": {**original.settings_dict["OPTIONS"], "connect_timeout": 2},
    }
    connections["default"] = type(original)(settings_dict, alias="default")
    yield proxy
    proxy.frozen.clear()
    connections["default"].close()
    connections["default"] = original
    proxy.close()


def timed_get(client, url):
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


def test_healthz_says_error_within_seconds_when_the_database_server_is_frozen(
    client, freezable_database
):
    assert client.get("/healthz").status_code == 200  # The worker's connection is open.
    freezable_database.frozen.set()

    response, elapsed = timed_get(client, "/healthz")

    assert response.status_code == 503
    assert elapsed < 5


def test_a_request_waiting_on_a_frozen_database_answers_503_after_the_watchdogs_time(
    client, settings, caplog, freezable_database
):
    settings.REQUEST_DATABASE_TIMEOUT = 1
    with connections["default"].cursor() as cursor:  # the worker's connection is open
        cursor.execute("SELECT 1")
    freezable_database.frozen.set()

    response, elapsed = timed_get(client, "/projects/")

    assert response.status_code == 503
    assert elapsed < 4
    assert "Database connection cut" in caplog.text
