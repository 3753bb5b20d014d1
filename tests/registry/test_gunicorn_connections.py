"""Connections spread over gunicorn's workers (gunicorn.conf.py, `worker_connections`): a
worker holds no more than it has threads, so requests arriving together are not all answered
by one worker on one core while the others idle."""

import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

from tests.gunicorn_helpers import free_port, gunicorn_command

BASE_DIR = Path(__file__).resolve().parents[2]
WORKERS = 3


def wait_until_warmed_up(log, process):
    """Until every worker has warmed up and is taking connections (gunicorn.conf.py logs it)."""
    deadline = time.monotonic() + 30
    while log.read_text().count("Worker warmed up") < WORKERS:
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")
        time.sleep(0.1)


def served_by(port):
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/?pause=1")
        response = connection.getresponse()
        assert response.status == 200
        return response.read().decode()
    finally:
        connection.close()


def test_connections_at_once_are_shared_out_among_the_workers(tmp_path):
    port = free_port()
    environment = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": "1",
        "GUNICORN_LOG_LEVEL": "info",
    }
    for name in ("GUNICORN_WORKER_CONNECTIONS", "GUNICORN_KEEPALIVE"):
        environment.pop(name, None)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            gunicorn_command("tests.registry.gunicorn_pid_app:application"),
            cwd=BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_warmed_up(log, process)
        # Six requests at once, each on its own connection, twice the workers' threads: each
        # worker takes one, then another once it is done. (A worker that took them all would
        # answer them one after another, the others idle.)
        with ThreadPoolExecutor(6) as pool:
            pids = list(pool.map(lambda _: served_by(port), range(6)))
        assert sorted(pids.count(pid) for pid in set(pids)) == [2, 2, 2], pids
    finally:
        process.terminate()
        process.wait(timeout=30)
