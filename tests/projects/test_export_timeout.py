"""A streamed CSV export's COPY lasts as long as its download: on PostgreSQL it runs under its
own statement timeout (DATABASE_EXPORT_STATEMENT_TIMEOUT), not the pages' short one."""

import pytest
from django.db import OperationalError, connection

from projects import export_copy
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def slow_copy(monkeypatch):
    """A COPY that takes 0.5 s on the server, as a large export to a slow client does."""
    if connection.vendor != "postgresql":
        pytest.skip("the COPY export and statement timeouts are PostgreSQL's")
    monkeypatch.setattr(
        export_copy,
        "copy_statement",
        lambda *args: "COPY (SELECT 'slow' FROM pg_sleep(0.5)) TO STDOUT (FORMAT CSV)",
    )


def pages_statement_timeout(milliseconds):
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(milliseconds)])


def test_the_csv_export_outlasts_the_pages_statement_timeout(client, slow_copy, settings):
    make_project()
    pages_statement_timeout(200)

    response = client.get("/projects/export.csv")

    assert b"slow" in b"".join(response.streaming_content)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "200ms"  # Put back after the export.


def test_the_export_has_a_limit_of_its_own(client, slow_copy, settings):
    make_project()
    settings.EXPORT_STATEMENT_TIMEOUT_MS = 100

    response = client.get("/projects/export.csv")

    with pytest.raises(OperationalError, match="statement timeout"):
        b"".join(response.streaming_content)
