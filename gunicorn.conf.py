"""gunicorn settings: `gunicorn` (or `gunicorn -c gunicorn.conf.py`) from the project directory.

Every value can be changed through the environment, so production differs by environment only.
"""

import multiprocessing
import os
import time

wsgi_app = "registry.wsgi:application"

# Behind a reverse proxy on the same host, loopback is enough; in a container set
# BIND=0.0.0.0:8000 (or PORT, as platforms like Heroku and Render do).
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")

# Two worker processes per core plus one keep every core busy while some wait on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))

# Threaded workers, because of the exports. A synchronous worker tells the arbiter it is alive
# only between requests, so `timeout` killed a download that streamed longer than that, the
# full CSV export among them, and the client was left with a file cut short. In a gthread
# worker the main thread keeps telling it while request threads stream: `timeout` then stands
# for a worker whose main loop hangs, not for a long download.
#
# Two threads per worker: while one streams an export (for as long as its client takes to
# read), the other still serves pages, so a few exports at once never leave a server without
# page workers. More would not serve pages faster: a page is Python work, and the threads of a
# process share one interpreter lock. Each thread has its own database connection, so a
# server opens up to workers × threads of them.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "2"))

# A worker takes only as many connections as it has threads to answer them, and closes each
# after its response (no keep-alive): the others wait in the listening socket for the first
# worker with a free thread. Connections kept open (a reverse proxy's pool, a load
# generator's) were otherwise all accepted by whichever worker the kernel woke first, which
# then answered them on one core while the other workers idled (whole benchmark rounds ran on
# one core of two, docs/performance.md), and a request could queue in a worker behind two
# long exports while others were free. Behind a reverse proxy (docs/operations.md) the
# connection per request is one on the local network.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", threads))

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# A worker that stops (a deploy, or `max_requests` below) finishes its requests for this long
# before it is killed; long enough for an export's download, whose client would otherwise get
# a truncated file (one that says so, see docs/exports.md).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "120"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "0"))  # see worker_connections above

# Recycle workers now and then, so a slow leak can never take a server down. Not too often: a
# new worker costs a second or two of CPU (Django's imports and its warm-up, below), and a
# worker serving cached pages answers a few hundred requests a second. The workers share the
# requests evenly, so they reach the limit together: a small jitter recycles them all within
# one warm-up, and the server answers with none. Half the limit staggers them.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 2))

# Logs go to stdout and stderr, for the process manager or container runtime to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker):
    """Before the worker takes a request, it makes a few itself (registry/warm_up.py), so that
    its first visitors do not wait for what a process does once."""
    from registry.warm_up import warm_up

    began = time.monotonic()
    warm_up(worker.wsgi, getattr(worker, "tpool", None), worker.cfg.threads)
    # While a worker warms up it answers nobody: how long that is, for whoever tunes the
    # recycling above.
    worker.log.info("Worker warmed up in %.1f s", time.monotonic() - began)
