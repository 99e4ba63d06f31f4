"""A budget shared by every web process on one machine, kept in small files.

Used by the portal's admission control: new submissions take a slot (a bounded number may be
processed at once, installation-wide) and a token from a bucket (a bounded rate). Both live in
files under one directory so that all gunicorn workers and threads share them, with no server
and no database write:

- each slot is a file locked with `flock`; the kernel releases the lock when the holder closes
  it or its process dies, so a crashed worker never leaks a slot;
- the bucket is 16 bytes (tokens, timestamp) read and rewritten under an exclusive `flock`.

No Django here: the caller passes the directory and the limits."""

from __future__ import annotations

import fcntl
import os
import random
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_BUCKET = struct.Struct("<dd")


@dataclass
class Slot:
    """A held slot; `release()` (or leaving the `with` block) frees it for any process."""

    fd: int | None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the flock
            self.fd = None

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass
class SharedBudget:
    """`slots` at once and `rate` per second (with bursts of `burst`) across processes.
    `slots <= 0` or `rate <= 0` means no limit of that kind."""

    directory: Path
    name: str
    slots: int
    rate: float
    burst: int
    clock: Callable[[], float] = field(default=time.time)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    def try_acquire(self) -> Slot | None:
        """A slot if one is free and a token is left; None means "busy, come back later"."""
        slot = self._take_slot()
        if slot is None:
            return None
        if not self._take_token():
            slot.release()
            return None
        return slot

    # --- slots ----------------------------------------------------------------------------

    def _take_slot(self) -> Slot | None:
        if self.slots <= 0:
            return Slot(None)
        # Start at a random slot so that concurrent callers rarely probe the same files.
        start = random.randrange(self.slots)  # noqa: S311  (spreading load, not security)
        for i in range(self.slots):
            path = self.directory / f"{self.name}.slot{(start + i) % self.slots}"
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return Slot(fd)
        return None

    def in_use(self) -> int:
        """How many slots are held right now (for tests and the bench)."""
        held = 0
        for i in range(max(self.slots, 0)):
            fd = os.open(self.directory / f"{self.name}.slot{i}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held += 1
            finally:
                os.close(fd)
        return held

    # --- token bucket -----------------------------------------------------------------------

    def _take_token(self) -> bool:
        if self.rate <= 0:
            return True
        fd = os.open(self.directory / f"{self.name}.bucket", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held for a read and a write: microseconds
            raw = os.pread(fd, _BUCKET.size, 0)
            now = self.clock()
            tokens, stamp = _BUCKET.unpack(raw) if len(raw) == _BUCKET.size else (self.burst, now)
            # A clock that stepped back (or a file from an earlier boot) refills nothing.
            elapsed = max(0.0, now - stamp)
            tokens = min(float(self.burst), tokens + elapsed * self.rate)
            taken = tokens >= 1.0
            if taken:
                tokens -= 1.0
            os.pwrite(fd, _BUCKET.pack(tokens, now), 0)
            return taken
        finally:
            os.close(fd)


# --- waiting in turn ------------------------------------------------------------------------


@dataclass
class _Queue:
    cond: threading.Condition = field(default_factory=threading.Condition)
    waiters: deque[object] = field(default_factory=deque)


_queues: dict[tuple[str, str], _Queue] = {}
_queues_lock = threading.Lock()


def _queue_for(budget: SharedBudget) -> _Queue:
    key = (str(budget.directory), budget.name)
    with _queues_lock:
        return _queues.setdefault(key, _Queue())


def acquire_in_turn(budget: SharedBudget, *, timeout: float, poll: float = 0.005) -> Slot | None:
    """A slot of `budget`, waiting up to `timeout` seconds, in arrival order within this process.

    Only the oldest waiter of a process polls the shared slot files, so a thread that arrived
    later can never overtake one that is waiting: a flood's requests queue behind a real
    person's, not around it. Across processes the heads of each process's queue compete for the
    next free slot, which keeps the order nearly first-come across a few workers. None after the
    timeout: the caller answers "busy" and the waiter leaves the queue."""
    queue = _queue_for(budget)
    me = object()
    deadline = time.monotonic() + timeout
    with queue.cond:
        queue.waiters.append(me)
        queue.cond.notify_all()  # lets a test (or a gauge) see the queue grow
        try:
            while True:
                head = queue.waiters[0] is me
                if head:
                    slot = budget.try_acquire()
                    if slot is not None:
                        return slot
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                # The head polls (a slot may be freed by another process, which cannot notify
                # us); the others sleep until the head leaves.
                queue.cond.wait(min(poll, remaining) if head else remaining)
        finally:
            queue.waiters.remove(me)
            queue.cond.notify_all()
