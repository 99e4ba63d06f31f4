"""Demo requests in the triage inbox, one with a reply a newcomer can read on the portal."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from haven.core.demo import DemoContext
from haven.intake import actions, surge
from haven.intake.models import HelpRequest
from haven.vault.actions import grant_vault
from haven.vault.models import Vault

REQUESTS = [
    (
        "ru",
        "now",
        "Меня ищут родственники после того, как узнали про мои переписки. Брат сказал, что меня «заберут» в эти выходные. Я сейчас у подруги в Грозном, но долго здесь оставаться нельзя.",
        "Telegram, только после 22:00",
    ),
    (
        "ru",
        "days",
        "Моего друга Мовсара задержали в Аргуне три дня назад, телефон выключен. Его мать боится обращаться в полицию. Что можно сделать?",
        "",
    ),
    (
        "en",
        "days",
        "I left Chechnya last month and I am in Moscow now, but my passport is with my family. I need help to get documents and to leave Russia.",
        "Signal, ask for Adam",
    ),
    (
        "en",
        "later",
        "I am a student in Makhachkala. Someone from my group was outed and now people ask about me. I want to know what options exist before it gets worse.",
        "",
    ),
]


CANNED_REPLIES = [
    (
        "Первый ответ / First answer",
        "Здравствуйте. Мы получили ваше сообщение и прочитали его. Вы не одни: оператор ответит вам здесь. Не пишите в этой переписке имена и адреса других людей.",
        "Hello. We have received your message and read it. You are not alone: an operator will answer you here. Please do not write other people's names or addresses in this conversation.",
    ),
    (
        "Безопасность телефона / Phone safety",
        "Если телефон могут проверить родственники или полиция, удаляйте историю браузера после каждого входа и не сохраняйте кодовое имя в телефоне. Выучите его наизусть.",
        "If relatives or the police may check your phone, clear the browser history after every visit and never save your codename on the phone. Learn it by heart.",
    ),
    (
        "Нужно больше сведений / Need more details",
        "Чтобы понять, как помочь, напишите, пожалуйста: в каком вы сейчас городе (без адреса), есть ли у вас документы и безопасно ли вам там, где вы находитесь сегодня ночью.",
        "To understand how we can help, please tell us: which city you are in now (no address), whether you have your documents, and whether you are safe where you are tonight.",
    ),
]

# Requests arriving during a surge: (language, felt urgency, text, minutes waiting, claimed by
# the coordinator that many minutes ago or None).
SURGE = [
    (
        "ru",
        "now",
        "Пишу с чужого телефона. Дядя забрал мой паспорт и говорит, что завтра отвезёт меня домой. Мне нужно уехать сегодня.",
        25,
        None,
    ),
    (
        "ru",
        "days",
        "Меня вызвали «на беседу» в отдел в понедельник. Что мне делать и нужно ли идти?",
        40,
        6,
    ),
    (
        "en",
        "later",
        "My friend was outed at work in Nalchik and lost his job. He is afraid to write himself. How can he get advice?",
        95,
        None,
    ),
]


def _surge(ctx: DemoContext, vault: Vault) -> None:
    """Canned replies, and a few requests that have waited (the worker `haven demo` starts
    raises the urgent one's waiting-time alert at once) and one a coordinator has claimed."""
    coordinator = ctx.users["coordinator"]
    for position, (title, ru, en) in enumerate(CANNED_REPLIES):
        surge.save_canned_reply(
            actor=coordinator, vault=vault, title=title, text_ru=ru, text_en=en, position=position
        )
    now = timezone.now()
    for lang, felt, text, waited, claimed in SURGE:
        made = actions.submit_request(
            text=text, felt_urgency=felt, contact="", files=[], language=lang
        ).request
        since = now - dt.timedelta(minutes=waited)
        HelpRequest.objects.filter(pk=made.pk).update(
            created_at=since, last_message_at=since, waiting_since=since
        )
        if claimed is not None:
            HelpRequest.objects.filter(pk=made.pk).update(
                claimed_by=coordinator, claimed_at=now - dt.timedelta(minutes=claimed)
            )


def load(ctx: DemoContext) -> None:
    coordinator, operator = ctx.users["coordinator"], ctx.users["operator"]
    coord_ring = ctx.keyring("coordinator")
    vault = actions.set_up_intake_vault(actor=coordinator, keyring=coord_ring)
    grant_vault(keyring=coord_ring, vault=vault, user=operator)
    ctx.vaults["intake"] = vault
    submissions = [
        actions.submit_request(
            text=text, felt_urgency=felt, contact=contact, files=[], language=lang
        )
        for lang, felt, text, contact in REQUESTS
    ]
    answered = submissions[2]
    actions.reply(
        actor=operator,
        request=HelpRequest.objects.get(pk=answered.request.pk),
        text="Thank you for writing. We can help with documents. A caseworker will contact you on Signal within two days; please keep your phone charged and check this page again.",
    )
    ctx.note(
        f'Public portal (the site root, /): "I already have a codename" → «{answered.codename}» shows a reply.'
    )
    ctx.note("Triage inbox: sign in as `operator` → Requests (one urgent request is unread).")
    _surge(ctx, vault)
    ctx.note(
        "Surge: `operator` → Requests shows the queue per urgency (an urgent request has waited 25 minutes and raised an alert), a request claimed by `coordinator` and canned replies under each reply form; `coordinator` edits them at /staff/intake/canned/ and the waiting times at /staff/intake/rules/."
    )
