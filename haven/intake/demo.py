"""Demo requests in the triage inbox, one with a reply a newcomer can read on the portal."""

from __future__ import annotations

from haven.core.demo import DemoContext
from haven.intake import actions
from haven.intake.models import HelpRequest
from haven.vault.actions import grant_vault

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
