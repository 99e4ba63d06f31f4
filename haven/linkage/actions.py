"""Writes of the linkage app: exporting encodings, comparing a partner's file, deciding.

Each is one transaction with its audit event. The shared secret is read here and passed to the
encoder in memory; it is never stored, logged or written into a file.
"""

from __future__ import annotations

import hashlib
import os
import random
import secrets
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.log import log_event
from haven.cases.public import (
    CaseError,
    Person,
    use_case_encoding_approval,
    use_export_approval,
)
from haven.linkage import encoding
from haven.linkage.errors import LinkageError
from haven.linkage.models import (
    LinkageComparison,
    LinkageExport,
    LinkageMapping,
    LinkageSuggestion,
    Source,
)
from haven.missing.public import (
    MissingPersonReport,
    person_names,
    registry_vault,
    report_names,
)
from haven.vault.keyring import Keyring

SECRET_ENV = "HAVEN_LINKAGE_SECRET"  # noqa: S105  (the name of a variable, not a secret)
FILE_FORMAT = encoding.SCHEMA_VERSION
# A partner's file larger than this is refused before it is parsed (about 600,000 encodings).
MAX_FILE_BYTES = 128 * 1024 * 1024


def load_secret(path: str | None) -> bytes:
    """The secret shared with the partner: from a file, or from HAVEN_LINKAGE_SECRET. Never
    from the database, never from a command-line argument (it would sit in the shell history
    and in the process list)."""
    if path:
        try:
            value = Path(path).read_bytes().strip()
        except OSError as exc:
            raise LinkageError(_("The secret file cannot be read.")) from exc
    else:
        value = os.environ.get(SECRET_ENV, "").strip().encode()
    if not value:
        raise LinkageError(
            _("Give the secret shared with the partner in a file or in HAVEN_LINKAGE_SECRET.")
        )
    if len(value) < encoding.MIN_SECRET_BYTES:
        raise LinkageError(
            _("The shared secret is too short: use at least %(n)d random characters.")
            % {"n": encoding.MIN_SECRET_BYTES}
        )
    return value


def birth_year(birth: Any) -> int | None:
    if not isinstance(birth, dict):
        return None
    raw = birth.get("year") or str(birth.get("date") or "")[:4]
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return None
    return year if 1850 <= year <= 2100 else None


def _subjects(keyring: Keyring, source: str) -> list[tuple[Any, str, str, list[str], int | None]]:
    """(vault, kind, record id, names, birth year) of every record to encode that this keyring
    can open."""
    if source == Source.REGISTRY:
        rows: Any = keyring.visible(MissingPersonReport.objects.select_related("vault"))
        kind, names_of = "report", report_names
    else:
        rows = keyring.visible(Person.objects.select_related("vault"))
        kind, names_of = "person", person_names  # type: ignore[assignment]
    out = []
    for reader in keyring.readers(rows.order_by("pk")):
        if not reader.is_open:
            continue
        names = names_of(reader)
        if names:
            out.append((reader.vault, kind, str(reader.pk), names, birth_year(reader.birth)))
    return out


def _consume_approval(keyring: Keyring, actor: Any, source: str, vault: Any) -> None:
    """Use one approval for this export: an export of the registry (one vault), or an encoding
    of the case list (bound to the search index: the cases span many vaults)."""
    try:
        if source == Source.REGISTRY:
            use_export_approval(actor=actor, vault=vault)
        else:
            use_case_encoding_approval(keyring=keyring)
    except CaseError as exc:
        raise LinkageError(str(exc)) from exc


def _use_approval(keyring: Keyring, actor: Any, source: str, vault: Any) -> None:
    """Fail before minutes of hashing when there is no approval to use: consume one in a
    transaction that is then rolled back (the real use is in the write transaction)."""
    with transaction.atomic():
        _consume_approval(keyring, actor, source, vault)
        transaction.set_rollback(True)


def export_encodings(*, keyring: Keyring, source: str, secret: bytes) -> dict[str, Any]:
    """Encode every record of `source` this keyring opens; returns the file's content. Either
    source takes a second coordinator's yes, used once: the registry (one vault) an export
    approved on it, as every export of the registry does; the case list an approval to encode
    it (encodings are not names, but fall to a dictionary attack by whoever holds the secret:
    docs/linkage.md)."""
    if source not in Source.values:
        raise LinkageError(_("Choose the registry or the cases."))
    actor = keyring.user
    if actor is None:
        raise LinkageError(_("Sign in first."))
    vault = None
    if source == Source.REGISTRY:
        vault = registry_vault()
        if vault is None or not keyring.can_open(vault):
            raise LinkageError(_("You do not have access to the registry."))
    _use_approval(keyring, actor, source, vault)
    # Reading and hashing a large registry takes minutes: done before the write transaction,
    # so that no write lock is held meanwhile. The approval is consumed in that transaction.
    records = _subjects(keyring, source)
    by_vault: dict[Any, tuple[Any, dict[str, dict[str, str]]]] = {}
    subjects = []
    for record_vault, kind, record_id, names, year in records:
        token = secrets.token_urlsafe(12)
        by_vault.setdefault(record_vault.id, (record_vault, {}))[1][token] = {
            "kind": kind,
            "id": record_id,
        }
        subjects.append(encoding.Subject(token, tuple(names), year))
    entries = encoding.encode(subjects, secret)
    # The order of the file must not follow the order of our records (creation order).
    random.SystemRandom().shuffle(entries)
    with transaction.atomic():
        _consume_approval(keyring, actor, source, vault)
        export = LinkageExport.objects.create(
            handle=secrets.token_urlsafe(18),
            source=source,
            created_by=actor,
            records=len(subjects),
            encodings=len(entries),
        )
        for mapping_vault, tokens in by_vault.values():
            mapping = LinkageMapping(export=export, vault=mapping_vault)
            keyring.open(mapping_vault).seal(mapping, tokens=tokens)
            mapping.save()
        log_event(
            actor=actor,
            action="linkage.export",
            object_type="linkage_export",
            object_id=export.id,
            data={"source": source, "records": len(subjects), "encodings": len(entries)},
        )
    return {"format": FILE_FORMAT, "export": export.handle, "encodings": entries}


def _entries(payload: Any, label: str) -> tuple[str, list[dict[str, str]]]:
    problem = _("%(file)s is not an encodings file from haven linkage encode.") % {"file": label}
    if not isinstance(payload, dict) or payload.get("format") != FILE_FORMAT:
        raise LinkageError(problem)
    handle, entries = payload.get("export"), payload.get("encodings")
    if not isinstance(handle, str) or not handle or not isinstance(entries, list):
        raise LinkageError(problem)
    clean = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise LinkageError(problem)
        token, clk = entry.get("token"), entry.get("clk")
        if not isinstance(token, str) or not isinstance(clk, str) or len(token) > 64:
            raise LinkageError(problem)
        try:
            encoding.bits(clk)
        except ValueError as exc:
            raise LinkageError(problem) from exc
        clean.append({"token": token, "clk": clk})
    return handle, clean


def compare_files(
    *,
    keyring: Keyring,
    ours: Any,
    theirs: Any,
    partner: str,
    threshold: float = encoding.DEFAULT_THRESHOLD,
) -> LinkageComparison:
    """Compare our export with a partner's; every candidate pair becomes a pending suggestion
    in the vault of our record. Only pairs whose record this keyring can open are kept."""
    actor = keyring.user
    if actor is None:
        raise LinkageError(_("Sign in first."))
    if not 0.5 <= threshold <= 1.0:
        raise LinkageError(_("The threshold is a similarity between 0.5 and 1."))
    partner = partner.strip()
    if not partner or len(partner) > 200:
        raise LinkageError(_("Name the partner organisation (at most 200 characters)."))
    our_handle, our_entries = _entries(ours, _("Our file"))
    their_handle, their_entries = _entries(theirs, _("The partner's file"))
    if our_handle == their_handle:
        raise LinkageError(_("Both files are the same export."))
    export = LinkageExport.objects.filter(handle=our_handle).first()
    if export is None:
        raise LinkageError(_("Our file was not exported from this installation."))
    mappings = list(keyring.visible(export.mappings.select_related("vault")))
    owner: dict[str, tuple[Any, dict[str, str]]] = {}
    for reader in keyring.readers(mappings):
        if reader.is_open:
            for token, record in (reader.tokens or {}).items():
                owner[token] = (reader.vault, record)
    candidates = encoding.compare(
        [e for e in our_entries if e["token"] in owner], their_entries, threshold=threshold
    )
    try:
        with transaction.atomic():
            comparison = LinkageComparison.objects.create(
                export=export,
                partner_digest=hashlib.sha256(their_handle.encode()).hexdigest(),
                threshold=threshold,
                created_by=actor,
                suggestions=len(candidates),
            )
            for candidate in candidates:
                vault, record = owner[candidate.ours]
                suggestion = LinkageSuggestion(
                    comparison=comparison, vault=vault, score=candidate.score
                )
                keyring.open(vault).seal(
                    suggestion, our_record=record, partner=partner, partner_token=candidate.theirs
                )
                suggestion.save()
            log_event(
                actor=actor,
                action="linkage.compare",
                object_type="linkage_comparison",
                object_id=comparison.id,
                data={
                    "export": str(export.id),
                    "ours": len(our_entries),
                    "theirs": len(their_entries),
                    "suggestions": len(candidates),
                    "threshold": threshold,
                },
            )
    except IntegrityError as exc:
        raise LinkageError(_("These two files were compared before.")) from exc
    return comparison


def decide_suggestion(*, keyring: Keyring, suggestion: LinkageSuggestion, confirm: bool) -> None:
    """A person's decision on a suggestion. Confirming exchanges nothing: it marks the pair as
    worth a referral, which is where the partners agree to share who the person is."""
    if suggestion.state != LinkageSuggestion.State.PENDING:
        raise LinkageError(_("This suggestion has already been decided."))
    with transaction.atomic():
        suggestion.state = (
            LinkageSuggestion.State.CONFIRMED if confirm else LinkageSuggestion.State.REJECTED
        )
        suggestion.decided_by = keyring.user
        suggestion.decided_at = timezone.now()
        suggestion.save(update_fields=["state", "decided_by", "decided_at"])
        log_event(
            actor=keyring.user,
            action="linkage.confirm" if confirm else "linkage.reject",
            object_type="linkage_suggestion",
            object_id=suggestion.id,
            data={"score": suggestion.score},
        )
