"""Demo: requests that came in over SMS, Telegram and Signal, beside the portal's, one of them
a «Помогите!» from an unknown number (urgent). The demo channels point at no provider and are
switched off (nothing is polled); their first replies wait in the queue and, once the demo's
gateway has tried them, show as failed on the request's triage page."""

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
]


def load(ctx: Any) -> None:
    channels = {}
    for kind in ("sms", "telegram", "signal"):
        channel = create_channel(
            kind=kind,
            name=f"demo-{kind}",
            config={"base_url": "http://127.0.0.1:9"},
            secrets={"token": "123456:demo"} if kind == "telegram" else {},
        )
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
        "Channels: requests from SMS, Telegram and Signal are in Requests (triage); each shows "
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
