"""Journey 2, the raid: a safe house in Nizhny Novgorod (2021) is found by the police. One
resident misses a check-in, another presses panic on the portal; the alarm reaches the on-call
lawyer, who acknowledges it; a coordinator marks the house compromised; each resident's case gets
its move task; two days later, with no news from one of them, a missing-persons report is opened
from the case. Real Chromium, Russian UI, everyone signing in with password and one-time code.

The seed is synthetic (names, addresses and codes invented); it follows the published account of
the 2021 raid only in its shape: several young men hiding in one flat, police at the door."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from haven.alerts.models import Notification
from haven.cases import actions as case_actions
from haven.cases.models import Case, Task
from haven.intake import actions as intake_actions
from haven.missing import actions as missing_actions
from haven.missing.models import CaseLink, MissingPersonReport
from haven.safety import actions as safety_actions
from haven.safety.channels import OUTBOX, seal_url
from haven.safety.models import Channel, SafeHouse, SafetyIncident
from haven.testing.browser import chromium_page, only_local
from haven.testing.journey import (
    flash_text,
    portal_sign_in,
    run_worker_step,
    staff_sign_in,
    staff_sign_out,
)
from haven.testing.personas import keyring_for
from haven.vault.actions import grant_vault

MSK = ZoneInfo("Europe/Moscow")
START = dt.datetime(2026, 12, 2, 9, 0, tzinfo=MSK)  # the morning before the raid
SECRETS = ("Соколов", "Воронов", "Артём", "Илья", "Ока", "Рождественская", "Тамара")


def _seed_the_house(personas) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Two residents placed (after vetting) in the house «Ока», each with a check-in schedule;
    Илья came through the hotline and has a codename; the lawyer is on call and receives alerts
    through an outbox channel; the registry exists and the caseworker holds it."""
    coordinator, caseworker = personas.coordinator, personas.caseworker
    coord_ring, cw_ring = keyring_for(coordinator), keyring_for(caseworker)
    intake = intake_actions.set_up_intake_vault(actor=coordinator, keyring=coord_ring)
    grant_vault(keyring=coord_ring, vault=intake, user=personas.operator)
    missing_actions.set_up_registry(keyring=coord_ring, members=[caseworker])
    house = safety_actions.create_house(
        keyring=coord_ring,
        code="Ока",
        capacity=4,
        address="Нижний Новгород, ул. Рождественская, д. 0 (вымышленный адрес)",
        access_instructions="Домофон 00, спросить Тамару",
        host_contact="+7 900 000-00-01",
    )
    artyom = case_actions.create_case(keyring=cw_ring, risk="high")
    case_actions.save_person(
        keyring=cw_ring,
        case=artyom,
        values={"given_name": "Артём", "family_name": "Соколов", "birth": {"year": 1999}},
    )
    submission = intake_actions.submit_request(
        text="Меня ищут родственники, я в Нижнем, нужна помощь.",
        felt_urgency="days",
        contact="",
        files=[],
        language="ru",
    )
    ilya = intake_actions.open_case(
        keyring=keyring_for(personas.operator), request=submission.request, caseworker=caseworker
    )
    case_actions.save_person(
        keyring=cw_ring, case=ilya, values={"given_name": "Илья", "family_name": "Воронов"}
    )
    for case, hours in ((artyom, 12), (ilya, 24)):
        case_actions.decide_vetting(actor=coordinator, case=case, decision="approved")
        safety_actions.place(actor=coordinator, house=house, case=case)
        safety_actions.save_watch(
            actor=caseworker,
            case=case,
            interval_minutes=hours * 60,
            fixed_times=[],
            time_zone="Europe/Moscow",
            grace_minutes=30,
            pin="2468",
            duress_pin="1357",
        )
    safety_actions.add_shift(
        actor=coordinator,
        user=personas.lawyer,
        starts_at=START - dt.timedelta(hours=1),
        ends_at=START + dt.timedelta(days=7),
        time_zone="Europe/Moscow",
    )
    channel = Channel(user=personas.lawyer, label="Signal (учения)", priority=1)
    channel.encrypted_url = seal_url(channel.id, "outbox://lawyer")
    channel.save()
    return {"house": house, "artyom": artyom, "ilya": ilya, "codename": submission.codename}


def _lawyer_outbox() -> list[str]:
    return [m["title"] + "\n" + m["body"] for m in OUTBOX if m["to"].startswith("outbox://lawyer")]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_raid_from_a_missed_check_in_and_a_panic_to_a_missing_persons_report(
    live_server, personas
) -> None:
    OUTBOX.clear()
    base = live_server.url
    # The live server answers from its own thread; time_machine patches the clock for the whole
    # process, so the pages, the worker step and the test all see the same simulated time.
    with (
        time_machine.travel(START, tick=True) as clock,
        chromium_page() as (page, requested),
    ):
        seed = _seed_the_house(personas)
        artyom, ilya = seed["artyom"], seed["ilya"]
        assert isinstance(artyom, Case) and isinstance(ilya, Case)

        # 21:35 — Артём's check-in was due at 21:00 (+30 min grace). The worker notices.
        clock.move_to(START + dt.timedelta(hours=12, minutes=35))
        assert run_worker_step().watches_down == 1
        missed = SafetyIncident.objects.get(kind=SafetyIncident.Kind.MISSED)
        assert missed.case_id == artyom.id
        assert set(
            Notification.objects.filter(kind="missed_checkin").values_list(
                "recipient__username", flat=True
            )
        ) == {"cw"}  # step 1: his caseworker only

        # 21:40 — police at the door. Илья signs in on the portal and presses panic.
        clock.move_to(START + dt.timedelta(hours=12, minutes=40))
        portal_sign_in(page, base, str(seed["codename"]))
        assert "Ваши сообщения" in page.content()
        page.click("a.button:has-text('Отметиться')")
        assert "/checkin/" in page.url
        page.click("a.panic")  # panic asks once more (a page: no JavaScript needed)
        assert "Вам сейчас угрожает опасность?" in page.content()
        assert not SafetyIncident.objects.filter(kind=SafetyIncident.Kind.PANIC).exists()
        page.click("button.panic")
        assert "Мы получили тревогу" in page.content()
        panic = SafetyIncident.objects.get(kind=SafetyIncident.Kind.PANIC)
        assert panic.case_id == ilya.id  # committed before the page said so
        page.context.clear_cookies()

        # 21:51 — nobody has acknowledged the missed check-in: step 2, the on-call lawyer.
        clock.move_to(START + dt.timedelta(hours=12, minutes=51))
        run_worker_step()
        clock.shift(dt.timedelta(seconds=2))
        run_worker_step()  # the next step sends what the previous one queued
        lawyer_alerts = Notification.objects.filter(recipient=personas.lawyer)
        assert set(lawyer_alerts.values_list("kind", flat=True)) == {"panic", "missed_checkin"}
        outbox = _lawyer_outbox()
        assert len(outbox) >= 2
        for message in outbox:
            assert re.search(
                r"HV-[A-Z0-9]{8}\nhttp://[^ ]+/staff/watch/incidents/[0-9a-f-]{36}/$", message
            )
            assert not [s for s in SECRETS if s in message], message
        assert any(ilya.reference in m and str(panic.id) in m for m in outbox)

        # The lawyer signs in, sees both alarms, opens the panic and acknowledges it.
        staff_sign_in(page, base, personas.lawyer)
        page.click("header.topbar a[href='/staff/notifications/']")
        alerts = page.inner_text("main")
        assert "Тревога" in alerts and "Пропущенная отметка" in alerts
        assert ilya.reference in alerts and artyom.reference in alerts
        assert not [s for s in SECRETS if s in alerts]
        page.click(f"tr:has-text('{ilya.reference}'):has-text('Тревога') >> text=Открыть")
        assert f"/staff/watch/incidents/{panic.id}/" in page.url
        page.click("text=Беру на себя (подтвердить)")
        assert "Подтверждено: оповещения остановлены" in flash_text(page)
        assert "lawyer" in page.inner_text("main")  # acknowledged by, shown on the alarm
        panic.refresh_from_db()
        assert panic.acknowledged_by == personas.lawyer
        page.goto(f"{base}/staff/watch/incidents/{missed.id}/")
        page.click("text=Беру на себя (подтвердить)")
        missed.refresh_from_db()
        assert missed.acknowledged_by == personas.lawyer
        staff_sign_out(page)

        # 22:05 — the coordinator marks the house compromised.
        clock.move_to(START + dt.timedelta(hours=13, minutes=5))
        staff_sign_in(page, base, personas.coordinator)
        page.click("nav >> text=Убежища")
        page.click("text=Ока")
        house_page = page.inner_text("main")
        assert artyom.reference in house_page and ilya.reference in house_page
        page.click("button.danger:has-text('Убежище раскрыто')")
        assert "2" in flash_text(page)
        house_page = page.inner_text("main")
        assert "Раскрыто" in house_page
        assert SafeHouse.objects.get().status == SafeHouse.Status.COMPROMISED
        staff_sign_out(page)

        # The caseworker finds the move task on each resident's case page.
        staff_sign_in(page, base, personas.caseworker)
        for case in (artyom, ilya):
            page.goto(f"{base}/staff/cases/{case.id}/")
            tasks = page.inner_text("section:has(h2:has-text('Задачи'))")
            assert "Переселить из раскрытого убежища" in tasks, tasks
            assert "Ока" not in tasks
        assert Task.objects.filter(kind=Task.Kind.RELOCATE).count() == 2
        # Илья is moved (a check-in by phone from the new place); Артём is silent.
        page.goto(f"{base}/staff/watch/")
        ilya_watch = ilya.watches.get()  # type: ignore[attr-defined]
        page.click(f"form[action='/staff/watch/{ilya_watch.id}/checkin/'] button")
        assert "Отметка записана" in flash_text(page)
        page.goto(f"{base}/staff/cases/{artyom.id}/")
        assert "Нет вестей больше 48 часов" not in page.content()  # not yet
        staff_sign_out(page)

        # Two days later, still nothing from Артём.
        clock.move_to(START + dt.timedelta(hours=60, minutes=10))
        staff_sign_in(page, base, personas.caseworker)
        page.goto(f"{base}/staff/cases/{artyom.id}/")
        notice = page.inner_text("section[role=alert]")
        assert "Нет вестей больше 48 часов" in notice
        page.click("text=Открыть заявление о пропаже")
        assert f"case={artyom.id}" in page.url
        assert page.input_value("input[name=given_name]") == "Артём"
        assert page.input_value("input[name=family_name]") == "Соколов"
        assert page.input_value("input[name=last_seen_date]") == "2026-12-02"
        page.fill("input[name=last_seen_place]", "Нижний Новгород, убежище")
        page.fill(
            "textarea[name=circumstances]",
            "Не отметился вечером в день обыска; с тех пор не выходит на связь.",
        )
        page.click("button.primary:has-text('Сохранить')")
        report = MissingPersonReport.objects.get()
        assert f"/staff/missing/{report.id}/" in page.url
        assert f"Сообщение {report.reference} сохранено." in flash_text(page)
        assert artyom.reference in page.inner_text("main")  # the link to the case, on the report
        link = CaseLink.objects.get()
        assert (link.report, link.case) == (report, artyom)
        page.goto(f"{base}/staff/cases/{artyom.id}/")
        registry = page.inner_text("section:has(h2:has-text('Реестр пропавших'))")
        assert report.reference in registry
        staff_sign_out(page)
        assert only_local(requested) == []
