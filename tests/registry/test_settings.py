"""Settings come from the environment, with defaults that let a fresh clone run."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS, "engine": db["ENGINE"],
    "name": str(db["NAME"]), "host": db.get("HOST", ""), "language": settings.LANGUAGE_CODE,
    "languages": [code for code, _ in settings.LANGUAGES], "tz": settings.TIME_ZONE,
    "static_root": str(settings.STATIC_ROOT), "secret": settings.SECRET_KEY,
    "secure_cookies": settings.SESSION_COOKIE_SECURE, "ssl_redirect": settings.SECURE_SSL_REDIRECT,
}))
"""


def settings_with(**environment):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "STATIC_ROOT", "HTTPS"}
    }
    env.update(environment, DJANGO_SETTINGS_MODULE="registry.settings")
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_run_a_fresh_clone_on_sqlite_without_debug():
    values = settings_with()
    assert values["debug"] is False
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(ROOT / "db.sqlite3")
    assert values["hosts"] == ["127.0.0.1", "localhost", "[::1]"]
    assert values["language"] == "sv"
    assert values["languages"] == ["sv", "en", "lv"]
    assert values["tz"] == "Europe/Stockholm"
    assert len(values["secret"]) >= 50
    # Plain HTTP on loopback: cookies must not be Secure or the admin login would fail.
    assert values["secure_cookies"] is False and values["ssl_redirect"] is False


def test_the_local_secret_is_stable_and_ignored_by_git():
    assert settings_with()["secret"] == settings_with()["secret"]
    assert ".secret_key" in (ROOT / ".gitignore").read_text().split()


def test_the_environment_overrides_every_default(tmp_path):
    values = settings_with(
        DATABASE_URL="postgres://user@db.example:5432/registry",
        DEBUG="1",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="registry.example,www.registry.example",
        STATIC_ROOT=str(tmp_path),
        HTTPS="1",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["host"], values["name"]) == ("db.example", "registry")
    assert values["debug"] is True
    assert values["secret"] == "s" * 60
    assert values["hosts"] == ["registry.example", "www.registry.example"]
    assert values["static_root"] == str(tmp_path)
    assert values["secure_cookies"] is True and values["ssl_redirect"] is True
