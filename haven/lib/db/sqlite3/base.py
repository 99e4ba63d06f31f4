"""Django's SQLite backend, with writers queued on locks instead of SQLite's busy loop.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps between
attempts for 1, 2, 5, 10 ... and then 100 ms at a time. Under the mixed load of issue 16
(16 clients, two gunicorn workers, every staff page writing its audit rows) a writer that had
waited a while slept up to 100 ms after the lock was free, and staff pages and check-ins had
p99s of seconds. Here every write transaction (Haven's are all `BEGIN IMMEDIATE`) first takes
the process's lock for the database (threads wait on it and are woken as soon as it is
released, in the order they came), then an exclusive `flock` on a file beside the database
for the other processes (one thread per process asks for it, every 2 ms at most). Both give up
after the connection's `timeout` with SQLite's own "database is locked", as before. The busy
timeout stays, for writers that do not come through here (another program, or a statement
outside a transaction).

An in-memory database (the test suite's) has no file to lock and is left as it was."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from typing import Any

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def _process_lock(path: str) -> threading.Lock:
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(path, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._write_lock_fd: int | None = None
        self._write_lock: threading.Lock | None = None

    def _lock_path(self) -> str | None:
        name = str(self.settings_dict.get("NAME") or "")
        if not name or self.is_in_memory_db() or name.startswith("file:"):
            return None
        return f"{name}.writelock"

    def _take_write_lock(self) -> None:
        path = self._lock_path()
        if path is None or self._write_lock is not None:
            return
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + timeout
        lock = _process_lock(path)
        if not lock.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        try:
            if self._write_lock_fd is None:
                self._write_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            while True:
                try:
                    fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise OperationalError("database is locked") from None
                    time.sleep(0.002)
        except BaseException:
            lock.release()
            raise
        self._write_lock = lock

    def _release_write_lock(self) -> None:
        lock, self._write_lock = self._write_lock, None
        if lock is None:
            return
        try:
            if self._write_lock_fd is not None:
                fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)
        finally:
            lock.release()

    def _start_transaction_under_autocommit(self) -> None:
        self._take_write_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release_write_lock()
            if self._write_lock_fd is not None:
                os.close(self._write_lock_fd)
                self._write_lock_fd = None
