"""On SQLite, two saves at once take turns instead of one failing with "database is locked":
an admin save (the partner popup's too) reads before it writes, and SQLite cannot let a
transaction that has read wait for the write lock, so the admin's saves begin IMMEDIATE. Run on
a database file configured as the site configures one (registry.settings.database), since the
tests' own database is in memory."""

import threading
from contextlib import contextmanager

import pytest
from django.db.utils import ConnectionHandler

from registry.middleware import saves_take_turns
from registry.settings import database


@contextmanager
def atomic(connection):
    """A transaction begun as Django's atomic() begins one in an admin save
    (AdminSavesTakeTurnsMiddleware), on a connection of our own."""
    with saves_take_turns(connection):
        connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        with connection.cursor() as cursor:
            yield cursor
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.set_autocommit(True)


@pytest.fixture
def connections(tmp_path, django_db_blocker):
    """Connections (one per thread) to a database file set up as the site sets one up."""
    config = database(f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    handler = ConnectionHandler({"default": config})
    django_db_blocker.unblock()
    with handler["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE organisation (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        cursor.execute("INSERT INTO organisation (name) VALUES ('Riga Library')")
    try:
        yield handler
    finally:
        handler["default"].close()
        django_db_blocker.restore()


def test_the_site_runs_sqlite_in_wal_mode(connections):
    with connections["default"].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_a_save_that_reads_then_writes_waits_for_another_save_instead_of_failing(connections):
    first_has_read = threading.Event()
    second_done = threading.Event()
    errors = []

    def other_save():
        first_has_read.wait(5)
        try:
            with atomic(connections["default"]) as cursor:
                cursor.execute("INSERT INTO organisation (name) VALUES ('Kalix Pool')")
        except Exception as error:  # noqa: BLE001 - the failure is what the test reports
            errors.append(error)
        finally:
            connections["default"].close()
            second_done.set()

    thread = threading.Thread(target=other_save)
    thread.start()
    try:
        # As the admin's add view does: check the name is free, then insert.
        with atomic(connections["default"]) as cursor:
            cursor.execute("SELECT count(*) FROM organisation WHERE name = 'Tukums Museum'")
            assert cursor.fetchone()[0] == 0
            first_has_read.set()
            # The other save gets as far as it can: with deferred transactions it commits now,
            # and this one's INSERT then fails at once.
            second_done.wait(0.5)
            cursor.execute("INSERT INTO organisation (name) VALUES ('Tukums Museum')")
    finally:
        thread.join(10)
    assert errors == []
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT name FROM organisation ORDER BY id")
        assert [name for (name,) in cursor.fetchall()] == [
            "Riga Library",
            "Tukums Museum",
            "Kalix Pool",
        ]


@pytest.mark.django_db
def test_only_the_admins_posts_on_a_database_file_begin_immediate(rf):
    from django.db import connection

    from registry.middleware import AdminSavesTakeTurnsMiddleware

    seen = []

    class FileDatabase:
        vendor, transaction_mode = "sqlite", None

        def is_in_memory_db(self):
            return False

        def ensure_connection(self):
            pass

    database_file = FileDatabase()

    def view(request):
        seen.append(database_file.transaction_mode)
        return None

    middleware = AdminSavesTakeTurnsMiddleware(view)
    import registry.middleware as module

    original = module.connections
    module.connections = {"default": database_file}
    try:
        middleware(rf.post("/admin/projects/project/add/"))
        middleware(rf.get("/admin/projects/project/add/"))
        middleware(rf.post("/projects/kalix/contact/"))
    finally:
        module.connections = original
    assert seen == ["IMMEDIATE", None, None]
    assert database_file.transaction_mode is None
    # The tests' own database is left as it is: in memory on SQLite, or PostgreSQL's.
    before = getattr(connection, "transaction_mode", None)
    with saves_take_turns(connection):
        assert getattr(connection, "transaction_mode", None) == before
    if connection.vendor == "sqlite":
        assert connection.is_in_memory_db()
