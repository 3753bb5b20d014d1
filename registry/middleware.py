"""Site-wide request handling: database routing, HTTP caching, the page cache, and a calm
answer when the database is away."""

import datetime
import hashlib
import logging
import os
import re
import socket
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
)
from django.http import HttpResponse, QueryDict
from django.middleware import http
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers, quote_etag
from django.utils.deprecation import MiddlewareMixin
from django.utils.http import http_date
from redis.exceptions import RedisError

from registry import change_stamp, db_router

logger = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD"}
ADMIN_PREFIX = "/admin/"


def is_public_read(request):
    """A GET or HEAD outside the admin: it changes nothing and shows only public data."""
    return request.method in SAFE_METHODS and not request.path_info.startswith(ADMIN_PREFIX)


class DatabaseRoutingMiddleware:
    """Lets the database router send this request's reads to the replica when it is a public
    read by a visitor without a session; everything else (writes, the admin, coordinators
    looking at the public pages just after an edit, management commands) uses the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        anonymous = settings.SESSION_COOKIE_NAME not in request.COOKIES
        public = anonymous and is_public_read(request)
        token = db_router.public_read.set(public)
        try:
            response = self.get_response(request)
        finally:
            db_router.public_read.reset(token)
        if public and response.streaming and not getattr(response, "is_async", False):
            # A streamed export reads its rows after this method has returned.
            response.streaming_content = self.public_reads(response.streaming_content)
        return response

    @staticmethod
    def public_reads(chunks):
        chunks = iter(chunks)
        while True:
            token = db_router.public_read.set(True)
            try:
                chunk = next(chunks, None)
            finally:
                db_router.public_read.reset(token)
            if chunk is None:
                return
            yield chunk


# The masked CSRF token differs on every response (Django re-masks it each time), so a page
# with a form (the admin's) would never get the same ETag twice. The ETag is computed with
# the token blanked and the unmasked secret added instead: the same page for the same visitor
# keeps its ETag, and a visitor whose secret changed (at login) gets the page again. Public
# pages have no form that posts, so their ETag depends on the content alone: the same for a
# page served from the page cache as for the page just rendered.
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')


class ConditionalGetMiddleware(http.ConditionalGetMiddleware):
    """Django's ConditionalGetMiddleware (ETag from the content, 304 when it matches), with
    an ETag that ignores the per-response CSRF mask."""

    def process_response(self, request, response):
        if (
            request.method == "GET"
            and not response.streaming
            and response.content
            and self.needs_etag(response)
            and not response.has_header("ETag")
        ):
            content, tokens = CSRF_INPUT.subn(rb"\1\2", response.content)
            digest = hashlib.md5(content, usedforsecurity=False)
            if tokens:
                digest.update(request.META.get("CSRF_COOKIE", "").encode())
            response.headers["ETag"] = quote_etag(digest.hexdigest())
        return super().process_response(request, response)


# Never looked up nor stored: the admin, the health check (it must reach the database) and
# the language switch (it sets a cookie).
UNCACHED_PREFIXES = (ADMIN_PREFIX, "/healthz", "/language/")
# A bad filter value (400) and a missing page (404) depend on the same inputs as a page.
CACHED_STATUSES = {200, 400, 404}
# The largest page stored (the home page is about 250 kB), so that a download that one day
# stops streaming never fills the cache.
CACHED_MAX_BYTES = 1_000_000


@contextmanager
def saves_take_turns(connection):
    """On a SQLite database file, every transaction begun inside begins IMMEDIATE: it takes
    the write lock as it begins, waiting (the busy timeout, settings.database) for a save under
    way, where a transaction that read first would fail at its first write with "database is
    locked". An in-memory database (the tests') has one connection shared by every thread, so
    nothing to take turns with."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        yield
        return
    # Connecting sets the mode from the settings: connect first, then change it.
    connection.ensure_connection()
    previous = connection.transaction_mode
    connection.transaction_mode = "IMMEDIATE"
    try:
        yield
    finally:
        connection.transaction_mode = previous


class AdminSavesTakeTurnsMiddleware:
    """The admin's POSTs (saves, deletions, actions, sign-ins) on SQLite begin their
    transactions IMMEDIATE (`saves_take_turns`): two coordinators saving at once wait for each
    other instead of one getting a 503. PostgreSQL locks rows and needs nothing of this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or not request.path_info.startswith(ADMIN_PREFIX):
            return self.get_response(request)
        with saves_take_turns(connections[DEFAULT_DB_ALIAS]):
            return self.get_response(request)


# How long a request waits for another's render of the same page before it renders it itself
# (longer than a list takes to render under load), and how often it looks meanwhile.
RENDER_WAIT_SECONDS = 2.0
RENDER_POLL_SECONDS = 0.01
# How old a page may be to be served as it was while another request renders it anew: its
# stamps read no longer ago than this. (Browsers and proxies are allowed to keep a public page
# for PUBLIC_CACHE_SECONDS, a minute, in any case.)
STALE_SECONDS = 10


def pause(seconds):
    """A waiting request's pause (its own name, so a test can stand in for it alone)."""
    time.sleep(seconds)


def wall_clock():
    """The time a page's stamps are read, and its age measured, by (its own name, as `pause`);
    the wall clock, shared by the app servers, unlike time.monotonic."""
    return time.time()


class PageCacheMiddleware:
    """Serves anonymous visitors' public pages from Django's default cache (Redis shared by
    every worker and server in production, settings.CACHES), until something they show
    changes. docs/caching.md tells the whole story.

    The key is (the stamps of the tags the page depends on, this year, language, URL with the
    query parameters the page reads): each page is declared in its app's page_cache.py
    (registry/change_stamp.py), so saving one project leaves the other projects' pages and the
    accessibility statement cached, while an edit shows on the very next request of every page
    that shows it (those who come while that request renders are served the page as it was,
    if it is no more than STALE_SECONDS old), and a draft is never in a page to be cached in
    the first place. The year is there because the projects' statuses follow it, the language
    is the one LocaleMiddleware would choose (cookie, then Accept-Language). A declared page is
    given only the query parameters it reads, so `?utm_source=…` makes no new entry and can
    never be in a stored page. Reading the stamps is at most one query per request. Only GET
    and HEAD requests without a session cookie are served or stored, and only complete
    responses that set no cookie and that a shared cache may keep (so not /healthz, not the
    streamed exports, not a page for a coordinator). If the cache does not answer, pages are
    rendered as if it were off.

    It sits below ConditionalGetMiddleware and the security headers' middleware, which then
    treat a cached page like a fresh one (ETag and 304, CSP, nosniff, HSTS), and above
    PublicCacheMiddleware and everything below, whose headers (Cache-Control, Last-Modified,
    Vary, Content-Language, X-Frame-Options) are stored with the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_public_read(request):
            return self.get_response(request)
        page, kwargs = change_stamp.page_for(request.path_info)
        if page.query is not None:
            keep_only(request, page.query)
        keys = self.keys(request, page, kwargs) if self.may_serve(request) else None
        if keys is None:
            return self.get_response(request)
        key, latest, read_at = keys
        entry = self.cache_call("get", key)
        if entry is not None:
            return restored(entry)
        # One render per page and state: an edit sends every visitor of a page it moved to
        # render it anew at once, each in a worker of their own. The first takes the render
        # (a key beside the page's, in the shared cache); the others are served the page as
        # it was before the edit while that render lasts, or, when there is none, wait for
        # the render's page, and render it themselves only if it is late.
        rendering = key + ":rendering"
        # (None, not False: the cache did not answer, and nobody can be waited for.)
        if self.cache_call("add", rendering, 1, RENDER_WAIT_SECONDS) is False:
            entry = self.previous(latest) or self.wait_for(key, rendering)
            if entry is not None:
                return restored(entry)
        try:
            response = self.get_response(request)
            if self.may_store(response):
                self.cache_call(
                    "set_many",
                    {key: stored(response), latest: (key, read_at)},
                    settings.PAGE_CACHE_SECONDS,
                )
        finally:
            self.cache_call("delete", rendering)
        return response

    def previous(self, latest):
        """The page last stored for this address and language, if its stamps were read no
        more than STALE_SECONDS ago; None when there is none such in the cache. Served only
        while another request renders the page anew."""
        pointer = self.cache_call("get", latest)
        if not pointer:
            return None
        previous_key, read_at = pointer
        if wall_clock() - read_at > STALE_SECONDS:
            return None
        return self.cache_call("get", previous_key)

    def wait_for(self, key, rendering):
        """The page under `key` once the request rendering it has stored it; None as soon as
        that request is done without storing it (a page never stored, such as a form's or a
        500), or after RENDER_WAIT_SECONDS."""
        deadline = time.monotonic() + RENDER_WAIT_SECONDS
        while time.monotonic() < deadline:
            pause(RENDER_POLL_SECONDS)
            found = self.cache_call("get_many", [key, rendering]) or {}
            if key in found:
                return found[key]
            if rendering not in found:
                # Done: stored a moment after the look (then it is there now) or not at all.
                return self.cache_call("get", key)
        return None

    @staticmethod
    def may_serve(request):
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and not request.path_info.startswith(UNCACHED_PREFIXES)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        )

    @staticmethod
    def keys(request, page, kwargs):
        """The cache key of this request's page, the key of the pointer to the page last
        stored for its address and language whatever the stamps, and the time the stamps
        were read; or None when they cannot be known (the stamps are read before the page is
        rendered, so a page is never stored under a newer stamp than its data's)."""
        read_at = wall_clock()
        try:
            stamps = change_stamp.page_stamps(page, kwargs, request.GET)
            url = request.build_absolute_uri()
        except (DatabaseError, InterfaceError):
            # The page itself will answer 503 (DatabaseUnavailableMiddleware).
            logger.warning("Page cache skipped: the database did not answer.", exc_info=True)
            return None
        except DisallowedHost:
            return None  # CommonMiddleware answers 400.
        language = translation.get_language_from_request(request)
        address = "|".join([*change_stamp.key_parts(), language, url])
        return "page:" + digest(f"{stamps}|{address}"), "page-latest:" + digest(address), read_at

    @staticmethod
    def may_store(response):
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code in CACHED_STATUSES
            and not response.streaming
            and len(response.content) <= CACHED_MAX_BYTES
            and not response.cookies
            and not any(word in cache_control for word in ("private", "no-cache", "no-store"))
        )

    @staticmethod
    def cache_call(method, *args):
        # The cache is a copy: when Redis is away, pages are rendered as with the cache off.
        try:
            return getattr(cache, method)(*args)
        except RedisError:
            logger.warning("Page cache skipped: the cache did not answer.", exc_info=True)
            return None


def digest(text):
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def keep_only(request, names):
    """Gives the view only the query parameters `names` (in the visitor's order, which links
    on the page keep): what the page cache keys the page on is then all the page can show."""
    kept = QueryDict(mutable=True)
    for name in request.GET:
        if name in names:
            kept.setlist(name, request.GET.getlist(name))
    request.META["QUERY_STRING"] = kept.urlencode()
    request.GET = QueryDict(request.META["QUERY_STRING"])


def stored(response):
    """What the cache keeps of a page: status, headers and body (plain values, picklable and
    small, unlike the response object with its closers and cached attributes)."""
    return (response.status_code, list(response.items()), response.content)


def restored(entry):
    status, headers, content = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response.headers[name] = value
    return response


# The URL namespaces whose responses carry Last-Modified: the project pages and exports, and
# the JSON API (docs/open-data.md).
DATED_NAMESPACES = {"projects", "api"}


class PublicCacheMiddleware(MiddlewareMixin):
    """Lets anonymous visitors' browsers (and proxies, where safe) keep public pages for a
    minute; coordinators and the admin always get a fresh page.

    - A visitor with a session cookie (a coordinator) gets `private, no-cache`: an edit is
      visible to them at once, and the ETag still saves the download when nothing changed.
    - A response that sets a cookie gets `private, max-age=60`: a shared cache must never hand
      one visitor's cookie to another (no public page sets one today; a test checks).
    - Anything else, i.e. every public page and export for a visitor without a session,
      gets `public, max-age=60`: public pages set no cookie (they have no form that posts).
    Pages of projects, exports and the API carry Last-Modified: the last change to any public
    data (the change stamp, which deletions move too), or midnight today if that is later,
    since derived statuses and export file names follow the date.
    """

    def process_response(self, request, response):
        if not is_public_read(request) or response.status_code != 200:
            return response
        if request.resolver_match and request.resolver_match.namespace in DATED_NAMESPACES:
            self.set_last_modified(response)
        if response.has_header("Cache-Control"):
            return response  # The view decided (e.g. /healthz is never cached).
        patch_vary_headers(response, ["Cookie"])
        # The session cookie, not request.user, tells a visitor from a coordinator: it needs
        # no database query, and a visitor who has a session is better served fresh anyway.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            patch_cache_control(response, private=True, no_cache=True)
        elif response.cookies:
            patch_cache_control(response, private=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        else:
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        return response

    def set_last_modified(self, response):
        if response.has_header("Last-Modified"):
            return
        try:
            changed_at = change_stamp.last_changed_at()
        except DatabaseError:
            logger.warning("No Last-Modified: the database did not answer.", exc_info=True)
            return
        midnight = datetime.datetime.combine(
            timezone.localdate(), datetime.time.min, tzinfo=timezone.get_current_timezone()
        )
        newest = max(changed_at, midnight) if changed_at else midnight
        response.headers["Last-Modified"] = http_date(newest.timestamp())


UNAVAILABLE_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Temporarily unavailable</title></head>
<body>
<h1>Temporarily unavailable</h1>
<p>The registry cannot reach its database. Please try again in a minute.</p>
<p lang="sv">Registret når inte sin databas just nu. Försök igen om en minut.</p>
<p lang="lv">Reģistrs pašlaik nevar piekļūt savai datubāzei.
Lūdzu, mēģiniet vēlreiz pēc minūtes.</p>
</body>
</html>
"""

BUSY_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Busy</title></head>
<body>
<h1>Busy</h1>
<p>The registry is busy and could not answer in time. Please try again in a moment.</p>
<p lang="sv">Registret är upptaget och hann inte svara. Försök igen om en stund.</p>
<p lang="lv">Reģistrs ir aizņemts un nepaspēja atbildēt. Lūdzu, mēģiniet vēlreiz pēc brīža.</p>
</body>
</html>
"""

# PostgreSQL's answers (SQLSTATE) for a query it gave up on while it is there: a statement or
# lock timeout (settings.database), a cancel, a deadlock or a serialization failure.
BUSY_SQLSTATES = {"57014", "55P03", "40P01", "40001"}
# ... and for a database that is not there: no connection, shutting down, out of resources.
# An error without a SQLSTATE is the driver's own, i.e. the connection's.
OUTAGE_SQLSTATE_PREFIXES = ("08", "53", "57P", "58")
# SQLite's primary result codes: busy or locked (another connection is writing), interrupted;
# cannot open the file, I/O error, disk full, corrupt, read-only, no permission, not a database.
SQLITE_BUSY = {5, 6, 9}
SQLITE_OUTAGE = {3, 8, 10, 11, 13, 14, 26}


def database_failure(exception):
    """"busy", "outage" or None (a query the database refused: a bug, answered 500 as any)."""
    if isinstance(exception, InterfaceError):
        return "outage"
    if not isinstance(exception, OperationalError):
        return None
    cause = exception.__cause__
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        primary = code & 0xFF
        return "busy" if primary in SQLITE_BUSY else "outage" if primary in SQLITE_OUTAGE else None
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate in BUSY_SQLSTATES:
        return "busy"
    if sqlstate is None or sqlstate.startswith(OUTAGE_SQLSTATE_PREFIXES):
        return "outage"
    return None


class DatabaseWatchdogMiddleware:
    """Cuts a request's database connections when the request has waited on them for
    REQUEST_DATABASE_TIMEOUT seconds, so a frozen PostgreSQL (its processes paused: nothing
    answers, not even a cancel request, and its own statement_timeout never fires) costs a
    visitor a 503 after that long instead of a thread that hangs until the server wakes.
    gunicorn's timeout no longer ends such a request: its threaded workers keep their
    heartbeat while a request thread waits. Shutting the socket down makes libpq's wait
    return with an error, which DatabaseUnavailableMiddleware answers as an outage; Django
    opens a new connection for the next request (conn_health_checks).

    It watches the view only: a streamed export reads after the view has returned, under its
    own statement timeout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.REQUEST_DATABASE_TIMEOUT
        if not seconds:
            return self.get_response(request)
        # The connection objects are this thread's; the watchdog's thread must cut these.
        watched = [connections[alias] for alias in connections]
        token = _watchdog.watch(time.monotonic() + seconds, watched)
        try:
            return self.get_response(request)
        finally:
            _watchdog.forget(token)


class Watchdog:
    """One thread per process that cuts the connections of requests past their deadline
    (a thread per request would cost every request a thread's start)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.watched = {}
        self.thread = None

    def watch(self, deadline, wrappers):
        token = object()
        with self.lock:
            self.watched[token] = (deadline, wrappers)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self.run, daemon=True, name="db-watchdog")
                self.thread.start()
        return token

    def forget(self, token):
        with self.lock:
            self.watched.pop(token, None)

    def run(self):
        while True:
            time.sleep(0.25)
            now = time.monotonic()
            with self.lock:
                late = [token for token, (deadline, _) in self.watched.items() if deadline <= now]
                for token in late:
                    # Cut under the lock: the request cannot finish and reuse the connection
                    # for its next request meanwhile.
                    for wrapper in self.watched.pop(token)[1]:
                        cut_socket(wrapper)


_watchdog = Watchdog()


def cut_socket(wrapper):
    """Shuts down the socket of a PostgreSQL connection (psycopg's), if it has one open."""
    raw = getattr(wrapper, "connection", None)
    pgconn = getattr(raw, "pgconn", None)
    if pgconn is None:
        return
    try:
        fd = pgconn.socket
    except Exception:  # closed already: nothing to cut
        return
    logger.warning(
        "Database connection cut after %s s without an answer.",
        settings.REQUEST_DATABASE_TIMEOUT,
    )
    duplicate = socket.socket(fileno=os.dup(fd))
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        duplicate.close()


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    """Answers 503 with a short static page when the database cannot be reached, or when it
    gave up on a query (a statement or lock timeout): it is there but too busy to answer.

    Only a lost connection is logged as an error (an outage); a timed-out query is a warning.
    Any other database error is a query the database refused, i.e. a bug: a 500 like others.
    Nothing is kept between requests, so the site recovers by itself: Django checks a
    persistent connection before reusing it (conn_health_checks) and opens a new one when the
    database is back. PostgreSQL's connect_timeout, statement_timeout and lock_timeout
    (settings.database) keep this from hanging.
    """

    def process_exception(self, request, exception):
        failure = database_failure(exception)
        if failure is None:
            return None
        if failure == "busy":
            logger.warning("Database busy: %s", exception, exc_info=exception)
            response = HttpResponse(BUSY_PAGE, status=503)
            response.headers["Retry-After"] = "5"
        else:
            logger.error("Database unavailable: %s", exception, exc_info=exception)
            response = HttpResponse(UNAVAILABLE_PAGE, status=503)
            response.headers["Retry-After"] = "30"
        patch_cache_control(response, no_store=True)
        return response
