"""Demo: requests that came in over SMS (a gateway and a GSM modem), Telegram, Signal, e-mail and Matrix, beside the portal's, one of them
a «Помогите!» from an unknown number (urgent). The demo channels point at no provider and are
switched off (nothing is polled); their first replies wait in the queue and, once the demo's
gateway has tried them, show on the request's triage page as waiting for the next attempt, with
the connection error (failed once the attempts run out)."""

from __future__ import annotations

from typing import Any

from haven.channels.adapters import Inbound
from haven.channels.ingest import create_channel, ingest, register_known_handle
from haven.channels.models import Channel

# The watched person's own number, registered in their case: «Помогите» from it is a panic,
# «погода» (their duress word) a silent one.
WATCHED_PHONE = "+79280000010"

MESSAGES = [
    ("sms", "+79280000001", "Помогите! Меня забрали родственники, телефон проверяют", "ru"),
    ("sms", "+79280000002", "Нужно уехать из Грозного, есть паспорт", "ru"),
    ("telegram", "700000001", "Здравствуйте, друг дал этого бота. Мне угрожают на работе", "ru"),
    ("telegram", "700000002", "Hello, I am in Makhachkala and need a safe place", "en"),
    ("signal", "+79280000003", "Пишу из Сигнала, за квартирой следят", "ru"),
    ("gammu", "+79280000004", "Пишу с кнопочного телефона, интернета нет", "ru"),
    (
        "email",
        "zarema.demo@example.org",
        "Добрый день. Мою сестру увезли в Дагестан, её телефон выключен уже неделю.",
        "ru",
    ),
    (
        "matrix",
        "@amir.demo:example.org",
        "I write from Element. Is there a safe way out of Kazan for me?",
        "en",
    ),
]

# Where each demo channel would reach its provider: nowhere (port 9 on loopback refuses), so
# nothing leaves the machine and the replies show the refusal once the gateway has tried them.
CONFIG: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "sms": ({"base_url": "http://127.0.0.1:9", "login": "demo"}, {"password": "demo"}),
    "telegram": ({"base_url": "http://127.0.0.1:9"}, {"token": "123456:demo"}),
    "signal": ({"base_url": "http://127.0.0.1:9"}, {}),
    # A spool that cannot exist: a demo on a server with a real modem writes nothing to it.
    "gammu": ({"spool": "/nonexistent/haven-demo-gammu"}, {}),
    "email": (
        {
            "address": "help@haven.example",
            "imap_host": "127.0.0.1",
            "imap_port": 9,
            "imap_user": "help",
            "smtp_host": "127.0.0.1",
            "smtp_port": 9,
        },
        {"imap_password": "demo"},
    ),
    "matrix": (
        {"homeserver": "http://127.0.0.1:9", "user_id": "@haven:haven.example"},
        {"access_token": "demo"},
    ),
}


def load(ctx: Any) -> None:
    channels = {}
    for kind, (config, secrets) in CONFIG.items():
        channel = create_channel(kind=kind, name=f"demo-{kind}", config=config, secrets=secrets)
        Channel.objects.filter(pk=channel.pk).update(enabled=False)
        channels[kind] = channel
    for n, (kind, handle, text, language) in enumerate(MESSAGES):
        ingest(
            channels[kind],
            Inbound(
                kind=kind, provider_id=f"demo-{n}", sender=handle, text=text, language=language
            ),
        )
    watched = _register_watched_phone(ctx)
    ctx.note(
        "Channels: requests from SMS (gateway and GSM modem), Telegram, Signal, e-mail and Matrix are in Requests "
        "(triage); each shows "
        "its channel and reply delivery. Channels lists them (coordinator, admin); each "
        "channel's texts and panic words are edited from there (coordinator)."
    )
    if watched:
        ctx.note(
            f"Channels: the watched person of case {watched} has the SMS number {WATCHED_PHONE} "
            "registered (caseworker → the case → Registered handles); «Помогите» from it raises "
            "the panic, «погода» the silent duress alarm."
        )


def _register_watched_phone(ctx: Any) -> str:
    """The first watched case the caseworker holds gets the person's SMS number."""
    from haven.cases.public import Case
    from haven.safety.public import Watch

    if not hasattr(ctx, "keyring"):
        return ""
    ring = ctx.keyring("caseworker")
    watched = Watch.objects.values_list("case_id", flat=True)
    case = ring.visible(Case.objects.filter(pk__in=watched)).order_by("created_at").first()
    if case is None:
        return ""
    register_known_handle(
        keyring=ring,
        case=case,
        kind="sms",
        handle=WATCHED_PHONE,
        panic_words=["ромашка"],
        duress_words=["погода"],
    )
    return str(case.reference)
