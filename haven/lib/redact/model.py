"""The values redaction takes and gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CATEGORIES = ("PERSON", "PHONE", "EMAIL", "HANDLE", "ADDRESS", "DATE OF BIRTH", "DOCUMENT", "PLACE")


@dataclass(frozen=True)
class KnownPerson:
    """Identifiers of one person linked to a testimony (victim, relative, witness).

    `names` are full names in any script ("Салех Мусаев", "Saleh Musaev"); every word of each is
    looked for in every case ending and transliteration. `aliases` are nicknames and diminutives
    ("Салик"). `phones`, `emails` and `handles` are matched whatever their formatting.
    """

    names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()


@dataclass(frozen=True)
class RedactionSpan:
    start: int
    end: int
    original: str
    category: str
    placeholder: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "original": self.original,
            "category": self.category,
            "placeholder": self.placeholder,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RedactionResult:
    text: str
    spans: tuple[RedactionSpan, ...] = field(default_factory=tuple)
    lang: str = "ru"

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "lang": self.lang,
            "redactions": [s.as_dict() for s in self.spans],
        }
