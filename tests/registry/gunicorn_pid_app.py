"""A WSGI application for tests/registry/test_gunicorn_connections.py: answers, after a pause
of `?pause=` seconds, with the process id of the gunicorn worker that served the request."""

import os
import time
from urllib.parse import parse_qs


def application(environ, start_response):
    time.sleep(float(parse_qs(environ["QUERY_STRING"]).get("pause", ["0"])[0]))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
