"""The shipped texts of each channel: the first reply (with the codename) and the channel's risk
in plain words, in the person's language, and the default panic words. A channel's own texts
(`Channel.texts`, `Channel.panic_words`) replace them per language."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from haven.channels.models import Channel

LANGUAGES = ("ru", "en")

# Every shipped language's words are checked in every message: a Russian speaker may write
# "help" and an English one «помогите».
DEFAULT_PANIC_WORDS = {
    "ru": ["помогите", "помоги", "спасите", "sos"],
    "en": ["help", "sos", "save me"],
}


def _risk(kind: str) -> str:
    if kind == "telegram":
        return _(
            "Telegram bot chats are not end-to-end encrypted: Telegram can read this chat. "
            "Delete the chat after reading. Your Telegram account is visible to us."
        )
    if kind == "signal":
        return _(
            "Signal is end-to-end encrypted, but your phone number is visible to us. "
            "Turn on disappearing messages and delete the chat if your phone may be checked."
        )
    if kind in ("sms", "gammu"):
        return _(
            "SMS is not encrypted: the phone company can read it, and your number is visible "
            "to us. Delete these messages from your phone."
        )
    if kind == "email":
        return _(
            "E-mail is not encrypted unless you use OpenPGP: your provider can read it, and "
            "your address is visible to us. Delete these messages."
        )
    if kind == "matrix":
        return _(
            "If this room shows as encrypted, only you and we can read it; if not, your Matrix "
            "server and ours can. Both servers see that you write to us, and when. Your Matrix "
            "id is visible to us. Leave the room and delete it if your device may be checked."
        )
    return _("This channel may be read by its provider. Delete the messages after reading.")


def _first_reply() -> str:
    return _(
        "We received your message. Your codename is: %(codename)s. Keep it secret. With it "
        "you can also write to us through our website, which is safer."
    )


def language_for(channel: Channel, hint: str) -> str:
    hint = (hint or "").split("-")[0].lower()
    return hint if hint in LANGUAGES else "ru"


def first_reply(channel: Channel, *, language: str, codename: str) -> str:
    own = (channel.texts or {}).get(language) or {}
    with translation.override(language):
        template = own.get("first_reply") or _first_reply()
        risk = own.get("risk") or _risk(channel.kind)
    if "%(codename)s" in template:
        text = template.replace("%(codename)s", codename)
    else:
        text = f"{template}\n{codename}"
    return f"{text}\n\n{risk}"


def words(text: str) -> str:
    """The text as the panic-word matcher sees it: case folded, accents and punctuation gone,
    ё as е, spaces collapsed."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("ё", "е"))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", folded))


def contains_word(text: str, candidates: list[str]) -> bool:
    """Whether any candidate word or phrase occurs in the text as whole words."""
    haystack = f" {words(text)} "
    return any(f" {w} " in haystack for c in candidates if (w := words(c)))


def panic_words(channel: Channel) -> list[str]:
    configured = channel.panic_words or {}
    found: list[str] = []
    for language in sorted(set(LANGUAGES) | set(configured)):
        found += configured.get(language) or DEFAULT_PANIC_WORDS.get(language, [])
    return found


CODENAME = "%(codename)s"


def shipped(kind: str, language: str) -> dict[str, str]:
    """The shipped first reply and risk text of a kind of channel in a language (what an empty
    own text falls back to; the editing page prefills them)."""
    with translation.override(language):
        return {"first_reply": _first_reply(), "risk": _risk(kind)}
