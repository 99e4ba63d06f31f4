"""Journey 1, Evacuation (seed: Magomed), in real Chromium, Russian UI, JavaScript off.

A man writes to the hotline from the public portal; an operator triages, replies and opens a
case; a caseworker records him (full date of birth) and the partner travelling with him; the
checklist is filled and a coordinator approves vetting; he is placed in a safe house and put on a
check-in schedule; a visa appointment and the relocation documents follow; he departs and is
resettled. He reads every reply on the portal with his codename, in Russian. Each person signs
in the real way (password and code, or codename) on their own device (browser context).

Runs on SQLite and on PostgreSQL (`./scripts/test` runs the suite on both; this file alone:
`uv run python -m haven.testing.pgcluster -- uv run pytest -q <this file>`)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from haven.cases.models import Case, Person, Vetting
from haven.intake import actions as intake_actions
from haven.safety.models import Placement, Watch
from haven.testing.browser import chromium_page, only_local
from haven.testing.journey import (
    form,
    messages_and_errors,
    portal_sign_in,
    second_device,
    staff_sign_in,
    visible_text,
)
from haven.testing.personas import keyring_for
from haven.vault import blind_index
from haven.vault.actions import grant_vault

REQUEST_TEXT = "Меня ищут после задержания в Грозном. Нужно уехать, со мной мой партнёр."
REPLIES = [
    "Мы получили ваше сообщение. С вами свяжется куратор.",
    "Для вас есть безопасное место. Отмечайтесь по графику.",
    "Виза готова. Счастливого пути, мы на связи.",
]
# Latin words a Russian staff page may show: the product name and staff usernames. Anything
# else Latin on a Russian page is an untranslated or raw value.
LATIN_ALLOWED = {"Haven", "English", "op", "cw", "coord", "lawyer", "doc", "outsider"}


def _set_up_the_network(personas) -> None:  # type: ignore[no-untyped-def]
    """What exists before the journey: the intake vault (held by the coordinator, granted to
    the operator) and the name-search key for the staff who add people."""
    ring = keyring_for(personas.coordinator)
    vault = intake_actions.set_up_intake_vault(actor=personas.coordinator, keyring=ring)
    grant_vault(keyring=ring, vault=vault, user=personas.operator)
    blind_index.set_up_index_vault(
        actor=personas.coordinator,
        keyring=ring,
        members=[personas.operator, personas.caseworker],
    )


def _reply(operator, base_url: str, request_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    operator.goto(f"{base_url}/staff/intake/{request_id}/")
    reply = form(operator, "/reply/")
    reply.locator("textarea").fill(text)
    reply.locator("button").click()
    assert (
        "Ответ отправлен. Человек прочитает его по своему кодовому имени."
        in messages_and_errors(operator)
    )


def _person_reads(person, base_url: str, codename: str, replies: list[str]) -> None:  # type: ignore[no-untyped-def]
    portal_sign_in(person, base_url, codename)
    assert person.locator("html").get_attribute("lang") == "ru"
    assert "Ваши сообщения" in person.content()
    answers = person.locator("ol.conversation li.msg-out").all_inner_texts()
    assert len(answers) == len(replies)
    for answer, reply in zip(answers, replies, strict=True):
        assert "Наш ответ" in answer and reply in answer
    assert REQUEST_TEXT in person.inner_text("ol.conversation")
    person.click("form[action*='/leave/'] button")
    assert person.context.cookies() == []


def _move(caseworker, to_state: str, label: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    move = form(caseworker, "/transition/")
    offered = move.locator("select[name=to_state] option").all_inner_texts()
    assert label in offered, offered
    move.locator("select[name=to_state]").select_option(to_state)
    move.locator("textarea[name=reason]").fill(reason)
    move.locator("button").click()
    assert "Этап изменён." in messages_and_errors(caseworker), messages_and_errors(caseworker)
    assert caseworker.inner_text("h1 .tag >> nth=0") == label


def _raw_values_on(page) -> list[str]:  # type: ignore[no-untyped-def]
    # References (HV-…, RQ-…) are random letters and digits, not words.
    text = re.sub(r"\b(HV|RQ)-[A-Z0-9]+\b", " ", visible_text(page.content()))
    found = re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    found += [w for w in re.findall(r"\b[A-Za-z][A-Za-z_]+\b", text) if w not in LATIN_ALLOWED]
    return found


@pytest.mark.browser
@pytest.mark.journey
@pytest.mark.django_db(transaction=True)
def test_journey_1_evacuation_from_the_first_message_to_resettlement(live_server, personas) -> None:  # type: ignore[no-untyped-def]
    _set_up_the_network(personas)
    base = live_server.url
    today = timezone.localdate()

    with chromium_page(javascript=False, locale="ru-RU") as (person, requested):
        operator = second_device(person, requested)
        caseworker = second_device(person, requested)
        coordinator = second_device(person, requested)

        # 1. Magomed asks for help on the portal, JavaScript off, and is given his codename.
        person.goto(f"{base}/")
        assert "Вы можете попросить нас о помощи" in person.content()
        person.click("main a.button.primary")
        person.fill("textarea[name=text]", REQUEST_TEXT)
        person.check("input[name=felt_urgency][value=days]")
        person.click("main button.primary")
        assert "Мы получили ваше сообщение" in person.content()
        codename = person.inner_text("p.codename").strip()
        assert len(codename.split()) >= 7
        assert re.fullmatch(r"[а-яё ]+", codename), codename  # a Russian word list
        assert person.context.cookies() == []

        # 2. The operator triages: the request is in the inbox, opens, and gets a reply.
        staff_sign_in(operator, base, personas.operator)
        operator.goto(f"{base}/staff/intake/")
        rows = operator.locator("table:not(.queue) tbody tr")  # the queue header is a table too
        assert rows.count() == 1
        row = rows.first.inner_text()
        assert "Высокая" in row and "Новое" in row, row
        rows.first.locator("a").click()
        assert REQUEST_TEXT in operator.inner_text("ol.conversation")
        request_id = operator.url.rstrip("/").rsplit("/", 1)[1]
        _reply(operator, base, request_id, REPLIES[0])

        # 3. Magomed comes back with his codename and reads the first reply, in Russian.
        _person_reads(person, base, codename.upper(), REPLIES[:1])

        # 4. The operator opens a case for the caseworker.
        operator.goto(f"{base}/staff/intake/{request_id}/")
        opening = form(operator, "/open-case/")
        opening.locator("select[name=caseworker]").select_option(label=personas.caseworker.username)
        opening.locator("button").click()
        opened = re.search(r"Дело (HV-[A-Z0-9]+) открыто\.", messages_and_errors(operator))
        assert opened is not None, messages_and_errors(operator)
        reference = opened.group(1)
        case = Case.objects.get(reference=reference)
        assert f"Дело {reference}" in visible_text(operator.content())

        # 5. The caseworker finds the case with the hotline conversation in it.
        staff_sign_in(caseworker, base, personas.caseworker)
        caseworker.goto(f"{base}/staff/cases/")
        caseworker.click(f"text={reference}")
        case_url = caseworker.url
        assert f"/staff/cases/{case.id}/" in case_url
        timeline = caseworker.inner_text("ul.timeline")
        assert "С горячей линии" in timeline and REQUEST_TEXT in timeline
        assert caseworker.inner_text("h1 .tag >> nth=0") == "Обращения"

        # 6. ... adds Magomed with his full date of birth, and his partner travelling with him.
        for given, family, born, shown in (
            ("Магомед", "Исмаилов", "1990-05-05", "5 мая 1990 г."),
            ("Зелимхан", "Исаев", "1993-11-30", "30 ноября 1993 г."),
        ):
            caseworker.click("text=Добавить человека, который едет вместе")
            caseworker.fill("input[name=given_name]", given)
            caseworker.fill("input[name=family_name]", family)
            caseworker.fill("input[name=birth_date]", born)
            caseworker.click("main button.primary")
            assert "Сохранено." in messages_and_errors(caseworker), messages_and_errors(caseworker)
            people = caseworker.inner_text("section.panel >> nth=0")
            assert f"{given}  {family}" in people or f"{given} {family}" in people, people
            assert shown in people, people
        assert Person.objects.filter(case=case).count() == 2

        # 7. ... gives the coordinator access, moves the case to vetting and fills the checklist.
        assign = form(caseworker, "/assign/")
        assign.locator("select[name=user]").select_option(label=personas.coordinator.username)
        assign.locator("button").click()
        assert "Назначено" in messages_and_errors(caseworker)
        _move(caseworker, "vetting", "Проверка", "Интервью проведено по защищённой связи.")
        checklist = form(caseworker, "/vetting/")
        for box in ("identity_corroborated", "vouched_for", "interview_done"):
            checklist.locator(f"input[name={box}]").check()
        checklist.locator("button").click()
        assert "Чек-лист проверки сохранён." in messages_and_errors(caseworker), (
            messages_and_errors(caseworker)
        )
        # Nothing past vetting is offered as if it were possible without the coordinator.
        refused = form(caseworker, "/transition/")
        refused.locator("select[name=to_state]").select_option("planning")
        refused.locator("textarea[name=reason]").fill("Рано.")
        refused.locator("button").click()
        assert "проверку должен одобрить координатор" in messages_and_errors(caseworker), (
            messages_and_errors(caseworker)
        )

        # 8. The coordinator adds a safe house; placing the unvetted case there is refused on
        #    the page, with the case still chosen.
        staff_sign_in(coordinator, base, personas.coordinator)
        coordinator.goto(f"{base}/staff/safe-houses/")
        house_form = form(coordinator, "/safe-houses/new/")
        house_form.locator("input[name=code]").fill("Берёза")
        house_form.locator("input[name=capacity]").fill("3")
        house_form.locator("textarea[name=address]").fill("ул. Вымышленная, 7, кв. 12")
        house_form.locator("button").click()
        assert "Берёза" in coordinator.inner_text("h1")
        house_url = coordinator.url
        place = form(coordinator, "/place/")
        place.locator("select[name=case]").select_option(label=reference)
        place.locator("button").click()
        assert "проверку должен одобрить координатор" in messages_and_errors(coordinator), (
            messages_and_errors(coordinator)
        )
        assert "Размещено." not in coordinator.content()
        chosen = form(coordinator, "/place/").locator("select[name=case] option:checked")
        assert chosen.inner_text() == reference
        assert not Placement.objects.exists()

        # 9. ... approves vetting on the case page, then places the case.
        coordinator.goto(case_url)
        decide = form(coordinator, "/vetting/decide/")
        decide.locator("select[name=decision]").select_option("approved")
        decide.locator("button").click()
        assert "Решение по проверке принято." in messages_and_errors(coordinator)
        assert "Решение: Одобрено (coord)" in visible_text(coordinator.content())
        assert Vetting.objects.get(case=case).decision == Vetting.Decision.APPROVED
        coordinator.goto(house_url)
        place = form(coordinator, "/place/")
        place.locator("select[name=case]").select_option(label=reference)
        place.locator("button").click()
        assert "Размещено." in messages_and_errors(coordinator), messages_and_errors(coordinator)
        residents = coordinator.locator("main h2 + ul, main h2 + p + ul").first.inner_text()
        assert reference in residents, residents
        assert Placement.objects.get().case == case

        # 10. The caseworker moves the case on: planning, then sheltered.
        caseworker.goto(case_url)
        _move(caseworker, "planning", "Планирование", "Проверка пройдена, планируем выезд.")
        _move(caseworker, "sheltered", "В убежище", "Заселён в убежище «Берёза».")

        # 11. ... and puts him on a check-in schedule (every 12 hours, PIN and duress PIN).
        caseworker.click("text=Расписание отметок")
        caseworker.fill("input[name=interval_minutes]", "720")
        caseworker.fill("input[name=grace_minutes]", "60")
        caseworker.fill("input[name=pin]", "2468")
        caseworker.fill("input[name=duress_pin]", "1357")
        caseworker.click("main button.primary")
        assert "Расписание отметок сохранено." in messages_and_errors(caseworker), (
            messages_and_errors(caseworker)
        )
        assert reference in caseworker.inner_text("main table >> nth=1")
        watch = Watch.objects.get(case=case)
        assert watch.interval_minutes == 12 * 60

        # 12. The operator tells him, and he reads both replies.
        _reply(operator, base, request_id, REPLIES[1])
        _person_reads(person, base, codename, REPLIES[:2])

        # 13. The visa appointment, the destination and the relocation documents.
        caseworker.goto(case_url)
        appointment = today + datetime.timedelta(days=14)
        task = form(caseworker, "/tasks/")
        task.locator("select[name=kind]").select_option("visa_appointment")
        task.locator("input[name=title]").fill("Посольство Германии, окно 3")
        task.locator("input[name=due_date]").fill(appointment.isoformat())
        task.locator("button").click()
        assert "Задача добавлена." in messages_and_errors(caseworker)
        tasks = caseworker.inner_text("section.panel:has(h2:text('Задачи')) ul")
        assert "Запись на визу: Посольство Германии, окно 3" in tasks, tasks
        assert appointment.strftime("%d.%m.%Y") in tasks, tasks

        relocation = form(caseworker, "/relocation/")
        relocation.locator("select[name=destination_country]").select_option("DE")
        relocation.locator("select[name=pathway]").select_option("humanitarian_visa")
        relocation.locator("button").click()
        assert "Данные о переезде сохранены." in messages_and_errors(caseworker)
        assert "Куда: Германия · Гуманитарная виза" in visible_text(caseworker.content())

        document = form(caseworker, "/documents/")
        document.locator("input[name=kind]").fill("Гуманитарная виза (Германия)")
        document.locator("select[name=status]").select_option("submitted")
        document.locator("input[name=deadline]").fill(appointment.isoformat())
        document.locator("button").click()
        assert "Документ добавлен." in messages_and_errors(caseworker)
        update = form(caseworker, "/documents/update/")
        update.locator("select[name=status]").select_option("granted")
        update.locator("button").click()
        assert "Документ обновлён." in messages_and_errors(caseworker)
        documents = caseworker.inner_text("section.panel:has(h2:text('Переезд'))")
        assert "Гуманитарная виза (Германия) · Выдан" in documents, documents
        _move(caseworker, "documents", "Документы", "Виза выдана.")

        # 14. Departed (the outcome first: the statistics count departures by it), resettled.
        relocation = form(caseworker, "/relocation/")
        relocation.locator("select[name=outcome]").select_option("abroad")
        relocation.locator("select[name=outcome_country]").select_option("DE")
        relocation.locator("button").click()
        assert "Данные о переезде сохранены." in messages_and_errors(caseworker)
        _move(caseworker, "departed", "Выехал(а)", "Вылетел в Берлин.")
        _move(caseworker, "resettled", "Обустроен(а)", "Получил жильё и статус.")
        offered = form(caseworker, "/transition/").locator("option").all_inner_texts()
        assert offered == ["Закрыто"], offered
        timeline = caseworker.inner_text("ul.timeline")
        for step in ("Обращения → Проверка", "Документы → Выехал(а)", "Выехал(а) → Обустроен(а)"):
            assert step in timeline, timeline
        raw = _raw_values_on(caseworker)
        assert raw == [], raw

        # 15. The last reply; Magomed reads all three, still in Russian, with his codename.
        _reply(operator, base, request_id, REPLIES[2])
        _person_reads(person, base, codename, REPLIES)

        case.refresh_from_db()
        assert (case.state, case.destination_country, case.outcome) == (
            "resettled",
            "DE",
            "abroad",
        )
        assert only_local(requested) == []
