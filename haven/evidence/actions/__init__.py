"""Evidence writes, one module per room: incidents (and their parts, testimonies, sharing),
redaction review, and attachments with their chain of custody. Each is atomic and audited (ids,
codes and counts only); sealed values go through the incident's evidence vault.

Callers keep writing `from haven.evidence import actions` and `actions.capture_attachment(...)`:
this package re-exports every action so that the split changed no import."""

from haven.evidence.actions.attachments import (
    capture_attachment,
    custody,
    delete_attachment,
    max_file_bytes,
    read_attachment,
    record_view,
    set_verification,
    sha256_hex,
    transfer_attachment,
)
from haven.evidence.actions.incidents import (
    EVIDENCE_ROLES,
    SHARE_ROLES,
    add_perpetrator,
    add_place,
    add_source,
    add_testimony,
    add_victim,
    create_incident,
    remove_part,
    set_consent,
    share_incident,
    update_incident,
)
from haven.evidence.actions.redaction import apply_proposals, propose_redactions, review_redactions

__all__ = [
    "EVIDENCE_ROLES",
    "SHARE_ROLES",
    "add_perpetrator",
    "add_place",
    "add_source",
    "add_testimony",
    "add_victim",
    "apply_proposals",
    "capture_attachment",
    "create_incident",
    "custody",
    "delete_attachment",
    "max_file_bytes",
    "propose_redactions",
    "read_attachment",
    "record_view",
    "remove_part",
    "review_redactions",
    "set_consent",
    "set_verification",
    "sha256_hex",
    "share_incident",
    "transfer_attachment",
    "update_incident",
]
