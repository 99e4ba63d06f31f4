"""Haven's SQLite engine queues write transactions on its own locks (haven/lib/db/sqlite3)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db.utils import ConnectionHandler, OperationalError

# Connections of their own, to a file database (the suite's is in memory, which has no file to
# lock): pytest-django's blocker is lifted for them.
pytestmark = pytest.mark.usefixtures("unblocked")


@pytest.fixture
def unblocked(django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        yield


@contextmanager
def _transaction(conn: Any) -> Iterator[None]:
    """What `transaction.atomic()` does on SQLite's autocommit connection, for a connection that
    is not in django.db.connections."""
    conn.ensure_connection()
    conn._start_transaction_under_autocommit()
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def _connections(path: Path, timeout: float = 5) -> ConnectionHandler:
    settings = {
        "ENGINE": "haven.lib.db.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
    }
    return ConnectionHandler({"default": settings, "other": dict(settings)})


def _table(conn) -> None:  # type: ignore[no-untyped-def]
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER)")


def test_a_second_writer_waits_for_the_first_to_commit_and_then_goes_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    handler = _connections(tmp_path / "db.sqlite3")
    first = handler["default"]
    _table(first)
    order: list[str] = []
    started = threading.Event()

    def other_writer() -> None:
        second = handler["other"]  # a connection of this thread
        started.set()
        with _transaction(second):
            order.append("second in")
            with second.cursor() as cursor:
                cursor.execute("INSERT INTO t VALUES (2)")
        second.close()

    with _transaction(first):
        with first.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        thread = threading.Thread(target=other_writer)
        thread.start()
        started.wait()
        time.sleep(0.3)  # the other writer is waiting now, on our lock, not in SQLite's loop
        order.append("first commits")
        released = time.monotonic()
    thread.join(5)
    waited = time.monotonic() - released
    assert order == ["first commits", "second in"]
    assert waited < 0.1, waited  # SQLite's busy loop sleeps 100 ms at a time by then
    with first.cursor() as cursor:
        cursor.execute("SELECT n FROM t ORDER BY n")
        assert [r[0] for r in cursor.fetchall()] == [1, 2]
    first.close()


def test_a_rolled_back_or_failed_transaction_lets_the_next_writer_in(tmp_path) -> None:  # type: ignore[no-untyped-def]
    handler = _connections(tmp_path / "db.sqlite3", timeout=0.5)
    first = handler["default"]
    _table(first)
    with pytest.raises(ZeroDivisionError), _transaction(first):
        with first.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        1 / 0  # noqa: B018
    second = handler["other"]
    with _transaction(second), second.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (2)")
    # A connection closed in the middle of a transaction lets go of the locks too.
    with _transaction(first):
        first.close()
    with _transaction(second), second.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (3)")
    second.close()


def test_a_writer_that_cannot_get_in_gets_sqlites_own_error_after_the_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    handler = _connections(tmp_path / "db.sqlite3", timeout=0.3)
    first = handler["default"]
    _table(first)
    failed: list[BaseException] = []

    def other_writer() -> None:
        second = handler["other"]
        try:
            with _transaction(second):
                pass
        except OperationalError as error:
            failed.append(error)
        finally:
            second.close()

    with _transaction(first):
        thread = threading.Thread(target=other_writer)
        began = time.monotonic()
        thread.start()
        thread.join(5)
    assert failed and "database is locked" in str(failed[0])
    assert 0.25 < time.monotonic() - began < 2
    first.close()


def test_haven_runs_on_its_sqlite_engine() -> None:
    from django.conf import settings

    from haven import settings as haven_settings

    assert haven_settings._database()["ENGINE"] == "haven.lib.db.sqlite3" or settings.DATABASES[
        "default"
    ]["ENGINE"].endswith("postgresql")
