import pytest
from django.conf import settings
from django.core.cache import cache

from projects import project_index


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Tests need no collectstatic manifest and no slow password hashing.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The page cache is off, so that each test's pinned query counts are the views' own;
    # tests/test_page_cache.py turns it on. The cache is emptied all the same: a test database
    # rolled back to an earlier state must never meet pages cached from a later one.
    settings.PAGE_CACHE_SECONDS = 0
    cache.clear()
    # Likewise the worker's project index: a rolled-back test hands its log versions out again.
    project_index.forget()


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
