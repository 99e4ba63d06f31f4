"""What a staff page view costs its session (issue 16): the session row stays small and is not
rewritten on every request, and the vault keys a session has opened stay sealed, in memory."""

from __future__ import annotations

import base64
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.accounts.middleware import SEEN_AT_RESOLUTION_SECONDS, SESSION_SEEN_AT
from haven.accounts.models import StaffSession
from haven.cases import actions
from haven.testing.personas import keyring_for
from haven.vault.keyring import PROCESS_KEY_STORE


def _session_writes(queries: list[dict[str, str]]) -> list[str]:
    table = StaffSession._meta.db_table
    return [
        q["sql"]
        for q in queries
        if table in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


@pytest.fixture
def cases_of_caseworker(personas):  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    made = []
    for i in range(5):
        c = actions.create_case(keyring=ring, risk="low")
        actions.save_person(keyring=ring, case=c, values={"given_name": f"Имя{i}"})
        made.append(c)
    return made


@pytest.mark.django_db
def test_a_page_view_within_a_minute_does_not_rewrite_the_session(
    personas, client_for, cases_of_caseworker
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)
    client.get("/staff/cases/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/staff/cases/").status_code == 200
        assert client.get(f"/staff/cases/{cases_of_caseworker[0].id}/").status_code == 200
    assert _session_writes(ctx.captured_queries) == []


@pytest.mark.django_db
def test_the_last_seen_time_is_written_again_after_a_minute(
    personas, client_for, cases_of_caseworker
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)
    client.get("/staff/cases/")
    session = client.session
    session[SESSION_SEEN_AT] = time.time() - SEEN_AT_RESOLUTION_SECONDS - 1
    session.save()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/staff/cases/").status_code == 200
    assert len(_session_writes(ctx.captured_queries)) == 1
    assert time.time() - client.session[SESSION_SEEN_AT] < 5


@pytest.mark.django_db
def test_the_session_row_holds_no_vault_keys_and_stays_small(
    personas, client_for, cases_of_caseworker
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)
    before = len(PROCESS_KEY_STORE)
    for case in cases_of_caseworker:
        assert client.get(f"/staff/cases/{case.id}/").status_code == 200
    row = StaffSession.objects.get(user=personas.caseworker)
    assert len(row.session_data) < 2000
    assert "haven_vault_keys" not in row.get_decoded()
    # The keys went to the worker's memory, sealed: no vault key appears there in the clear.
    assert len(PROCESS_KEY_STORE) >= before + len(cases_of_caseworker)
    data_key = keyring_for(personas.caseworker).open(cases_of_caseworker[0].vault)._key
    stored = [base64.b64decode(v) for v in PROCESS_KEY_STORE.values()]
    assert stored and all(data_key not in blob for blob in stored)
