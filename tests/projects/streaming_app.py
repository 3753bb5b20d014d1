"""A WSGI application for tests/projects/test_streamed_downloads.py, served by gunicorn with the
project's gunicorn.conf.py: a streamed body of `pieces` lines, `pause` seconds apart, that
fails before line `fail_at` when the query string names one, as an export's would if its
database went away half-way."""

import time
from urllib.parse import parse_qs

LINE = b"x" * 999 + b"\n"


def application(environ, start_response):
    query = {name: values[0] for name, values in parse_qs(environ["QUERY_STRING"]).items()}
    pieces = int(query.get("pieces", "3"))
    pause = float(query.get("pause", "0"))
    fail_at = int(query["fail_at"]) if "fail_at" in query else None

    def body():
        for number in range(pieces):
            if number == fail_at:
                raise RuntimeError("the export failed half-way")
            if number:
                time.sleep(pause)
            yield LINE

    start_response("200 OK", [("Content-Type", "text/csv; charset=utf-8")])
    return body()
