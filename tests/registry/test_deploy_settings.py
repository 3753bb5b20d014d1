"""Deployment settings: `check --deploy` is clean with HTTPS=1, plain HTTP still works without
it, security headers are always sent, the CSP allows no inline script, the admin works under
it, gunicorn reads its settings from the environment, and the replica router is inert unless
a replica is configured."""

import json
import os
import runpy
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse

from projects.models import Project
from registry import db_router
from registry.middleware import DatabaseRoutingMiddleware
from registry.settings import csp_hash
from tests.factories import make_project

BASE_DIR = Path(__file__).resolve().parents[2]


def production_environment(**extra):
    environment = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    environment.update(
        HTTPS="1",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="registry.example.org",
        **extra,
    )
    return environment


def test_check_deploy_finds_no_issues_with_https_on():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr and "?:" not in result.stderr


def test_https_switches_on_the_https_only_settings():
    script = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, list(s.SECURE_PROXY_SSL_HEADER)]))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=BASE_DIR,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    redirect, session_secure, csrf_secure, hsts, proxy_header = json.loads(result.stdout)
    assert redirect and session_secure and csrf_secure and hsts >= 31536000
    assert proxy_header == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.django_db
def test_admin_login_works_over_plain_http_without_https(client, django_user_model):
    if settings.HTTPS:
        pytest.skip("this test is about running without HTTPS=1")
    django_user_model.objects.create_superuser("coordinator", password="a long passphrase 42")

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "coordinator", "password": "a long passphrase 42"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.cookies["sessionid"]["secure"] == ""
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_every_response_sends_the_security_headers(client):
    response = client.get("/healthz")

    policy = parse_policy(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def parse_policy(header):
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts and styles,
    style attributes and event-handler attributes."""

    def __init__(self):
        super().__init__()
        directives = ("script-src", "style-src", "script-src-attr", "style-src-attr")
        self.found = {directive: [] for directive in directives}
        self.inside = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        executable = attrs.get("type", "text/javascript") in {"text/javascript", "module"}
        if tag == "script" and "src" not in attrs and executable:
            self.inside = "script-src"
        elif tag == "style":
            self.inside = "style-src"
        for name, value in attrs.items():
            if name == "style":
                self.found["style-src-attr"].append(value or "")
            elif name.startswith("on"):
                self.found["script-src-attr"].append(value or "")
            elif name == "href" and (value or "").strip().lower().startswith("javascript:"):
                self.found["script-src-attr"].append(value)

    def handle_data(self, data):
        if self.inside:
            self.found[self.inside].append(data)

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self.inside = None


def blocked_inline_code(response):
    """Each inline snippet of the page that its own Content-Security-Policy would block."""
    policy = parse_policy(response["Content-Security-Policy"])
    parser = InlineCode()
    parser.feed(response.content.decode())
    blocked = []
    for directive, snippets in parser.found.items():
        allowed = policy.get(directive) or policy.get(directive.removesuffix("-attr")) or []
        for snippet in snippets:
            if snippet.strip() and csp_hash(snippet) not in allowed:
                blocked.append((directive, snippet.strip()[:80]))
    return blocked


def admin_pages():
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        yield reverse("admin:{}_{}_changelist".format(*info))
        if model_admin.has_add_permission(type("Request", (), {"user": AllowAll()})()):
            yield reverse("admin:{}_{}_add".format(*info))


class AllowAll:
    is_active = is_staff = is_superuser = True

    def has_perm(self, *args):
        return True


@pytest.mark.django_db
def test_the_admin_runs_no_inline_code_its_policy_blocks(client, admin_user):
    make_project()
    client.force_login(admin_user)
    blocked = {}
    for url in ["/admin/", *admin_pages()]:
        response = client.get(url)
        assert response.status_code == 200, url
        if found := blocked_inline_code(response):
            blocked[url] = found

    assert blocked == {}


@pytest.mark.django_db
def test_public_pages_run_no_inline_code(client):
    project = make_project(goals=[4, 11], countries=["LV"])
    blocked = {}
    for url in ["/", "/projects/", project.get_absolute_url(), "/goals/", "/goals/4/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        if found := blocked_inline_code(response):
            blocked[url] = found

    assert blocked == {}


def test_the_admin_inline_snippets_allowed_by_hash_are_the_installed_ones():
    """If Django or django-import-export change these snippets, the hashes must follow."""
    import django
    import import_export

    change_list = Path(django.__file__).parent / "contrib/admin/templates/admin/change_list.html"
    export = Path(import_export.__file__).parent / "templates/admin/import_export/export.html"
    template = change_list.read_text()
    style = template[template.index("<style>") + len("<style>") : template.index("</style>")]
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]

    assert csp_hash(style) in directives["style-src"]
    assert 'onchange="onSelectToggleChange(event)"' in export.read_text()
    assert csp_hash("onSelectToggleChange(event)") in directives["script-src-attr"]


def test_gunicorn_reads_its_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("PORT", "9001")
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))

    assert config["wsgi_app"] == "registry.wsgi:application"
    assert config["workers"] == 3
    assert config["bind"] == "127.0.0.1:9001"
    assert config["accesslog"] == "-"
    assert 0 < config["timeout"] <= 120


def test_gunicorn_staggers_the_recycling_of_its_workers(monkeypatch):
    # Workers that share the requests evenly reach max_requests together; a jitter of half
    # the limit keeps them from all warming up at once.
    monkeypatch.delenv("GUNICORN_MAX_REQUESTS_JITTER", raising=False)
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "4000")
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert (config["max_requests"], config["max_requests_jitter"]) == (4000, 2000)

    monkeypatch.setenv("GUNICORN_MAX_REQUESTS_JITTER", "50")
    assert runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))["max_requests_jitter"] == 50


def test_gunicorn_defaults_to_two_workers_per_core_plus_one(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("BIND", raising=False)
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))

    assert config["workers"] == os.cpu_count() * 2 + 1
    assert config["bind"] == "127.0.0.1:8000"


def test_without_a_replica_the_router_leaves_every_query_to_the_default():
    router = db_router.PrimaryReplicaRouter()
    token = db_router.public_read.set(True)
    try:
        assert "replica" not in settings.DATABASES
        assert router.db_for_read(Project) is None
        assert router.db_for_write(Project) is None
    finally:
        db_router.public_read.reset(token)


def test_with_a_replica_only_public_reads_of_public_data_go_to_it(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    router = db_router.PrimaryReplicaRouter()
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session

    token = db_router.public_read.set(True)
    try:
        assert router.db_for_read(Project) == "replica"
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(Session) == "default"
        assert router.db_for_write(Project) == "default"
    finally:
        db_router.public_read.reset(token)
    assert router.db_for_read(Project) == "default"
    assert router.allow_migrate("replica", "projects") is False


@pytest.mark.parametrize(
    ("method", "path", "cookies", "public"),
    [
        ("get", "/projects/", {}, True),
        ("head", "/projects/export.csv", {"csrftoken": "x"}, True),
        ("get", "/projects/", {"sessionid": "a coordinator"}, False),
        ("post", "/i18n/setlang/", {}, False),
        ("get", "/admin/projects/project/", {}, False),
    ],
)
def test_only_anonymous_gets_outside_the_admin_are_public_reads(rf, method, path, cookies, public):
    seen = []

    def view(request):
        seen.append(db_router.public_read.get())
        return HttpResponse()

    request = getattr(rf, method)(path)
    request.COOKIES.update(cookies)
    DatabaseRoutingMiddleware(view)(request)

    assert seen == [public]
    assert db_router.public_read.get() is False


def test_a_streamed_export_reads_its_rows_as_a_public_read_too(rf):
    def rows():
        yield str(db_router.public_read.get())

    response = DatabaseRoutingMiddleware(lambda request: StreamingHttpResponse(rows()))(
        rf.get("/projects/export.csv")
    )

    assert b"".join(response.streaming_content) == b"True"
    assert db_router.public_read.get() is False
