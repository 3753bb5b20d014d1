"""Starting gunicorn with the project's gunicorn.conf.py in a test, serving a small WSGI
application of the tests' own."""

import socket
import sys


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_command(application):
    """gunicorn with the project's configuration, without its control socket and access log,
    serving `application` ("module:callable")."""
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    return [*command, "--no-control-socket", "--access-logfile", "/dev/null", application]
