"""A new worker answers its first visitor as fast as its hundredth.

A worker's first request pays for what the process does once: compiling templates, the URL
resolver, the translation catalogues, the project index's snapshot, a database connection per
thread. gunicorn's `post_worker_init` hook (gunicorn.conf.py) calls `warm_up` before the
worker takes any request, so a worker started by a deploy or recycled by `max_requests` does
that work without a visitor waiting on it.

Each path of settings.WARM_UP_PATHS is requested through the WSGI application itself, past the
page cache (a cached page would warm nothing), in the default language; the first path also in
each other language, whose catalogue is loaded once per process. Each of the worker's other
threads opens the database connection it keeps for its visitors. Nothing goes over the network
and nothing is logged as an access. A warm-up that fails or takes longer than WARM_UP_SECONDS is
given up: the worker starts anyway, and its first requests are as slow as without it.
"""

import io
import logging
import sys
import threading
from concurrent.futures import wait
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def warm_up(application, pool=None, threads=1):
    """Requests each of settings.WARM_UP_PATHS from `application` in one thread of `pool` (a
    concurrent.futures executor; None: in this thread), and opens a database connection in
    each of its other `threads - 1` threads; returns the statuses of the requests made."""
    paths = list(settings.WARM_UP_PATHS)
    if not paths:
        return []
    others = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    requests = [(path, None) for path in paths] + [(paths[0], language) for language in others]
    if pool is None:
        return _made(application, requests)
    # Every thread of the pool must take one share, so that each opens its own connection:
    # each share waits until all have started. What a process does once (templates, the
    # index) is done by the first; the others only connect.
    barrier = threading.Barrier(threads)

    def share(first):
        barrier.wait(timeout=settings.WARM_UP_SECONDS)
        return _made(application, requests) if first else _connected()

    futures = [pool.submit(share, n == 0) for n in range(threads)]
    done, pending = wait(futures, timeout=settings.WARM_UP_SECONDS)
    if pending:
        logger.warning("Worker warm-up took over %s s; starting anyway.", settings.WARM_UP_SECONDS)
    return [status for future in done for status in future.result()]


def _made(application, requests):
    """The statuses of `requests` ((path, language) pairs); a failure ends the warm-up and
    is logged, not raised: the worker starts anyway."""
    statuses = []
    try:
        for path, language in requests:
            statuses.append(_request(application, path, language))
    except Exception:
        logger.warning("Worker warm-up failed; starting anyway.", exc_info=True)
    return statuses


def _connected():
    try:
        connection.ensure_connection()
    except Exception:
        logger.warning("Worker warm-up could not connect; starting anyway.", exc_info=True)
    return []


def _request(application, path, language):
    """One GET of `path` through `application`, as a visitor's on this site would arrive; its
    status code."""
    parts = urlsplit(path)
    host = _host()
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": parts.path or "/",
        "QUERY_STRING": parts.query,
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        # A session cookie makes the page cache pass the request to the view (a visitor with
        # a session is always served fresh); no session has this key.
        "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}=warm-up",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if language:
        environ["HTTP_ACCEPT_LANGUAGE"] = language
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        environ[proxy_header[0]] = proxy_header[1]
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(int(status.split()[0]))

    body = application(environ, start_response)
    try:
        for _chunk in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close:
            close()
    return statuses[0] if statuses else None


def _host():
    """A host name the site answers to (the first of ALLOWED_HOSTS that names one)."""
    for host in settings.ALLOWED_HOSTS:
        name = host.lstrip(".")
        if name and name != "*":
            return name
    return "localhost"
