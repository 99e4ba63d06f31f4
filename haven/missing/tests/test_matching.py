"""Matching new reports and case people against the registry, through the blind index."""

from __future__ import annotations

import pytest

from haven.cases import actions as case_actions
from haven.missing import actions, matching
from haven.missing.errors import MissingError
from haven.missing.models import CaseLink, MatchCandidate, ReportLink
from haven.testing.personas import keyring_for


def _pending():  # type: ignore[no-untyped-def]
    return MatchCandidate.objects.filter(decision=MatchCandidate.Decision.PENDING)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "other",
    [
        {"full_name": "Khasan Abdulayev"},
        {"full_name": "Abdulajew, Chasan"},  # German rendering, family name first
        {"full_name": "Абдулаева Хасана"},  # genitive: "(the report) of Khasan Abdulaev"
        {"given_name": "Hasan", "family_name": "Abdoulaev"},  # French habit
    ],
)
def test_the_same_person_in_another_script_or_spelling_is_suggested(
    doc_ring, report, other
) -> None:  # type: ignore[no-untyped-def]
    made = actions.save_report(keyring=doc_ring, values=other)
    candidate = _pending().get()
    assert {candidate.report_id, candidate.other_report_id} == {report.pk, made.pk}
    assert candidate.score is not None and candidate.score >= 0.8


@pytest.mark.django_db
@pytest.mark.parametrize(
    "other",
    [
        {"given_name": "Хава", "family_name": "Абдулаева"},  # his sister: same family name
        {"given_name": "Ахмед", "family_name": "Абдулаев"},  # his brother
        {"given_name": "Хасан", "family_name": "Абдулаев", "birth": {"year": 1961}},  # his uncle
    ],
)
def test_relatives_sharing_a_surname_are_not_suggested(doc_ring, report, other) -> None:  # type: ignore[no-untyped-def]
    actions.save_report(keyring=doc_ring, values=other)
    assert not _pending().exists()


@pytest.mark.django_db
def test_a_new_case_person_is_matched_against_the_registry(personas, report) -> None:  # type: ignore[no-untyped-def]
    cw = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=cw, risk="high")
    person = case_actions.save_person(
        keyring=cw, case=case, values={"given_name": "Khasan", "family_name": "Abdulaev"}
    )
    candidate = _pending().get()
    assert candidate.person_id == person.pk and candidate.report_id == report.pk
    assert candidate.score is not None  # the caseworker holds both: scored at once
    # The documentation officer does not hold the case: the suggestion is not theirs to see.
    assert not matching.visible_candidates(keyring_for(personas.docofficer)).exists()
    link = actions.decide_match(
        keyring=cw, candidate=candidate, same=True, reason="mother confirmed by phone"
    )
    assert isinstance(link, CaseLink) and link.case == case and link.person == person
    candidate.refresh_from_db()
    assert candidate.decision == MatchCandidate.Decision.CONFIRMED
    with pytest.raises(MissingError):
        actions.decide_match(keyring=cw, candidate=candidate, same=False, reason="")


@pytest.mark.django_db
def test_a_suggestion_nobody_can_score_waits_for_someone_who_holds_both(personas, registry) -> None:  # type: ignore[no-untyped-def]
    # The coordinator2 holds the registry and the index but not the case: the suggestion is
    # found through the index and stays unscored until the caseworker looks.
    cw = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=cw, risk="high")
    case_actions.save_person(
        keyring=cw, case=case, values={"given_name": "Лёма", "family_name": "Дакаев"}
    )
    actions.save_report(
        keyring=keyring_for(personas.coordinator2), values={"full_name": "Lyoma Dakayev"}
    )
    candidate = MatchCandidate.objects.get()
    assert candidate.score is None
    assert (
        actions.score_matches(keyring=keyring_for(personas.coordinator2), candidates=[candidate])
        == 0
    )
    assert actions.score_matches(keyring=cw, candidates=[candidate]) == 1
    candidate.refresh_from_db()
    assert candidate.decision == MatchCandidate.Decision.PENDING and candidate.score >= 0.8


@pytest.mark.django_db
def test_rejected_pairs_are_never_suggested_again(doc_ring, report) -> None:  # type: ignore[no-untyped-def]
    other = actions.save_report(keyring=doc_ring, values={"full_name": "Khasan Abdulayev"})
    candidate = _pending().get()
    assert (
        actions.decide_match(keyring=doc_ring, candidate=candidate, same=False, reason="") is None
    )
    actions.save_report(keyring=doc_ring, report=other, values={"full_name": "Khasan Abdulaev"})
    actions.save_report(
        keyring=doc_ring, report=report, values={"given_name": "Хасан", "family_name": "Абдулаев"}
    )
    assert MatchCandidate.objects.count() == 1 and not _pending().exists()
    assert not ReportLink.objects.exists()


@pytest.mark.django_db
def test_candidates_are_found_without_decrypting_anyone(doc_ring, report, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Finding candidates reads index rows only; decryption happens in scoring, for the
    candidates alone."""
    from haven.vault.keyring import OpenVault

    for i in range(20):
        actions.save_report(
            keyring=doc_ring, values={"full_name": f"Иван Петров{i}ский"}, match=False
        )
    opened: list[object] = []
    real = OpenVault.unseal

    def counting(self, obj, name):  # type: ignore[no-untyped-def]
        opened.append(obj.pk)
        return real(self, obj, name)

    monkeypatch.setattr(OpenVault, "unseal", counting)
    made = actions.save_report(keyring=doc_ring, values={"full_name": "Khasan Abdulaev"})
    assert set(opened) <= {report.pk, made.pk}


@pytest.mark.django_db
def test_a_hotline_request_naming_a_reported_person_is_suggested_on_the_triage_page(
    personas, client_for, report
) -> None:  # type: ignore[no-untyped-def]
    from haven.intake import actions as intake_actions
    from haven.vault.actions import grant_vault

    coord = keyring_for(personas.coordinator)
    vault = intake_actions.set_up_intake_vault(actor=personas.coordinator, keyring=coord)
    grant_vault(keyring=coord, vault=vault, user=personas.operator)
    submitted = intake_actions.submit_request(
        text="Мой брат Хасан Абдулаев пропал в Грозном, его забрали люди в форме.",
        felt_urgency="now",
        contact="",
        files=[],
        language="ru",
    )
    # The operator holds the request but neither the index nor the registry: nothing is looked up.
    page = client_for(personas.operator).get(f"/staff/intake/{submitted.request.id}/")
    assert page.status_code == 200 and not MatchCandidate.objects.exists()
    # The coordinator holds all three: the name is found, scored, and shown.
    page = client_for(personas.coordinator).get(f"/staff/intake/{submitted.request.id}/")
    candidate = MatchCandidate.objects.get()
    assert candidate.help_request_id == submitted.request.pk and candidate.report_id == report.pk
    assert candidate.decision == MatchCandidate.Decision.PENDING and candidate.score >= 0.8
    assert report.reference in page.content.decode()
    compare = client_for(personas.coordinator).get(f"/staff/missing/matches/{candidate.id}/")
    assert "Хасан Абдулаев" in compare.content.decode()
    actions.decide_match(
        keyring=coord, candidate=candidate, same=True, reason="брат подтвердил по телефону"
    )
    candidate.refresh_from_db()
    assert (
        keyring_for(personas.coordinator2).reader(candidate).reason == "брат подтвердил по телефону"
    )
    # Looking again does not run the recogniser again or suggest twice.
    client_for(personas.coordinator).get(f"/staff/intake/{submitted.request.id}/")
    assert MatchCandidate.objects.count() == 1


@pytest.mark.django_db
def test_a_hotline_request_confirmed_as_the_same_person_shows_on_the_report_too(
    personas, client_for, report
) -> None:  # type: ignore[no-untyped-def]
    """Deciding "same person" for a hotline request was visible only from the request: the
    report page listed neither the request nor the reason."""
    from haven.intake import actions as intake_actions

    coord = keyring_for(personas.coordinator)
    intake_actions.set_up_intake_vault(actor=personas.coordinator, keyring=coord)
    submitted = intake_actions.submit_request(
        text="Мой брат Хасан Абдулаев пропал в Грозном.",
        felt_urgency="days",
        contact="",
        files=[],
        language="ru",
    )
    client = client_for(personas.coordinator)
    client.get(f"/staff/intake/{submitted.request.id}/")
    candidate = MatchCandidate.objects.get()
    before = client.get(f"/staff/missing/{report.id}/").content.decode()
    assert submitted.request.reference in before  # a pending suggestion is listed...
    actions.decide_match(
        keyring=coord, candidate=candidate, same=True, reason="брат подтвердил по телефону"
    )
    page = client.get(f"/staff/missing/{report.id}/").content.decode()
    assert submitted.request.reference in page  # ...and the decision stays on the report
    assert "брат подтвердил по телефону" in page
    # Someone holding the registry but not the intake vault is not told the request exists.
    other = client_for(personas.docofficer).get(f"/staff/missing/{report.id}/").content.decode()
    assert submitted.request.reference not in other


def test_a_recogniser_failure_skips_the_message_instead_of_breaking_the_page(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import haven.lib.redact as redact_module

    def broken(text):  # type: ignore[no-untyped-def]
        raise RuntimeError("model failure")

    monkeypatch.setattr(redact_module, "redact", broken)
    assert matching.names_in_texts(["Хасан Абдулаев пропал"]) == []


def _save_counting_queries(keyring, values):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        made = actions.save_report(keyring=keyring, values=values)
    return made, len(ctx.captured_queries)


@pytest.mark.django_db
def test_a_registry_save_runs_the_same_few_queries_however_many_candidates_it_finds(
    personas, report
) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: a save with matching made 376 queries at 100,000 reports, about nine per
    candidate. Candidates are now read, checked, scored and written in bulk."""
    name = {"given_name": "Ислам", "family_name": "Дудаев"}
    ring = keyring_for(personas.docofficer)
    cw = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=cw, risk="high")
    case_actions.save_person(keyring=cw, case=case, values=dict(name))
    actions.save_report(keyring=ring, values=name, match=False)
    first, few = _save_counting_queries(keyring_for(personas.caseworker), name)  # a fresh keyring
    assert (
        MatchCandidate.objects.filter(other_report=first).count()
        + (MatchCandidate.objects.filter(report=first).count())
        == 2
    )
    # 29 more reports of the same name, and 4 more people: the next save finds them all.
    for i in range(29):
        actions.save_report(
            keyring=ring,
            values={**name, "birth": {"year": 1990 + i % 3}, "home_place": f"село {i}"},
            match=False,
        )
    for _i in range(4):
        case_actions.save_person(keyring=cw, case=case, values=dict(name))
    last, many = _save_counting_queries(keyring_for(personas.caseworker), name)
    found = MatchCandidate.objects.filter(report=last) | MatchCandidate.objects.filter(
        other_report=last
    )
    assert found.count() == 36  # the 31 other reports and the 5 people
    assert found.filter(score__isnull=False).count() == 36  # the caseworker holds both sides
    assert many == few, (few, many)
    assert many <= 30, many


@pytest.mark.django_db
def test_match_suggestions_are_audited_in_the_transaction_that_writes_them(
    doc_ring, report
) -> None:  # type: ignore[no-untyped-def]
    from haven.audit.log import verify_chain
    from haven.audit.models import AuditEvent

    made = actions.save_report(keyring=doc_ring, values={"full_name": "Khasan Abdulayev"})
    candidate = _pending().get()
    event = AuditEvent.objects.get(action="missing.match_suggest")
    assert event.object_id == made.reference and event.actor_id == doc_ring.user.pk
    assert event.data == {"candidates": [str(candidate.pk)], "scored": 1, "dismissed": 0}
    # The report's own event and the suggestion's are written together, report first.
    create = AuditEvent.objects.get(action="missing.report_create", object_id=made.reference)
    assert create.id == event.id - 1
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_failed_audit_write_leaves_no_suggestion_behind(doc_ring, report, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from haven.missing import actions as missing_actions

    def broken(events):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(missing_actions, "log_events", broken)
    with pytest.raises(RuntimeError):
        actions.save_report(keyring=doc_ring, values={"full_name": "Khasan Abdulayev"})
    assert not MatchCandidate.objects.exists()


def test_matching_computes_and_never_imports_the_actions_that_write() -> None:
    """Issue 15: matching imported missing.actions, which imported it back."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(matching))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert "haven.missing.actions" not in imported
    assert not any(
        isinstance(node, ast.ImportFrom)
        and node.module == "haven.missing"
        and any(a.name == "actions" for a in node.names)
        for node in ast.walk(tree)
    )
    # No write in it either: no save, create, update or delete of any row.
    source = inspect.getsource(matching)
    for write in (".save(", ".create(", "bulk_create", ".update(", ".delete(", "log_event"):
        assert write not in source, write


@pytest.mark.django_db
def test_a_common_given_name_still_finds_the_person_through_the_rarer_family_name(
    doc_ring, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: a key shared by more reports than COMMON_KEY_ROWS is read only in its newest
    rows. The old report of Ислам Дудаев is far behind the newest Исламs, but his family name
    is rare, so the new report of him still finds it."""
    monkeypatch.setattr(matching, "COMMON_KEY_ROWS", 3)
    old = actions.save_report(
        keyring=doc_ring, values={"given_name": "Ислам", "family_name": "Дудаев"}, match=False
    )
    for family in ["Бакаев", "Дакаев", "Исаев", "Умаров", "Ахмадов", "Саидов"]:
        actions.save_report(
            keyring=doc_ring, values={"given_name": "Ислам", "family_name": family}, match=False
        )
    made = actions.save_report(
        keyring=doc_ring, values={"given_name": "Islam", "family_name": "Dudayev"}
    )
    candidate = _pending().get()
    assert {candidate.report_id, candidate.other_report_id} == {old.pk, made.pk}


@pytest.mark.django_db
def test_a_name_whose_every_part_is_common_reads_a_bounded_newest_subset(
    doc_ring, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A hundred namesakes are not all read: only those among the newest rows of each key;
    the newest namesake is among them, the oldest is not."""
    from haven.missing.models import RegistryIndexEntry

    monkeypatch.setattr(matching, "COMMON_KEY_ROWS", 3)
    name = {"given_name": "Ислам", "family_name": "Исаев"}
    made = [actions.save_report(keyring=doc_ring, values=name, match=False) for _ in range(8)]
    groups = matching.token_groups(doc_ring, ["Ислам Исаев"])
    assert groups
    found = matching._shared(RegistryIndexEntry, "report_id", groups)
    assert made[-1].pk in found and made[0].pk not in found
    assert 0 < len(found) <= 3 * len(set().union(*groups))
