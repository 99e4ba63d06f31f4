"""A duress session changes nothing real (invariant 8), in one place for every view and command.

Every request of a duress session runs inside one database transaction that is always rolled
back (the *pretence*). The view does exactly what it would do for anyone: its actions write,
its checks run, it answers "Saved." and shows what a real success shows; then every row it
wrote is undone. No view has to remember duress for its writes, so a view written next year is
covered too. A connection execute_wrapper is the backstop inside that transaction: it refuses
any statement that would end the transaction early (a raw COMMIT, BEGIN, END or ROLLBACK), so
nothing can commit what the pretence wrote.

What does persist for a duress session, and why:
- its own session row (`accounts_staffsession`): written by Django's session middleware after
  the pretence (last-seen time, messages), and deleted when the person signs out, so that the
  show goes on and ends like a real one;
- one audit row `duress.pretend` per request that tried to write (the URL name, the method and
  how many statements were undone: no typed value), so coordinators learn what the coerced
  person was made to do;
- at sign-in (a request that is not yet a duress request) the alarm: the `login.duress` audit
  row, the coordinators' notifications, the TOTP device's last-used step, the cleared failure
  counter, and the burn if the installation is set to burn on duress.

Out of reach (stated in docs/security.md): work done on another database connection (a thread
the view starts), files written outside the database, and PostgreSQL sequence numbers consumed
by an undone INSERT. None of Haven's views does the first two.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse

# Statements that change what the database holds.
_WRITE = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|CREATE|DROP|ALTER|TRUNCATE|COPY|GRANT|REVOKE"
    r"|VACUUM|REINDEX|ATTACH|DETACH|LOCK)\b",
    re.IGNORECASE,
)
# Statements that would end the pretence's transaction (and so commit or lose its guard).
# SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT stay allowed: nested atomic blocks use
# them, and they never reach past the outer transaction.
_ENDS_TRANSACTION = re.compile(
    r"^\s*(COMMIT|END|BEGIN|START\s+TRANSACTION|ABORT|PREPARE\s+TRANSACTION"
    r"|ROLLBACK(?!\s+TO\b))\b",
    re.IGNORECASE,
)


class DuressRefused(DatabaseError):
    """A statement that would make a duress session's writes last."""


class Pretence:
    """The execute_wrapper of one duress request: counts what it undoes, refuses what would
    commit it."""

    def __init__(self) -> None:
        self.writes = 0

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        if _ENDS_TRANSACTION.match(sql):
            raise DuressRefused("a duress session cannot end its transaction")
        if _WRITE.match(sql):
            if not connection.in_atomic_block:
                # Only possible if something left the pretence's transaction: refuse.
                raise DuressRefused("a duress session cannot write outside its pretence")
            self.writes += 1
        return execute(sql, params, many, context)


@contextmanager
def pretence() -> Iterator[Pretence]:
    """Run the body in a transaction that is rolled back whatever happens."""
    guard = Pretence()
    with transaction.atomic():
        # The wrapper goes on after the transaction has begun (SQLite's BEGIN goes through it).
        with connection.execute_wrapper(guard):
            try:
                yield guard
            finally:
                transaction.set_rollback(True)


class DuressMiddleware:
    """Placed right after StaffSessionMiddleware, which decides whether a session is a duress
    session (`request.keyring.duress`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        keyring = getattr(request, "keyring", None)
        if keyring is None or not keyring.duress:
            return self.get_response(request)
        session = request.session
        key_before = session.session_key
        with pretence() as guard:
            response = self.get_response(request)
        self._keep_the_session_honest(session, key_before)
        if guard.writes:
            self._audit(request, guard)
        return response

    @staticmethod
    def _keep_the_session_honest(session: Any, key_before: str | None) -> None:
        """Signing out deletes the session row inside the pretence, which undoes it: delete it
        for real, as a real sign-out does. A session key made inside the pretence is made again
        by the session middleware."""
        from haven.accounts.models import StaffSession

        key_after = session.session_key
        if key_after == key_before:
            return
        if key_before:
            StaffSession.objects.filter(session_key=key_before).delete()
        if key_after and not StaffSession.objects.filter(session_key=key_after).exists():
            session._session_key = None  # noqa: SLF001  (Django then creates the row afresh)
            session.modified = True

    @staticmethod
    def _audit(request: HttpRequest, guard: Pretence) -> None:
        from haven.audit.log import record

        match = getattr(request, "resolver_match", None)
        user = request.user
        record(
            actor=user,
            action="duress.pretend",
            object_type="user",
            object_id=user.pk,
            data={
                "view": getattr(match, "url_name", "") or "",
                "method": request.method,
                "writes": guard.writes,
            },
        )
