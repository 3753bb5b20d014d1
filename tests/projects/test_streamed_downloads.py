"""Streamed exports under gunicorn with the project's gunicorn.conf.py: a download that streams
for longer than the worker timeout completes, and one that fails half-way ends without the
chunked encoding's last chunk, so the client knows it is incomplete (docs/exports.md)."""

import os
import socket
import subprocess
import time
from http.client import HTTPConnection, IncompleteRead
from pathlib import Path

import pytest

from tests.gunicorn_helpers import free_port, gunicorn_command
from tests.projects.streaming_app import LINE

BASE_DIR = Path(__file__).resolve().parents[2]
TIMEOUT = 2


@pytest.fixture(scope="module")
def server():
    """gunicorn with the project's settings, one worker and a 2 s timeout, serving
    tests/projects/streaming_app.py."""
    port = free_port()
    environment = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_TIMEOUT": str(TIMEOUT),
        "GUNICORN_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        gunicorn_command("tests.projects.streaming_app:application"), cwd=BASE_DIR, env=environment
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def get(port, query):
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", f"/?{query}")
    return connection, connection.getresponse()


def test_a_download_longer_than_the_worker_timeout_completes(server):
    pieces = 8
    started = time.monotonic()
    connection, response = get(server, f"pieces={pieces}&pause=0.5")
    body = response.read()
    connection.close()
    assert time.monotonic() - started > TIMEOUT + 1
    assert response.status == 200
    assert body == LINE * pieces


def test_a_download_that_fails_half_way_cannot_be_taken_for_a_whole_one(server):
    connection, response = get(server, "pieces=5&fail_at=3")
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Content-Length") is None
    with pytest.raises(IncompleteRead) as cut:
        response.read()
    connection.close()
    assert cut.value.partial == LINE * 3
