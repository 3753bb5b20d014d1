import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

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
    # tests/registry/test_page_cache.py turns it on. The cache is emptied all the same: a test
    # database rolled back to an earlier state must never meet pages cached from a later one.
    settings.PAGE_CACHE_SECONDS = 0
    empty_the_cache()
    # Likewise the worker's project index: a rolled-back test hands its log versions out again.
    project_index.forget()


@pytest.fixture
def english(client, settings):
    """A client reading the site in English, whose words are the templates' own."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def empty_the_cache():
    """Empties this test process's part of the cache. In a shared Redis only the keys under
    its own prefix (settings.py adds the xdist worker's name): clear() would empty the whole
    database under the other workers' feet."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{backend.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        backend.clear()


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
