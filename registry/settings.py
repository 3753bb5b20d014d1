"""Settings for the registry, read from the environment.

Every value has a default that lets a fresh clone run `make run` on SQLite over plain HTTP;
a production deployment differs only by environment variables (see docs/operations.md).
"""

import base64
import hashlib
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_HASHES
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def local_secret_key():
    """A secret kept in a git-ignored file, so a fresh clone runs without configuration."""
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_filters",
    "django_countries",
    "import_export",
    "reversion",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "registry",
    "projects",
    "networks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML, JSON and XML of public reads compressed in transit; above everything that makes
    # or changes the body (registry/compression.py says why it skips the admin and sessions).
    "registry.compression.PublicGZipMiddleware",
    "csp.middleware.CSPMiddleware",
    # Decides, before anything touches the database, whether this request may read from the
    # replica (see registry/db_router.py).
    "registry.middleware.DatabaseRoutingMiddleware",
    # Ends a request that has waited REQUEST_DATABASE_TIMEOUT seconds on a frozen database.
    "registry.middleware.DatabaseWatchdogMiddleware",
    # Above every middleware that changes the body, so the ETag is computed from the final page.
    "registry.middleware.ConditionalGetMiddleware",
    # Anonymous visitors' pages from the cache: below the ETag and the security headers, which
    # a cached page gets anew, above everything whose headers are stored with the page.
    "registry.middleware.PageCacheMiddleware",
    # Above the session and CSRF middleware, so it sees the cookies they set.
    "registry.middleware.PublicCacheMiddleware",
    # On SQLite, the admin's saves take the database's write lock as they begin.
    "registry.middleware.AdminSavesTakeTurnsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that its process_exception sees a view's database error first.
    "registry.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "registry.urls"
WSGI_APPLICATION = "registry.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]



def seconds_in_ms(name, default):
    """A duration in seconds from the environment, in PostgreSQL's milliseconds (0: no limit)."""
    return round(float(os.environ.get(name, default)) * 1000)


def database(url):
    config = dj_database_url.parse(
        url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")), conn_health_checks=True
    )
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Fail fast when the server is unreachable: the site answers 503 within seconds instead
        # of holding a worker until gunicorn's timeout (libpq's default is to wait forever).
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")))
        # A query stuck behind a lock or running away is cancelled by the server well within
        # gunicorn's timeout, and the request answers 503 "busy" (registry/middleware.py). A
        # streamed export sets its own, longer limit (projects/export_copy.py).
        timeouts = (
            f"-c statement_timeout={seconds_in_ms('DATABASE_STATEMENT_TIMEOUT', '10')}"
            f" -c lock_timeout={seconds_in_ms('DATABASE_LOCK_TIMEOUT', '3')}"
        )
        options["options"] = f"{options.get('options', '')} {timeouts}".strip()
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # A writer waits up to 20 s for the one before it. A transaction that reads and then
        # writes cannot wait for the write lock (SQLite fails it at once with "database is
        # locked"), so the admin's saves begin IMMEDIATE, taking it as they begin
        # (registry.middleware.AdminSavesTakeTurnsMiddleware); not every transaction, or
        # pages' reads would queue behind each other. WAL lets pages be read while a save is
        # under way (kept in the database file; an in-memory test database ignores it).
        options = config.setdefault("OPTIONS", {})
        options.setdefault("timeout", 20)
        options.setdefault("init_command", "PRAGMA journal_mode=WAL;")
    return config


# A request whose view has waited this long on the database has its connections cut and answers
# 503 (registry.middleware.DatabaseWatchdogMiddleware): a frozen server cancels nothing itself.
# Longer than the statement timeout, so a slow query is the server's to cancel; 0 turns it off.
REQUEST_DATABASE_TIMEOUT = float(os.environ.get("REQUEST_DATABASE_TIMEOUT", "20"))
# A streamed CSV export is one COPY statement that lasts as long as its download.
EXPORT_STATEMENT_TIMEOUT_MS = seconds_in_ms("DATABASE_EXPORT_STATEMENT_TIMEOUT", "600")
DATABASES = {
    "default": database(os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if os.environ.get("DATABASE_REPLICA_URL"):
    # A streaming replica of the primary for public reads; tests use the primary in its place.
    DATABASES["replica"] = database(os.environ["DATABASE_REPLICA_URL"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Inert without a replica: every query then goes to "default" as usual.
DATABASE_ROUTERS = ["registry.db_router.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "sv"
LANGUAGES = [
    ("sv", _("Swedish")),
    ("en", _("English")),
    ("lv", _("Latvian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language a visitor chose is remembered for a year, not only until the browser closes.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The benchmark swaps in the plain storage so it needs no collectstatic manifest.
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_STORAGE", "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploaded and generated files (background exports' files, projects/export_jobs.py) through
# Django's default storage; a deployment shares this folder between app servers and workers, or
# configures object storage in STORAGES["default"].
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Where pictures are served from: the site itself (registry/media.py), or the object storage's
# or a CDN's address when STORAGES["default"] is one (docs/operations.md, "Pictures").
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
# Uploaded pictures (projects/pictures.py): the largest file and pixel count accepted.
PICTURE_MAX_BYTES = int(os.environ.get("PICTURE_MAX_BYTES", 10 * 1024 * 1024))
PICTURE_MAX_PIXELS = int(os.environ.get("PICTURE_MAX_PIXELS", 40_000_000))
# The contact forms (projects/contact.py): messages are kept this many days, then deleted; a
# sender may send this many an hour, a project or municipality receive this many a day; a form
# sent sooner than this many seconds after it was served is taken for a bot's.
CONTACT_MESSAGES_KEPT_DAYS = int(os.environ.get("CONTACT_MESSAGES_KEPT_DAYS", 365))
CONTACT_LIMIT_PER_SENDER = int(os.environ.get("CONTACT_LIMIT_PER_SENDER", 3))
CONTACT_LIMIT_PER_RECIPIENT = int(os.environ.get("CONTACT_LIMIT_PER_RECIPIENT", 20))
CONTACT_MIN_SECONDS = int(os.environ.get("CONTACT_MIN_SECONDS", 3))
# The folders of the default storage that registry/media.py may serve to anyone.
PUBLIC_MEDIA_PREFIXES = ["pictures/"]

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Web addresses typed into forms without a scheme are taken as https:// (Django 6's default).
FORMS_URLFIELD_ASSUME_HTTPS = True

# Coordinators are locked out for a while after repeated failed logins (django-axes).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A translated page saying how long to wait, instead of axes' bare "Account locked" text.
AXES_LOCKOUT_CALLABLE = "registry.two_factor.lockout_response"
# The lock-out counts failures per username and client address, so a stranger elsewhere locks
# out only themselves. Behind reverse proxies the address is read from the X-Forwarded-For they
# set: TRUSTED_PROXY_COUNT is how many there are (0: no proxy, the header is ignored).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "registry.client_ip.client_ip"
# Staff sign in to the admin with a password and a code from an authenticator app (TOTP,
# django-otp); see registry/two_factor.py. Off by default so a fresh clone signs in with a password.
REQUIRE_2FA = env_bool("REQUIRE_2FA", False)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Municipal international projects")
# The admin's page of an existing device shows neither an app's key nor backup codes
# (django-otp): their owner sees them once, on the two-factor pages.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Project import and export in the admin (django-import-export): all-or-nothing imports,
# importing needs the "add" permission and exporting the "view" permission. Formula cells
# are neutralised by projects/resources.py, which covers more than the library's
# IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT (that one strips a leading "=" only).
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

# HTTPS-only settings, switched on by the production environment (HTTPS=1) so that
# `make run` keeps working over plain HTTP on loopback, admin login included.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True


def csp_hash(source):
    digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
    return f"'sha256-{digest}'"


# Content-Security-Policy (django-csp 4): scripts and styles from our own origin only, never
# inline. The admin ships three small inline snippets; each is allowed by its hash alone, and
# tests/registry/test_deploy_settings.py recomputes the hashes from the installed templates.
ADMIN_INLINE_STYLE = "\n      #changelist table thead th:first-child {width: inherit}\n    "
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # django-import-export's export form: the "select all" checkbox handler.
        "script-src-attr": [UNSAFE_HASHES, csp_hash("onSelectToggleChange(event)")],
        # Django admin's change list without actions sets one column width inline.
        "style-src": [SELF, csp_hash(ADMIN_INLINE_STYLE)],
        "style-src-attr": [
            UNSAFE_HASHES, csp_hash("padding: 0;"), csp_hash("font-weight: bold;")
        ],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": HTTPS,
    },
}
if not MEDIA_URL.startswith("/"):
    # Pictures served from object storage or a CDN (docs/operations.md, "Pictures").
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] = [SELF, MEDIA_URL]

# Anonymous visitors' copies of public pages may be reused for this long by browsers and
# proxies (registry/middleware.py); logged-in users and the admin always get a fresh page.
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "60"))

# The page cache (registry.middleware.PageCacheMiddleware, docs/caching.md): anonymous
# visitors' public pages, kept until something they show changes (registry/change_stamp.py);
# the timeout only bounds what an edit that bypasses the signals could cost. 0 turns it off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))

# What a new gunicorn worker requests itself before it takes any request (registry/warm_up.py):
# the home page and a filtered list, whose first rendering in a process costs the most
# (templates, the URL resolver, the project index). Empty: no warm-up. Given up after
# WARM_UP_SECONDS.
WARM_UP_PATHS = env_list("WARM_UP_PATHS", "/,/projects/?goal=1&type=mobility")
WARM_UP_SECONDS = float(os.environ.get("WARM_UP_SECONDS", "20"))


def code_release():
    """A digest of what pages are rendered from (code, templates, translations, static
    files): the same on every server running the same checkout. RELEASE_ID is cheaper and
    covers upgraded dependencies too."""
    digest = hashlib.sha256()
    for folder in ["registry", "projects", "networks", "templates", "locale", "static"]:
        for path in sorted((BASE_DIR / folder).rglob("*")):
            if path.is_file() and path.suffix not in {".pyc", ".po"}:
                digest.update(path.relative_to(BASE_DIR).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# Production and the CI's PostgreSQL run: Redis, shared by every worker and app server, so a
# page is rendered once per change for all of them. Its keys start with the release, so two
# releases sharing one Redis (during a rolling deploy) never serve each other's pages; test
# processes running in parallel each have their own database, hence their own keys too.
# Otherwise (make run, the default test run) each process keeps its pages in memory: nothing
# to run, and MAX_ENTRIES bounds the memory (pages are 10 to 250 kB).
REDIS_URL = os.environ.get("REDIS_URL") or os.environ.get("CACHE_URL", "")
if REDIS_URL:
    release = os.environ.get("RELEASE_ID") or code_release()
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": ":".join(
                filter(None, ["registry", release, os.environ.get("PYTEST_XDIST_WORKER")])
            ),
            # A Redis that does not answer costs a request this long, then the page is
            # rendered as with the cache off.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PAGE_CACHE_MAX_ENTRIES", "500"))},
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL", "")

# Mail: invitations and forgotten passwords (registry/admin_accounts.py), through the SMTP server
# of the environment. Without EMAIL_HOST it is written to the log instead (a fresh clone shows
# the links there rather than failing to send).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that does not answer costs a request this long, not a worker's whole timeout.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "registry@localhost")
# How long an invitation or a password-reset link works (it works once in any case).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(3 * 24 * 60 * 60)))

# Background jobs (long exports, docs/exports.md): django-tasks with its database backend, so
# the broker is the database itself (PostgreSQL in production, SQLite for `make run`), and
# `manage.py db_worker` runs them (docs/operations.md, "Background jobs").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The JSON API (/api/, docs/open-data.md): read-only and public, JSON only (DRF's browsable
# renderer would put forms and a CSRF cookie on it); its OpenAPI document by drf-spectacular,
# which /api/reference/ also renders as a page of the site (projects/api/reference.py).
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Registry of municipal international projects API",
    "DESCRIPTION": "Published projects with the project list's filters, and the reference "
    "data they name. Read-only, no key needed. Field dictionary: docs/exports.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# Open data (docs/open-data.md): the licence of the published data, an exact Creative Commons
# URI, stated in the DCAT catalogue, the API's description and the IATI files; the functional
# address (never a person's) that the data portal shows as the datasets' contact point.
OPEN_DATA_LICENSE = os.environ.get(
    "OPEN_DATA_LICENSE", "http://creativecommons.org/licenses/by/4.0/"
)
OPEN_DATA_CONTACT_EMAIL = os.environ.get(
    "OPEN_DATA_CONTACT_EMAIL", ACCESSIBILITY_CONTACT_EMAIL
)
# The registry's own publisher in the catalogue (the whole registry's dataset) and in IATI
# files: its name, and its organisation number (NNNNNN-NNNN) when the operator has one.
OPEN_DATA_PUBLISHER_NAME = os.environ.get(
    "OPEN_DATA_PUBLISHER_NAME", "Registry of municipal international projects"
)
OPEN_DATA_PUBLISHER_ORGANISATION_NUMBER = os.environ.get(
    "OPEN_DATA_PUBLISHER_ORGANISATION_NUMBER", ""
)
