"""Redaction review of a testimony: the engine proposes, a person accepts or rejects each
proposal, and the reviewed text is what leaves in a publication bundle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.log import log_event
from haven.evidence.actions.incidents import _actor
from haven.evidence.errors import EvidenceError

if TYPE_CHECKING:
    from haven.evidence.models import Testimony
    from haven.vault.keyring import Keyring


def _engine_language(testimony: Testimony) -> str:
    return testimony.language if testimony.language in ("ru", "en") else "auto"


def propose_redactions(*, keyring: Keyring, testimony: Testimony) -> list[dict[str, Any]]:
    """Run the redaction engine over the testimony; the proposals are sealed and wait for a
    person to accept or reject each one. The person who gave the testimony is a known person."""
    from haven.lib.redact import KnownPerson, public_figures, redact

    actor = _actor(keyring)
    opened = keyring.open(testimony.vault)
    text = opened.unseal(testimony, "text") or ""
    given_by = (opened.unseal(testimony, "given_by") or "").strip()
    known = [KnownPerson(names=(given_by,))] if given_by else []
    # Officials and organisations named in the testimony are its substance: kept (the shipped
    # list plus the installation's HAVEN_PUBLIC_FIGURES_FILE), so the reviewer unticks nothing.
    figures = public_figures(settings.HAVEN_PUBLIC_FIGURES_FILE or None)
    result = redact(text, lang=_engine_language(testimony), known=known, public_figures=figures)
    proposals = [{**s.as_dict(), "accepted": True} for s in result.spans]
    with transaction.atomic():
        opened.seal(testimony, proposals=proposals, reviewed_text=None)
        testimony.reviewed_by, testimony.reviewed_at = None, None
        testimony.save(update_fields=["proposals", "reviewed_text", "reviewed_by", "reviewed_at"])
        log_event(
            actor=actor,
            action="evidence.redaction_propose",
            object_type="testimony",
            object_id=testimony.id,
            data={"proposals": len(proposals), "lang": result.lang},
        )
    return proposals


def apply_proposals(text: str, proposals: list[dict[str, Any]]) -> str:
    pieces, pos = [], 0
    for p in sorted((p for p in proposals if p.get("accepted")), key=lambda p: p["start"]):
        if p["start"] < pos:
            continue
        pieces += [text[pos : p["start"]], p["placeholder"]]
        pos = p["end"]
    pieces.append(text[pos:])
    return "".join(pieces)


def review_redactions(*, keyring: Keyring, testimony: Testimony, accepted: set[int]) -> str:
    """Keep the proposals whose index is in `accepted`, reject the others, and store the text
    that results: that reviewed text is what leaves in a publication bundle."""
    actor = _actor(keyring)
    opened = keyring.open(testimony.vault)
    proposals = opened.unseal(testimony, "proposals")
    if proposals is None:
        raise EvidenceError(_("Ask for redaction proposals first."))
    for i, p in enumerate(proposals):
        p["accepted"] = i in accepted
    reviewed = apply_proposals(opened.unseal(testimony, "text") or "", proposals)
    with transaction.atomic():
        opened.seal(testimony, proposals=proposals, reviewed_text=reviewed)
        testimony.reviewed_by, testimony.reviewed_at = actor, timezone.now()
        testimony.save(update_fields=["proposals", "reviewed_text", "reviewed_by", "reviewed_at"])
        log_event(
            actor=actor,
            action="evidence.redaction_review",
            object_type="testimony",
            object_id=testimony.id,
            data={"accepted": len(accepted & set(range(len(proposals)))), "of": len(proposals)},
        )
    return reviewed
