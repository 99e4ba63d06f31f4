"""Demo: the registry compared with a fictional partner's file, so that «Shared with partners»
has suggestions to decide. The partner's records are our demo reports' people written the way
another organisation would (Latin script, another order, a case form), plus people we do not
have; both sides are encoded with one demo secret, as two organisations would."""

from __future__ import annotations

from haven.cases.public import ApprovalRequest, approve, request_approval
from haven.core.demo import DemoContext
from haven.linkage import actions, encoding

DEMO_SECRET = b"demo only: a secret the two organisations agreed on, never used for real"

PARTNER_RECORDS = [
    ("Abdulayev Khasan Magomedovich", 1996),
    ("Anzor Malsagov", 2001),
    ("Исмаиловой Аминат", 1999),
    ("Olga Smirnova", 1988),
    ("Рустам Гайрбеков", 1979),
]


def load(ctx: DemoContext) -> None:
    vault = ctx.vaults.get("registry")
    if vault is None:
        return
    coordinator = ctx.keyring("coordinator")
    row = request_approval(
        keyring=coordinator,
        kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
        vault=vault,
        target_user=None,
        reason="Demo: encodings for a partner comparison",
    )
    approve(keyring=ctx.keyring("coordinator2"), approval=row)
    ours = actions.export_encodings(keyring=coordinator, source="registry", secret=DEMO_SECRET)
    theirs = {
        "format": actions.FILE_FORMAT,
        "export": "demo-partner-export",
        "encodings": encoding.encode(
            [
                encoding.Subject(f"partner-{i}", (name,), year)
                for i, (name, year) in enumerate(PARTNER_RECORDS)
            ],
            DEMO_SECRET,
        ),
    }
    comparison = actions.compare_files(
        keyring=coordinator,
        ours=ours,
        theirs=theirs,
        partner="Демо: сеть убежищ «Север» / demo shelter network",
    )
    ctx.note(
        "Shared with partners: sign in as `coordinator` and open «Shared with partners» "
        f"({comparison.suggestions} people the demo partner may also hold, found without "
        "exchanging names; confirm or reject them)."
    )
