"""Redaction of testimony: propose what to take out before anything leaves the organisation.

    from haven.lib.redact import KnownPerson, redact

    result = redact(text, known=[KnownPerson(names=("Салех Мусаев",))],
                    public_figures=["Рамзан Кадыров"])
    result.text   # "[PERSON 1] рассказал, что люди Кадырова ..."
    result.spans  # RedactionSpan(start, end, original, category, placeholder, reason)

Removed: every form of the linked persons' names (cases, scripts, diminutives; the name model is
`haven.lib.names`, the one the missing-persons registry matches with), other private
persons (natasha NER for Russian, name lists for Latin script), phones, e-mails, handles, street
addresses, dates of birth, document numbers, and places below town level. Kept: public figures in
any form and whatever title stands before them ("Foreign Minister Sergei Lavrov", «президенту
Владимиру Путину»), and countries, regions and towns (towns too are removed with
`redact_places=True`).
"""

from .engine import detect_language, redact
from .figures import public_figures
from .model import KnownPerson, RedactionResult, RedactionSpan

__all__ = [
    "KnownPerson",
    "RedactionResult",
    "RedactionSpan",
    "detect_language",
    "public_figures",
    "redact",
]
