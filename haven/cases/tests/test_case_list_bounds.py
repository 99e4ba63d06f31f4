"""The case list, name search and case page stay bounded: keyset pages, a bounded count, a
query count that does not grow with the cases or grants an account holds, and a name search
that decrypts a page of candidates, not all of them (issue 16)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.audit.models import AuditEvent
from haven.cases import actions, queries
from haven.cases.models import Case
from haven.testing.personas import keyring_for

LINK = re.compile(r'href="\?([^"]*(?:after|before)=[0-9a-f-]+)"')


def _add(ring, n: int, family: str = "Хасанов") -> list[Case]:  # type: ignore[no-untyped-def]
    made = []
    for i in range(n):
        c = actions.create_case(keyring=ring, risk="low")
        actions.save_person(
            keyring=ring, case=c, values={"given_name": f"Имя{i}", "family_name": family}
        )
        made.append(c)
    return made


def _refs(body: str) -> list[str]:
    return re.findall(r">(HV-[0-9A-Z-]+)</a>", body)


def _older(body: str) -> str | None:
    for link in LINK.findall(body):
        if "after=" in link:
            return "?" + link.replace("&amp;", "&")
    return None


def _newer(body: str) -> str | None:
    for link in LINK.findall(body):
        if "before=" in link:
            return "?" + link.replace("&amp;", "&")
    return None


@pytest.fixture
def small_pages(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    monkeypatch.setattr(queries, "SEARCH_CHUNK", 4)


@pytest.mark.django_db
@pytest.mark.parametrize("walk_above", [0, 10_000], ids=["walking the order", "from the grants"])
def test_paging_older_shows_every_case_once_newest_first_and_newer_goes_back(
    personas, client_for, index, small_pages, monkeypatch, walk_above: int
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(queries, "WALK_ABOVE_GRANTS", walk_above)
    made = _add(keyring_for(personas.caseworker), 8)
    client = client_for(personas.caseworker)
    expected = [
        c.reference
        for c in Case.objects.filter(pk__in=[m.pk for m in made]).order_by("-updated_at", "-id")
    ]
    pages, url = [], "/staff/cases/"
    while url:
        body = client.get(f"/staff/cases/{url}" if url.startswith("?") else url).content.decode()
        pages.append(_refs(body))
        url = _older(body)  # type: ignore[assignment]
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [r for p in pages for r in p] == expected
    second = client.get(
        "/staff/cases/" + _older(client.get("/staff/cases/").content.decode())
    ).content.decode()  # type: ignore[operator]
    back = client.get("/staff/cases/" + _newer(second)).content.decode()  # type: ignore[operator]
    assert _refs(back) == pages[0]
    assert _newer(back) is None


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", ["nonsense", "00000000-0000-0000-0000-000000000000", "'; --"])
def test_a_mangled_or_foreign_cursor_shows_the_first_page(
    personas, client_for, index, small_pages, cursor: str
) -> None:  # type: ignore[no-untyped-def]
    _add(keyring_for(personas.caseworker), 4)
    client = client_for(personas.caseworker)
    first = _refs(client.get("/staff/cases/").content.decode())
    for key in ("after", "before"):
        response = client.get("/staff/cases/", {key: cursor})
        assert response.status_code == 200
        assert _refs(response.content.decode()) == first


@pytest.mark.django_db
def test_a_cursor_from_another_compartment_is_no_position(
    personas, client_for, index, small_pages
) -> None:  # type: ignore[no-untyped-def]
    _add(keyring_for(personas.caseworker), 4)
    foreign = actions.create_case(keyring=keyring_for(personas.coordinator2), risk="low")
    client = client_for(personas.caseworker)
    first = _refs(client.get("/staff/cases/").content.decode())
    assert _refs(client.get("/staff/cases/", {"after": str(foreign.id)}).content.decode()) == first


@pytest.mark.django_db
def test_the_count_stops_at_its_bound(
    personas, client_for, index, small_pages, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _add(keyring_for(personas.caseworker), 4)
    client = client_for(personas.caseworker)
    assert "4 дела." in client.get("/staff/cases/").content.decode()
    monkeypatch.setattr(queries, "COUNT_LIMIT", 3)
    assert "Больше 3 дел." in client.get("/staff/cases/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("walk_above", [0, 10_000], ids=["walking the order", "from the grants"])
def test_the_case_list_query_count_does_not_grow_with_the_cases_or_grants_held(
    personas, client_for, index, small_pages, monkeypatch, walk_above: int
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(queries, "WALK_ABOVE_GRANTS", walk_above)
    ring = keyring_for(personas.caseworker)
    client = client_for(personas.caseworker)

    def counted(params: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/staff/cases/", params).status_code == 200
        return len(ctx.captured_queries)

    _add(ring, 4)
    few = counted({}), counted({"state": "intake", "risk": "low"})
    _add(ring, 12)
    assert (counted({}), counted({"state": "intake", "risk": "low"})) == few
    assert few[0] <= 30


@pytest.mark.django_db
def test_name_search_decrypts_a_page_of_candidates_not_all_of_them(
    personas, client_for, index, small_pages
) -> None:  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    _add(ring, 12, family="Исаев")
    _add(ring, 3, family="Хасанов")
    client = client_for(personas.caseworker)
    before = AuditEvent.objects.filter(action="vault.open").count()
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/staff/cases/", {"q": "Isaev"}).content.decode()
    opened = AuditEvent.objects.filter(action="vault.open").count() - before
    assert len(_refs(body)) == 3
    # The index vault and one round of candidates (SEARCH_CHUNK = 4), each open audited.
    assert opened <= 1 + 4
    assert len(ctx.captured_queries) <= 40
    found, url = [], "?q=Isaev"
    while url:
        page = client.get("/staff/cases/" + url).content.decode()
        found += _refs(page)
        url = _older(page)  # type: ignore[assignment]
    assert len(found) == len(set(found)) == 12


@pytest.mark.django_db
def test_name_search_narrows_by_every_typed_word_before_decrypting(
    personas, client_for, index
) -> None:  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    _add(ring, 5, family="Исаев")
    wanted = actions.create_case(keyring=ring, risk="low")
    actions.save_person(
        keyring=ring, case=wanted, values={"given_name": "Зарема", "family_name": "Исаева"}
    )
    client = client_for(personas.caseworker)
    before = AuditEvent.objects.filter(action="vault.open").count()
    body = client.get("/staff/cases/", {"q": "Зарема Исаева"}).content.decode()
    assert _refs(body) == [wanted.reference]
    # The five other Isaevs share a surname, not the given name: never decrypted.
    assert AuditEvent.objects.filter(action="vault.open").count() - before <= 2


@pytest.mark.django_db
def test_can_open_looks_up_one_grant_not_every_grant_of_the_account(personas, index) -> None:  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    made = _add(ring, 3)
    fresh = keyring_for(personas.caseworker)
    with CaptureQueriesContext(connection) as ctx:
        assert fresh.can_open(made[0].vault)
        assert fresh.can_open(made[0].vault)  # cached for the request
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    assert str(made[0].vault_id).replace("-", "") in sql.replace("-", "")
    assert "LIMIT 1" in sql
    assert not keyring_for(personas.outsider).can_open(made[0].vault)


@pytest.mark.django_db
def test_the_case_page_query_count_does_not_grow_with_its_notes_and_tasks(
    personas, client_for, case
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)

    def counted() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/staff/cases/{case.id}/").status_code == 200
        return len(ctx.captured_queries)

    ring = keyring_for(personas.caseworker)
    actions.add_note(keyring=ring, case=case, text="первая")
    counted()  # the session's first page after signing in also writes the session
    few = counted()
    for i in range(6):
        actions.add_note(keyring=ring, case=case, text=f"заметка {i}")
    assert counted() == few <= 60
