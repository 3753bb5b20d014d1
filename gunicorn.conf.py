"""gunicorn settings: `gunicorn` (or `gunicorn -c gunicorn.conf.py`) from the project directory.

Every value can be changed through the environment, so production differs by environment only.
"""

import multiprocessing
import os

wsgi_app = "registry.wsgi:application"

# Behind a reverse proxy on the same host, loopback is enough; in a container set
# BIND=0.0.0.0:8000 (or PORT, as platforms like Heroku and Render do).
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")

# Synchronous workers: the pages are short database reads, and the rule of thumb of two per
# core plus one keeps every core busy while some workers wait on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))

# A request past this many seconds is stuck (the full CSV export of 100 000 projects streams
# in a few seconds); the worker is then killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5

# Recycle workers now and then, so a slow leak can never take a server down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

# Logs go to stdout and stderr, for the process manager or container runtime to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
