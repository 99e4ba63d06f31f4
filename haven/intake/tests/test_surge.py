"""Surviving a surge: the waiting-time alert, claims, canned replies and the queue header."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from haven.accounts.models import Role
from haven.alerts.models import Notification
from haven.audit.models import AuditEvent
from haven.intake import actions, surge
from haven.intake.models import CannedReply, HelpRequest, Message
from haven.safety import worker
from haven.safety.channels import OUTBOX
from haven.safety.models import OnCallShift
from haven.safety.tests.conftest import add_channel
from haven.testing.personas import make_staff

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
TEXT = "Меня ищут, я у подруги в Грозном, Салех"
CONTACT = "@saleh_secret"


def _submit(felt: str = "now", language: str = "ru", text: str = TEXT) -> HelpRequest:
    return actions.submit_request(
        text=text, felt_urgency=felt, contact=CONTACT, files=[], language=language
    ).request


def _waiting_alerts(kind: str = "urgent_waiting") -> list[Notification]:
    return list(Notification.objects.filter(kind=kind))


@pytest.fixture
def on_duty(personas):  # type: ignore[no-untyped-def]
    """A second operator on the roster now; the first is off duty."""
    op2 = make_staff("op2", Role.OPERATOR)
    OnCallShift.objects.create(
        user=op2, starts_at=T0 - dt.timedelta(hours=1), ends_at=T0 + dt.timedelta(hours=12)
    )
    return op2


@pytest.fixture(autouse=True)
def _empty_outbox():  # type: ignore[no-untyped-def]
    OUTBOX.clear()
    yield
    OUTBOX.clear()


# --- the waiting-time rule -----------------------------------------------------------------


@pytest.mark.django_db
def test_an_urgent_request_unanswered_for_ten_minutes_alerts_the_on_duty_operator_once(
    personas, intake_vault, on_duty
) -> None:  # type: ignore[no-untyped-def]
    add_channel(on_duty, "outbox://op2")
    with time_machine.travel(T0, tick=False):
        req = _submit()
    worker.run_once(T0 + dt.timedelta(minutes=9, seconds=59))
    assert _waiting_alerts() == []

    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        result = worker.run_once(T0 + dt.timedelta(minutes=10))
    assert result.waits_alerted == 1
    alerts = _waiting_alerts()
    assert [a.recipient for a in alerts] == [on_duty]  # the off-duty operator is not woken
    assert alerts[0].reference == "10 min"
    assert alerts[0].link == f"/staff/intake/{req.id}/"
    # The message that leaves the server says the urgency, the wait and a link; nothing else.
    # The outbox also holds the submission's own "urgent request" alert, sent on arrival.
    assert len(OUTBOX) == 2
    waiting = [m for m in OUTBOX if req.reference not in m["body"]]
    assert len(waiting) == 1
    sent = waiting[0]["title"] + waiting[0]["body"]
    assert str(Notification.Kind.URGENT_WAITING.label) in sent and "10 min" in sent
    for secret in (TEXT, "Салех", CONTACT, req.reference):
        assert secret not in sent
    assert AuditEvent.objects.filter(action="intake.wait_alert", object_id=req.reference).exists()

    for minutes in (11, 30, 240):
        assert worker.run_once(T0 + dt.timedelta(minutes=minutes)).waits_alerted == 0
    assert len(_waiting_alerts()) == 1


@pytest.mark.django_db
def test_two_workers_that_find_the_same_wait_alert_once(personas, intake_vault, on_duty) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False):
        _submit()
    now = T0 + dt.timedelta(minutes=12)
    first, second = surge.due_wait_alerts(now), surge.due_wait_alerts(now)
    assert len(first) == len(second) == 1
    sent = [
        surge.raise_wait_alert(
            request_id=rid, waiting_since=since, urgency=u, now=now, recipients=[on_duty]
        )
        for rid, since, u in first + second
    ]
    assert sent == [1, 0]
    assert len(_waiting_alerts()) == 1


@pytest.mark.django_db
def test_an_answer_stops_the_alert_and_a_new_message_starts_a_new_wait(
    personas, intake_vault, on_duty
) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False):
        req = _submit()
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        actions.reply(actor=personas.operator, request=req, text="Мы с вами.")
    assert worker.run_once(T0 + dt.timedelta(minutes=30)).waits_alerted == 0
    req.refresh_from_db()
    assert req.waiting_since is None

    # The person writes again: a new wait, its own alert after the threshold.
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        actions.write_again(identity=req.identity, text="Вы здесь?", files=[])
    assert worker.run_once(T0 + dt.timedelta(hours=1, minutes=9)).waits_alerted == 0
    assert worker.run_once(T0 + dt.timedelta(hours=1, minutes=10)).waits_alerted == 1
    assert [a.reference for a in _waiting_alerts()] == ["10 min"]


@pytest.mark.django_db
def test_each_urgency_waits_its_own_threshold_which_coordinators_set(
    personas, intake_vault, on_duty
) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False):
        high, normal = _submit("days"), _submit("later")
    assert high.urgency == "high" and normal.urgency == "normal"
    assert worker.run_once(T0 + dt.timedelta(minutes=29)).waits_alerted == 0
    assert worker.run_once(T0 + dt.timedelta(minutes=30)).waits_alerted == 1
    assert [a.link for a in _waiting_alerts("high_waiting")] == [f"/staff/intake/{high.id}/"]

    surge.save_rules(
        actor=personas.coordinator,
        urgent_minutes=5,
        high_minutes=15,
        normal_minutes=45,
        claim_minutes=20,
    )
    assert worker.run_once(T0 + dt.timedelta(minutes=44)).waits_alerted == 0
    assert worker.run_once(T0 + dt.timedelta(minutes=45)).waits_alerted == 1
    assert [a.reference for a in _waiting_alerts("normal_waiting")] == ["45 min"]


@pytest.mark.django_db
def test_with_nobody_on_duty_every_operator_hears_of_the_wait(personas, intake_vault) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False):
        _submit()
    worker.run_once(T0 + dt.timedelta(minutes=10))
    assert [a.recipient for a in _waiting_alerts()] == [personas.operator]


@pytest.mark.django_db
def test_a_request_moved_into_a_case_no_longer_waits(personas, intake_vault, on_duty) -> None:  # type: ignore[no-untyped-def]
    from haven.testing.personas import keyring_for

    with time_machine.travel(T0, tick=False):
        req = _submit()
    actions.open_case(
        keyring=keyring_for(personas.coordinator), request=req, caseworker=personas.caseworker
    )
    assert worker.run_once(T0 + dt.timedelta(hours=3)).waits_alerted == 0


# --- claims --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_claim_is_seen_by_the_other_operator_who_is_warned_before_replying(
    personas, intake_vault, client_for, on_duty
) -> None:  # type: ignore[no-untyped-def]
    from haven.testing.personas import keyring_for
    from haven.vault.actions import grant_vault

    grant_vault(keyring=keyring_for(personas.coordinator), vault=intake_vault, user=on_duty)
    req = _submit()
    first, second = client_for(personas.operator), client_for(on_duty)
    assert first.post(f"/staff/intake/{req.id}/claim/").status_code == 302
    assert AuditEvent.objects.filter(action="intake.claim", actor_id=personas.operator.pk).exists()

    listing = second.get("/staff/intake/").content.decode()
    assert "занято: op, 0 минут назад" in listing  # staff pages default to Russian
    detail = second.get(f"/staff/intake/{req.id}/").content.decode()
    assert "Занято: op, 0 минут назад" in detail

    refused = second.post(f"/staff/intake/{req.id}/reply/", {"text": "Я отвечу вместо него"})
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "Я отвечу вместо него" in page  # what was typed comes back
    assert "op занял(а) это обращение 0 минут назад" in page
    assert not Message.objects.filter(request=req, direction="out").exists()

    taken = second.post(
        f"/staff/intake/{req.id}/reply/", {"text": "Я отвечу вместо него", "take_over": "on"}
    )
    assert taken.status_code == 302
    takeover = AuditEvent.objects.get(action="intake.claim_take_over")
    assert takeover.actor_id == on_duty.pk and takeover.data == {"from": personas.operator.pk}
    req.refresh_from_db()
    # Answering releases the claim and ends the wait.
    assert req.claimed_by is None and req.waiting_since is None and req.status == "replied"


@pytest.mark.django_db
def test_of_two_simultaneous_claims_one_wins(personas, intake_vault, on_duty, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    req = _submit()
    stale = HelpRequest.objects.get(pk=req.pk)
    assert surge.claim_request(actor=personas.operator, request=req) is True
    # The second operator read the request before the first claim was written: their check
    # sees it free, so only the conditional UPDATE can stop them.
    real = surge.active_claim
    calls = iter([None])
    monkeypatch.setattr(
        surge, "active_claim", lambda r, now, cur=None: next(calls, real(r, now, cur))
    )
    with translation.override("en"), pytest.raises(surge.ClaimedByOther, match="op claimed"):
        surge.claim_request(actor=on_duty, request=stale)
    assert HelpRequest.objects.get(pk=req.pk).claimed_by == personas.operator
    assert AuditEvent.objects.filter(action__startswith="intake.claim").count() == 1


@pytest.mark.django_db
def test_a_claim_lapses_after_the_timeout(personas, intake_vault, on_duty) -> None:  # type: ignore[no-untyped-def]
    req = _submit()
    with time_machine.travel(T0, tick=False):
        surge.claim_request(actor=personas.operator, request=req)
    with time_machine.travel(T0 + dt.timedelta(minutes=19), tick=False):
        with pytest.raises(surge.ClaimedByOther):
            surge.claim_request(actor=on_duty, request=req)
    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        assert surge.claim_request(actor=on_duty, request=req) is True
    assert AuditEvent.objects.filter(action="intake.claim_take_over").count() == 0


@pytest.mark.django_db
def test_the_holder_releases_a_claim(personas, intake_vault, client_for) -> None:  # type: ignore[no-untyped-def]
    req = _submit()
    client = client_for(personas.operator)
    client.post(f"/staff/intake/{req.id}/claim/")
    assert client.post(f"/staff/intake/{req.id}/release/").status_code == 302
    req.refresh_from_db()
    assert req.claimed_by is None
    assert AuditEvent.objects.filter(action="intake.claim_release").exists()


# --- canned replies ------------------------------------------------------------------------

CANNED = {
    "title": "Первый ответ",
    "text_ru": "Спасибо, что написали. Мы прочитали ваше сообщение.",
    "text_en": "Thank you for writing. We have read your message.",
    "position": "1",
}


@pytest.mark.django_db
def test_coordinators_keep_canned_replies_sealed(personas, intake_vault, client_for) -> None:  # type: ignore[no-untyped-def]
    coordinator = client_for(personas.coordinator)
    assert coordinator.post("/staff/intake/canned/new/", CANNED).status_code == 302
    canned = CannedReply.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT title, text_ru, text_en FROM intake_cannedreply")
        raw = b"".join(bytes(v) for v in cursor.fetchone())
    for plain in CANNED["text_ru"], CANNED["text_en"], CANNED["title"]:
        assert plain.encode() not in raw
    listing = coordinator.get("/staff/intake/canned/").content.decode()
    assert CANNED["text_en"] in listing and CANNED["title"] in listing

    changed = {**CANNED, "text_en": "Thank you. An operator answers soon."}
    assert coordinator.post(f"/staff/intake/canned/{canned.id}/", changed).status_code == 302
    assert "An operator answers soon." in coordinator.get("/staff/intake/canned/").content.decode()

    bad = coordinator.post(f"/staff/intake/canned/{canned.id}/", {**CANNED, "text_ru": ""})
    assert bad.status_code == 400 and CANNED["text_en"] in bad.content.decode()

    assert coordinator.post(f"/staff/intake/canned/{canned.id}/delete/").status_code == 302
    assert not CannedReply.objects.exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="intake.canned_reply")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["intake.canned_reply_save", "intake.canned_reply_save", "intake.canned_reply_delete"]


@pytest.mark.django_db
def test_operators_use_canned_replies_but_do_not_edit_them(
    personas, intake_vault, client_for
) -> None:  # type: ignore[no-untyped-def]
    canned = surge.save_canned_reply(
        actor=personas.coordinator,
        vault=intake_vault,
        title="x",
        text_ru="р",
        text_en="e",
    )
    operator = client_for(personas.operator)
    assert operator.get("/staff/intake/canned/").status_code == 403
    assert operator.post(f"/staff/intake/canned/{canned.id}/delete/").status_code == 403
    assert CannedReply.objects.filter(pk=canned.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("ru", "text_ru"), ("en", "text_en")])
def test_a_canned_reply_is_inserted_in_the_persons_language_keeping_what_was_typed(
    personas, intake_vault, client_for, language, expected
) -> None:  # type: ignore[no-untyped-def]
    canned = surge.save_canned_reply(
        actor=personas.coordinator,
        vault=intake_vault,
        title=CANNED["title"],
        text_ru=CANNED["text_ru"],
        text_en=CANNED["text_en"],
    )
    req = _submit(language=language)
    operator = client_for(personas.operator)
    detail = operator.get(f"/staff/intake/{req.id}/").content.decode()
    assert f'name="insert" value="{canned.id}"' in detail and CANNED["title"] in detail

    # One click, no JavaScript: the button posts the form and it comes back filled, unsent.
    page = operator.post(
        f"/staff/intake/{req.id}/reply/", {"text": "Здравствуйте!", "insert": str(canned.id)}
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Здравствуйте!\n\n{CANNED[expected]}" in body
    other = "text_en" if expected == "text_ru" else "text_ru"
    assert CANNED[other] not in body
    assert not Message.objects.filter(request=req, direction="out").exists()

    gone = operator.post(
        f"/staff/intake/{req.id}/reply/",
        {"text": "Здравствуйте!", "insert": "00000000-0000-0000-0000-000000000000"},
    )
    assert gone.status_code == 400 and "Здравствуйте!" in gone.content.decode()


# --- the queue header ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_header_shows_depth_and_oldest_wait_per_urgency_in_one_query(
    personas, intake_vault
) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False):
        _submit("now")
    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        _submit("now")
        answered = _submit("days")
        actions.reply(actor=personas.operator, request=answered, text="ok")
        _submit("later")
    current = surge.rules()
    with CaptureQueriesContext(connection) as queries:
        lines = surge.queue_summary(
            HelpRequest.objects.all(), T0 + dt.timedelta(minutes=30), current
        )
    assert len(queries) == 1
    by = {line.urgency: line for line in lines}
    assert (by["urgent"].waiting, by["urgent"].oldest_since, by["urgent"].overdue) == (2, T0, True)
    assert (by["high"].waiting, by["high"].oldest_since) == (0, None)
    assert by["normal"].waiting == 1 and not by["normal"].overdue


@pytest.mark.django_db
def test_the_triage_page_costs_the_same_queries_for_many_claimed_requests(
    personas, intake_vault, client_for
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.operator)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/staff/intake/").status_code == 200
        return len(queries)

    req = _submit()
    surge.claim_request(actor=personas.operator, request=req)
    few = count()
    for _ in range(6):
        surge.claim_request(actor=personas.coordinator, request=_submit("later"))
    many = count()
    assert many == few
    page = client.get("/staff/intake/").content.decode()
    assert page.count("занято: coord") == 6 and "Ждут ответа" in page


@pytest.mark.django_db
def test_the_alert_kinds_have_words_for_the_channels(personas) -> None:  # type: ignore[no-untyped-def]
    from haven.safety.channels import message_for

    for kind in surge.WAIT_KINDS.values():
        note = Notification(recipient=personas.operator, kind=kind, reference="12 min", link="/x/")
        title, body = message_for(note)
        assert kind not in title + body  # a label, never the internal kind
        assert title == f"Haven: {Notification.Kind(kind).label}"
        assert body.startswith(f"{Notification.Kind(kind).label} — 12 min\n")


# --- duress --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_duress_session_sees_no_canned_reply_and_changes_none(personas, intake_vault) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    from haven.accounts.actions import set_duress_password
    from haven.testing.personas import current_code

    canned = surge.save_canned_reply(
        actor=personas.coordinator,
        vault=intake_vault,
        title=CANNED["title"],
        text_ru=CANNED["text_ru"],
        text_en=CANNED["text_en"],
    )
    req = _submit()
    surge.claim_request(actor=personas.operator, request=req)
    set_duress_password(user=personas.coordinator, duress_password="under pressure 1")
    coerced = Client()
    assert (
        coerced.post(
            "/staff/login/",
            {
                "username": personas.coordinator.username,
                "password": "under pressure 1",
                "otp_token": current_code(personas.coordinator),
            },
        ).status_code
        == 302
    )
    listing = coerced.get("/staff/intake/canned/")
    assert listing.status_code == 200 and CANNED["title"] not in listing.content.decode()
    assert coerced.get(f"/staff/intake/canned/{canned.id}/").status_code == 404
    assert coerced.post(f"/staff/intake/canned/{canned.id}/delete/").status_code == 404
    coerced.post("/staff/intake/canned/new/", CANNED)
    coerced.post(
        "/staff/intake/rules/",
        {
            "urgent_minutes": "999",
            "high_minutes": "999",
            "normal_minutes": "999",
            "claim_minutes": "1",
        },
    )
    triage = coerced.get("/staff/intake/").content.decode()
    assert req.reference not in triage and "занято:" not in triage
    assert list(CannedReply.objects.values_list("pk", flat=True)) == [canned.pk]
    assert surge.rules().urgent_minutes == 10
