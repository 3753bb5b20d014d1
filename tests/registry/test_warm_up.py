"""A new worker requests its warm-up pages itself before it takes any request
(registry/warm_up.py, the post_worker_init hook in gunicorn.conf.py)."""

import logging
import runpy
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from registry.warm_up import warm_up
from tests.factories import make_project

pytestmark = pytest.mark.django_db

PATHS = ["/", "/projects/?goal=4&type=mobility", "/projects/?q=skola"]


@pytest.fixture
def application():
    """The site's WSGI application, which leaves the test's database connection open between
    requests, as the test client's does (a worker closes an old one)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def paths(settings):
    settings.WARM_UP_PATHS = PATHS
    make_project(title="Skola utan gränser", goals=[4], type="mobility")
    return PATHS


def test_each_page_is_answered_and_the_first_in_every_other_language(paths, application):
    requested = []

    def recording(environ, start_response):
        requested.append(
            (environ["PATH_INFO"], environ["QUERY_STRING"], environ.get("HTTP_ACCEPT_LANGUAGE"))
        )
        return application(environ, start_response)

    assert warm_up(recording) == [200] * (len(PATHS) + 2)
    assert requested == [
        ("/", "", None),
        ("/projects/", "goal=4&type=mobility", None),
        ("/projects/", "q=skola", None),
        ("/", "", "en"),
        ("/", "", "lv"),
    ]


def test_it_renders_past_the_page_cache_and_stores_nothing(paths, settings, client, application):
    settings.PAGE_CACHE_SECONDS = 300
    assert warm_up(application) == [200] * (len(PATHS) + 2)
    # The first visitor's page is rendered (it reads the data), not one the warm-up stored.
    with CaptureQueriesContext(connection) as queries:
        client.get("/projects/")
    assert len(queries) > 1


def test_a_failing_warm_up_is_logged_and_the_worker_starts_anyway(paths, caplog):
    def broken(environ, start_response):
        raise RuntimeError("the database is away")

    with caplog.at_level(logging.WARNING, logger="registry.warm_up"):
        assert warm_up(broken) == []
    assert "Worker warm-up failed; starting anyway." in caplog.text


def test_no_paths_no_warm_up(settings, application):
    settings.WARM_UP_PATHS = []
    assert warm_up(application) == []


@pytest.mark.django_db(transaction=True)
def test_one_thread_renders_and_every_thread_keeps_its_connection(paths, application):
    """Each thread answers its visitors on a connection of its own (CONN_MAX_AGE): each opens
    it in the warm-up, so that none of them opens its first connection for a visitor; what a
    process does once is done once."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = warm_up(application, pool, 2)
        barrier = threading.Barrier(2)

        def connected():
            barrier.wait(timeout=10)
            return connection.connection is not None

        assert statuses == [200] * (len(PATHS) + 2)
        assert [future.result() for future in [pool.submit(connected) for _ in range(2)]] == [
            True,
            True,
        ]


def test_gunicorns_hook_warms_the_worker_up(paths, application, caplog):
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    requested = []

    def recording(environ, start_response):
        requested.append(environ["PATH_INFO"])
        return application(environ, start_response)

    log = logging.getLogger("gunicorn.error")
    worker = SimpleNamespace(wsgi=recording, cfg=SimpleNamespace(threads=1), log=log)
    with caplog.at_level(logging.INFO, logger="gunicorn.error"):
        config["post_worker_init"](worker)
    assert requested == ["/", "/projects/", "/projects/", "/", "/"]
    assert [r.getMessage().split(" in ")[0] for r in caplog.records] == ["Worker warmed up"]
